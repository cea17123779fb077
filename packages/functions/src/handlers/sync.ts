// sync state machine, Sync: take the sync's turn, send what changed to Salesforce, record the run.
import { type SyncStepInput, syncStep } from "@cdp/core/sync/aws/sync-step";
import { syncDeps } from "./sync-deps";

export const handler = (input: SyncStepInput) => syncStep(syncDeps(), input);
