// ML state machine, ReportFailure: a step failed; record the failed run and why, alert.
import { type FailureStepInput, failureStep } from "@cdp/core/segment/sagemaker/failure-step";
import { segmentDeps } from "./segment-deps";

export const handler = (input: FailureStepInput) => failureStep(segmentDeps(), input);
