// An ingest run's stats as the API serves them: parsed on the server with the ingest pipeline's
// schema (packages/core/src/ingest/model.ts), so every field is there and typed.
import type { RunDetail } from "../../../api/client";

export type IngestRun = Extract<RunDetail, { pipeline: "ingest" }>;
export type IngestStats = IngestRun["stats"];
export type RuleCount = IngestStats["failures"][number];

/** The stats of an ingest run; null for a run of another pipeline. */
export function ingestStatsOf(run: RunDetail): IngestStats | null {
  return run.pipeline === "ingest" ? run.stats : null;
}

/** The stats keys the ingest panels show (the Facts panel leaves them out). */
export const ingestStatKeys: ReadonlySet<string> = new Set<
  Extract<keyof IngestStats, string> | "timeline"
>([
  "table",
  "key",
  "rowsRead",
  "rowsLoaded",
  "rowsQuarantined",
  "rowsInserted",
  "rowsUpdated",
  "rowsUnchanged",
  "columnsAdded",
  "columnsWidened",
  "sourceKey",
  "errorKey",
  "failures",
  "skippedRules",
  "rejectsKey",
  "rejectThreshold",
  "timeline",
]);
