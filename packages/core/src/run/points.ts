// The metric points a finished run contributes: its outcome, its duration and its row counts.
import type { Point } from "../metric/metric";
import type { Info as Run } from "./run";

/** The points a finished run contributes. */
export function runPoints(run: Run): Point[] {
  const base = {
    pipeline: run.pipeline,
    runId: run.id,
    at: new Date(run.finishedAt ?? Date.now()),
  };
  const points: Point[] = [
    {
      ...base,
      name: run.status === "SUCCEEDED" ? "RunSucceeded" : "RunFailed",
      value: 1,
      unit: "Count",
    },
  ];
  if (run.startedAt && run.finishedAt) {
    const ms = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
    points.push({ ...base, name: "RunDuration", value: ms, unit: "Milliseconds" });
  }
  const s = run.stats;
  if (typeof s.rowsRead === "number")
    points.push({ ...base, name: "RowsRead", value: s.rowsRead, unit: "Count" });
  if (typeof s.rowsLoaded === "number")
    points.push({ ...base, name: "RowsLoaded", value: s.rowsLoaded, unit: "Count" });
  // How the loaded rows split (ingest); a count not taken (null) is left out, not sent as 0.
  for (const [field, name] of [
    ["rowsInserted", "RowsInserted"],
    ["rowsUpdated", "RowsUpdated"],
    ["rowsUnchanged", "RowsUnchanged"],
  ] as const) {
    const v = s[field];
    if (typeof v === "number") points.push({ ...base, name, value: v, unit: "Count" });
  }
  if (typeof s.rowsQuarantined === "number")
    points.push({ ...base, name: "RowsQuarantined", value: s.rowsQuarantined, unit: "Count" });
  return points;
}

/**
 * CloudWatch takes an EMF point up to 14 days old (Lambda Powertools' EMF_MAX_TIMESTAMP_PAST_AGE);
 * a resolution of an older failure is dated just inside that, where no Metrics window reaches it.
 */
const MAX_PAST_MS = 13 * 24 * 3_600_000;

/**
 * A failed run resolved by a successful retry: a RunResolved point dated when the run *failed*,
 * so it lands in the same bucket as its RunFailed point and the Metrics page can leave it out of
 * the failures (RunFailed − RunResolved) while the history keeps both.
 */
export function resolvedPoints(runs: Run[], now = Date.now()): Point[] {
  return runs.map((run) => {
    const failedAt = Date.parse(run.finishedAt ?? run.createdAt);
    return {
      name: "RunResolved",
      value: 1,
      unit: "Count",
      pipeline: run.pipeline,
      runId: run.id,
      at: new Date(Math.max(failedAt, now - MAX_PAST_MS)),
    };
  });
}
