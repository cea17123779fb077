// sync state machine, ReportFailure: the Sync step failed; record the failed run and why, alert.
import { type SyncFailureStepInput, syncFailureStep } from "@cdp/core/sync/aws/failure-step";
import { syncDeps } from "./sync-deps";

export const handler = (input: SyncFailureStepInput) => syncFailureStep(syncDeps(), input);
