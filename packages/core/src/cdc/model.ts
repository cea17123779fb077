// The cdc pipeline's model: its arguments, its stats (per target table), and the names of the
// columns AWS DMS adds to every file. Written once; the API parses stats with it, and the console
// and the CLI read the types.
import { z } from "zod";
import type { RunFacts } from "../pipeline";

export const PIPELINE = "cdc";

/**
 * The bookkeeping columns DMS writes (normalised names), found by header name, never by position.
 * The DMS docs fix only that `Op` is the first field (CHAP_Target.S3, "Indicating source DB
 * operations"); the timestamp column (`TimestampColumnName=dms_commit_ts`) and the column the
 * table mapping adds (`dms_change_seq` = `$AR_H_CHANGE_SEQ`) have no documented place.
 */
export const DMS_COLUMNS = {
  op: "op",
  commitTs: "dms_commit_ts",
  changeSeq: "dms_change_seq",
} as const;

/**
 * `$AR_H_CHANGE_SEQ` is 35 digits — 16 of a timestamp, then a 19-digit change number (DMS user
 * guide, "Using transformation rule expressions"): compared as text of that fixed width. A
 * full-load row carries none and counts as older than every change.
 */
export const SEQ_WIDTH = 35;

export const CdcArgs = z.looseObject({
  /** A lake key under dms/: a folder (`dms/`, `dms/CRM/`, `dms/CRM/CUSTOMERS/`) or one file. */
  path: z
    .string()
    .min(1)
    .refine(
      (p) =>
        (p === "dms" || p.startsWith("dms/")) &&
        !p.split("/").some((part) => part === ".." || part === "."),
      "must be a lake key under dms/",
    ),
  /** The key column to apply changes by (default: the table's key in rules.ts, else the first data column). */
  key: z.string().optional(),
});
export type CdcArgs = z.infer<typeof CdcArgs>;

/** What one file of a table did. */
export type FileOutcome = "applied" | "skipped" | "failed";

export const TableCounts = z.object({
  /** The target, `crm.customers`. */
  table: z.string(),
  /** Its DMS folder below dms/, `CRM/CUSTOMERS`. */
  source: z.string(),
  key: z.string().nullable().default(null),
  filesApplied: z.number().int().default(0),
  /** Files applied before (same key below dms/, same content): nothing changed. */
  filesSkipped: z.number().int().default(0),
  /** Files that could not be applied, moved to error/dms/… with the reason beside them. */
  filesFailed: z.number().int().default(0),
  /** Change rows read. */
  changes: z.number().int().default(0),
  inserted: z.number().int().default(0),
  updated: z.number().int().default(0),
  /** Deletes applied (each leaves a tombstone; a delete of a key the table lacks too). */
  deleted: z.number().int().default(0),
  /** Last changes of a key older than what the table already holds for it: not applied. */
  skippedStale: z.number().int().default(0),
  /** Earlier changes of a key replaced by a later one in the same file. */
  superseded: z.number().int().default(0),
  /** Change rows that failed an error rule (or were malformed): not applied. */
  quarantined: z.number().int().default(0),
  columnsAdded: z.array(z.string()).default([]),
  columnsWidened: z.array(z.string()).default([]),
});
export type TableCounts = z.output<typeof TableCounts>;

export const FailedFile = z.object({
  /** Where the file was (dms/…), and where it is now (error/dms/…). */
  key: z.string(),
  errorKey: z.string(),
  reason: z.string(),
});
export type FailedFile = z.output<typeof FailedFile>;

/** How many failed files a run's stats name (all are counted). */
export const MAX_FAILED_FILES_KEPT = 50;

/**
 * A cdc run's stats. A run that failed early or is still going has only some of them: the rest
 * read as their defaults. The totals feed the run metrics every pipeline records.
 */
export const CdcStats = z.looseObject({
  tables: z.array(TableCounts).default([]),
  rowsRead: z.number().int().default(0),
  /** Changes applied: inserted + updated + deleted. */
  rowsLoaded: z.number().int().default(0),
  rowsQuarantined: z.number().int().default(0),
  filesApplied: z.number().int().default(0),
  filesSkipped: z.number().int().default(0),
  filesFailed: z.number().int().default(0),
  failedFiles: z.array(FailedFile).default([]),
  /** The rejects files written (error/dms/<SCHEMA>/<TABLE>/<file>.rejects.csv). */
  rejectsKeys: z.array(z.string()).default([]),
});
export type CdcStats = z.output<typeof CdcStats>;

export function emptyTableCounts(table: string, source: string): TableCounts {
  return TableCounts.parse({ table, source });
}

/** A run's subject: `crm.customers, crm.orders ← 3 files` (the path before anything is known). */
export function cdcSubject(run: RunFacts): string | null {
  const st = CdcStats.safeParse(run.stats);
  const tables = st.success ? st.data.tables : [];
  if (tables.length) {
    const files = tables.reduce((n, t) => n + t.filesApplied + t.filesSkipped + t.filesFailed, 0);
    const names = tables.map((t) => t.table);
    const shown =
      names.length > 3 ? `${names.slice(0, 3).join(", ")} +${names.length - 3}` : names.join(", ");
    return `${shown} ← ${files} file${files === 1 ? "" : "s"}`;
  }
  const path = run.args.path;
  return typeof path === "string" ? path : null;
}

/** A run's counts: `1200 changes · 800 inserted · 300 updated · 100 deleted · 5 stale · 2 quarantined`. */
export function cdcCounts(run: RunFacts): string | null {
  const st = CdcStats.safeParse(run.stats);
  if (!st.success) return null;
  const sum = (k: keyof TableCounts) =>
    st.data.tables.reduce((n, t) => n + (typeof t[k] === "number" ? (t[k] as number) : 0), 0);
  const parts = [
    `${sum("changes")} changes`,
    `${sum("inserted")} inserted`,
    `${sum("updated")} updated`,
    `${sum("deleted")} deleted`,
  ];
  if (sum("skippedStale")) parts.push(`${sum("skippedStale")} stale`);
  if (sum("quarantined")) parts.push(`${sum("quarantined")} quarantined`);
  if (sum("filesSkipped")) parts.push(`${sum("filesSkipped")} files skipped`);
  if (sum("filesFailed")) parts.push(`${sum("filesFailed")} files failed`);
  return parts.join(" · ");
}
