// The `sync` pipeline: each user's segment, from the latest segmentation run, to Salesforce by
// external id — only what changed since Salesforce last accepted it, by sObject Collections or
// Bulk API 2.0, whichever costs fewer API requests; a dry-run outbox when no credentials are set.
// Locally `cdp start` runs it after every segmentation that succeeded, and again later after a
// run that failed on a passing fault (the API budget, REQUEST_LIMIT_EXCEEDED, 503s). Deployed, the
// sync state machine runs it when a segmentation run is loaded (aws/asl.ts, infra/salesforce.ts).
import { pipeline } from "../pipeline";
import { envSecrets } from "../secrets/secrets";
import { syncStateMachine } from "./aws/asl";
import { syncRetry } from "./aws/machine";
import { syncJob } from "./job";
import { PIPELINE, SyncArgs, SyncStats, syncCounts, syncSubject } from "./model";

/** How long a sync that failed on a passing fault waits before `cdp start` retries it. */
export const SYNC_RETRY_AFTER_MS = 30 * 60_000;

export const sync = pipeline({
  name: PIPELINE,
  description:
    "sends each user's segment (the latest segmentation) to Salesforce by external id: only what changed, every record's outcome kept",
  args: SyncArgs,
  stats: SyncStats,
  start: "button",
  subject: syncSubject,
  counts: syncCounts,
  after: ["segment"],
  retryAfterMs: SYNC_RETRY_AFTER_MS,
  stateMachine: {
    resource: "SyncMachine",
    definition: syncStateMachine,
    retry: syncRetry,
  },
  job: (deps) =>
    syncJob(async () => ({
      ops: deps.ops,
      lake: deps.lake,
      warehouse: deps.warehouse,
      secrets: deps.secrets ?? envSecrets(),
    })),
});
