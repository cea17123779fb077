// Ingest state machine, ReportFailure: a step failed; record it, park the file in error/, alert.
import { type FailureStepInput, failureStep } from "@cdp/core/ingest/failure-step";
import { ingestDeps } from "./ingest-deps";

export const handler = (input: FailureStepInput) => failureStep(ingestDeps(), input);
