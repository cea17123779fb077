// The run conflicts and misses every operations adapter raises, worded once.
import { VisibleError } from "../util/error";

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
