// cdc state machine, ReportFailure: a step failed; record it, park the file in error/dms/, alert.
import { type FailureStepInput, failureStep } from "@cdp/core/cdc/failure-step";
import { cdcDeps } from "./cdc-deps";

export const handler = (input: FailureStepInput) => failureStep(cdcDeps(), input);
