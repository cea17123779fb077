// One line about a run for the list: why it failed, where it is, or what it did.
import type { Run } from "../api/client";
import { isActive, isFailed } from "./status";

export interface TimelineStep {
  at: string;
  step: string;
}

export function timelineOf(stats: Record<string, unknown>): TimelineStep[] {
  const t = stats.timeline;
  if (!Array.isArray(t)) return [];
  return t.filter(
    (s): s is { at: string; step: string } =>
      typeof s === "object" &&
      s !== null &&
      typeof (s as Record<string, unknown>).at === "string" &&
      typeof (s as Record<string, unknown>).step === "string",
  );
}

const n = (v: unknown) => (typeof v === "number" ? v.toLocaleString() : null);

export function summary(run: Run): string {
  if (isFailed(run.status)) return run.error?.split("\n")[0] ?? "no error message";
  const steps = timelineOf(run.stats);
  if (isActive(run.status))
    return steps.at(-1)?.step ?? (run.status === "QUEUED" ? "waiting" : "starting");
  const parts = [
    n(run.stats.rowsRead) && `${n(run.stats.rowsRead)} read`,
    n(run.stats.rowsLoaded) && `${n(run.stats.rowsLoaded)} loaded`,
    n(run.stats.rowsQuarantined) && `${n(run.stats.rowsQuarantined)} quarantined`,
  ].filter(Boolean);
  if (parts.length) return parts.join(" · ");
  return steps.length ? `${steps.length} step${steps.length === 1 ? "" : "s"}` : "";
}
