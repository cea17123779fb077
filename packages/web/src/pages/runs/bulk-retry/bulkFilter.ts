// What a bulk retry will take on, from the Runs page's filter: only failed statuses are retried.

import { statusLook } from "../../../components/RunStatus";
import { failedStatuses } from "../../../lib/status";
import type { RunFilter } from "../../../queries/keys";

/** The filter in words, as the server will apply it (only failed statuses are retried). */
export function describeBulkFilter(f: RunFilter): string {
  const statuses = f.status.length ? f.status.filter((s) => failedStatuses.has(s)) : [];
  const parts = [
    `status ${(statuses.length ? statuses : [...failedStatuses]).map((s) => statusLook(s).label.toLowerCase()).join(", ")}`,
    f.pipeline.length ? `pipeline ${f.pipeline.join(", ")}` : "every pipeline",
  ];
  if (f.from) parts.push(`created from ${f.from}`);
  if (f.to) parts.push(`created to ${f.to}`);
  return parts.join(" · ");
}

/** Whether the status filter leaves any failed status to retry. */
export const hasFailedStatus = (f: RunFilter) =>
  !f.status.length || f.status.some((s) => failedStatuses.has(s));
