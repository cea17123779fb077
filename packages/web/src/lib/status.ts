// The closed set of run statuses, as Dagster keeps it: every status in exactly the sets it
// belongs to, and a compile-time check that the list is complete.
import type { RunStatusValue } from "../api/client";
import type { RunFilter } from "../queries/keys";

export const RunStatuses = [
  "QUEUED",
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "TIMED_OUT",
  "STOPPED",
] as const satisfies readonly RunStatusValue[];

// Fails to compile when the API gains a status this list lacks.
type Missing = Exclude<RunStatusValue, (typeof RunStatuses)[number]>;
const complete: [Missing] extends [never] ? true : Missing = true;
void complete;

export const inProgressStatuses: ReadonlySet<RunStatusValue> = new Set(["QUEUED", "RUNNING"]);
/** The statuses a run can be retried from. */
export const failedStatuses: ReadonlySet<RunStatusValue> = new Set([
  "FAILED",
  "TIMED_OUT",
  "STOPPED",
]);

export const isActive = (s: RunStatusValue) => inProgressStatuses.has(s);
export const isFailed = (s: RunStatusValue) => failedStatuses.has(s);

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}

export function parseStatuses(value: string | null): RunStatusValue[] {
  const wanted = new Set((value ?? "").split(",").map((s) => s.trim().toUpperCase()));
  return RunStatuses.filter((s) => wanted.has(s));
}

/**
 * A failed status filter means "needs attention": failed runs a retry resolved are left out
 * unless the filter says to show them.
 */
export const hidesResolved = (f: Pick<RunFilter, "status" | "showResolved">) =>
  f.status.some((s) => failedStatuses.has(s)) && !f.showResolved;
