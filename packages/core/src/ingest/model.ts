// The ingest pipeline's model: its arguments, its stats, the failure counts the checks report, and
// the quality configuration it runs with. Written once; the API parses stats with it, and the
// console and the CLI read the types.
import { z } from "zod";
import { isValidKey } from "../lake/lake";
import type { RunFacts } from "../pipeline";
import type { TableSettings } from "../quality/check";
import type { RuleSet } from "../quality/compile";
import {
  COLUMN_CHECKS,
  DEFAULT_TABLE_SETTINGS,
  SQL_DATA_QUALITY_RULES,
  TABLE_SETTINGS,
} from "../quality/rules";
import { fileName, tableFromKey } from "./naming";

export const PIPELINE = "ingest";

export const IngestArgs = z.looseObject({
  /** The file's key in the lake (inbox/…). */
  sourceKey: z
    .string()
    .min(1)
    .refine(isValidKey, "must be a lake key: relative, `/`-separated, no `.` or `..` parts"),
  /** The table (default: from the file name). */
  table: z.string().optional(),
  /** The key column to upsert by (default: the table's key in rules.ts). */
  key: z.string().optional(),
});
export type IngestArgs = z.infer<typeof IngestArgs>;

/** How many records one rule rejected (or warned about). */
export const FailureCount = z.object({
  rule: z.string(),
  errorType: z.string(),
  severity: z.string(),
  count: z.number(),
});
export type FailureCount = z.infer<typeof FailureCount>;

/**
 * An ingest run's stats. A run that failed early (no key column, not UTF-8) or is still going has
 * only some of them: the rest read as their defaults.
 */
export const IngestStats = z.looseObject({
  table: z.string().nullable().default(null),
  key: z.string().nullable().default(null),
  rowsRead: z.number().int().default(0),
  rowsLoaded: z.number().int().default(0),
  rowsQuarantined: z.number().int().default(0),
  /**
   * How rowsLoaded splits (rowsLoaded = inserted + updated + unchanged): new keys, keys whose values
   * changed, keys loaded again as they were. Null when not counted (a Redshift file too wide to
   * compare every column in one statement: updated and unchanged).
   */
  rowsInserted: z.number().int().nullable().default(0),
  rowsUpdated: z.number().int().nullable().default(0),
  rowsUnchanged: z.number().int().nullable().default(0),
  columnsAdded: z.array(z.string()).default([]),
  columnsWidened: z.array(z.string()).default([]),
  /** Where the source file is now (processed/… or error/…). */
  sourceKey: z.string().nullable().default(null),
  /** Where the file went when it failed, else where its rejected rows are; null when neither. */
  errorKey: z.string().nullable().default(null),
  /** The rejects file (error/<table>/<file>.rejects.csv), when rows were rejected. */
  rejectsKey: z.string().nullable().default(null),
  failures: z.array(FailureCount).default([]),
  /** SQL rules that did not apply to this file, and why. */
  skippedRules: z.array(z.object({ rule: z.string(), reason: z.string() })).default([]),
  rejectThreshold: z.number().nullable().default(null),
});
export type IngestStats = z.output<typeof IngestStats>;

/** The stats of an ingest that got as far as knowing its target: every fact set. */
export type TargetStats = IngestStats & {
  table: string;
  key: string;
  sourceKey: string;
  rejectThreshold: number;
};

/** An ingest run's subject: the table and the file, `customers ← customers_2026-11-06.csv`. */
export function ingestSubject(run: RunFacts): string | null {
  const source = run.args.sourceKey;
  if (typeof source !== "string") return null;
  const file = fileName(source);
  let table = typeof run.stats.table === "string" ? run.stats.table : null;
  if (!table) {
    try {
      table = typeof run.args.table === "string" ? run.args.table : tableFromKey(source);
    } catch {
      return file; // no table can be made of the name: the file says it
    }
  }
  return `${table} ← ${file}`;
}

/** An ingest run's counts: `870165 read · 870000 loaded · 165 quarantined · 2 columns added`. */
export function ingestCounts(run: RunFacts): string | null {
  const st = IngestStats.safeParse(run.stats);
  if (!st.success) return null;
  const s = st.data;
  const parts = [`${s.rowsRead} read`, `${s.rowsLoaded} loaded`];
  if (s.rowsLoaded > 0) {
    const split = [`${s.rowsInserted ?? "?"} new`];
    if (s.rowsUpdated !== null) split.push(`${s.rowsUpdated} updated`);
    if (s.rowsUnchanged !== null) split.push(`${s.rowsUnchanged} unchanged`);
    parts[1] = `${s.rowsLoaded} loaded (${split.join(", ")})`;
  }
  if (s.rowsQuarantined) parts.push(`${s.rowsQuarantined} quarantined`);
  if (s.columnsAdded.length) parts.push(`${s.columnsAdded.length} columns added`);
  return parts.join(" · ");
}

export interface QualityConfig {
  rules: RuleSet;
  tables: Record<string, TableSettings>;
  defaults: Required<TableSettings>;
}

/** The rules in rules.ts, as the platform runs them. */
export const defaultQuality: QualityConfig = {
  rules: { sql: SQL_DATA_QUALITY_RULES, columns: COLUMN_CHECKS },
  tables: TABLE_SETTINGS,
  defaults: DEFAULT_TABLE_SETTINGS,
};
