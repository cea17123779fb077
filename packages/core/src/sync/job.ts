// The `sync` pipeline for the local runner: one run sends the latest segmentation's changes (or a
// run's records that were not accepted) to Salesforce. One sync runs at a time.
import { needsFix } from "../run/failure";
import type { Job } from "../run/job";
import { errorMessage, VisibleError } from "../util/error";
import { SYNC_WORK_KEY, SyncArgs } from "./model";
import { pruneSyncRecords } from "./retention";
import { runSync, type SyncDeps, type SyncOptions } from "./sync";

/** What must change when a sync fails on its input, by the error's code. */
function hintFor(code: string): string {
  if (
    code.startsWith("sync.credentials") ||
    code === "sync.auth_failed" ||
    code.startsWith("secrets.")
  ) {
    return "the Salesforce credentials: SALESFORCE_* in the environment or the data dir's secrets.env; deployed, the Salesforce secret's JSON (README \"Salesforce sync\")";
  }
  if (code === "sync.bad_setting") return "the SALESFORCE_* setting the error names";
  if (code === "sync.no_such_run")
    return "the run id: a sync run whose failed records to send again";
  return "the segmentation's source table or the mapping in sync/mapping.ts, as the error says";
}

export function syncJob(deps: () => Promise<SyncDeps>, opts: SyncOptions = {}): Job {
  return {
    workKey: () => SYNC_WORK_KEY,
    async run({ run, step }) {
      try {
        const d = await deps();
        const result = await runSync(d, run, SyncArgs.parse(run.args), step, opts);
        // The per-record outcomes older runs no longer need (retention.ts); never fails the run.
        const pruned = await pruneSyncRecords(d.ops).catch((err) => {
          console.error(`sync ${run.id}: pruning old per-record outcomes: ${errorMessage(err)}`);
          return 0;
        });
        if (pruned) await step(`pruned ${pruned} per-record outcomes of older runs`, { pruned });
        return result;
      } catch (err) {
        if (err instanceof VisibleError && err.kind === "input") {
          return { status: "FAILED", error: err.message, failure: needsFix(hintFor(err.code)) };
        }
        throw err;
      }
    },
  };
}
