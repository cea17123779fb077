// Ingest state machine, ReportFailure: a step failed; record it, park the file in error/, alert.
import { type FailureStepInput, failureStep } from "@cdp/core/ingest/machine";
import { ingestDeps } from "./ingest-deps";

export const handler = (input: FailureStepInput) => failureStep(ingestDeps(), input);
