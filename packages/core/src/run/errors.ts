// The run conflicts and misses every operations adapter raises, worded once.
import { VisibleError } from "../util/error";
import { needsFixWarning } from "./failure";
import type { Info } from "./run";

export function runNotFound(id: string): VisibleError {
  return new VisibleError("not_found", "run.not_found", `no run ${id}`);
}

export function alreadyRetried(id: string, by: string): VisibleError {
  return new VisibleError(
    "conflict",
    "run.already_retried",
    `run ${id} was already retried as ${by}`,
    {
      runId: by,
    },
  );
}

/**
 * A retry of a run that needs a fix, asked for without confirming (API: `?confirm=true`): a 409
 * that says why the retry would fail again and what must change.
 */
export function needsFixFirst(run: Pick<Info, "id" | "failureHint">): VisibleError {
  return new VisibleError(
    "conflict",
    "run.needs_fix",
    `${needsFixWarning(run)} Retry with confirm=true to run it anyway (once the cause is fixed).`,
    { failureClass: "needs_fix", failureHint: run.failureHint },
  );
}
