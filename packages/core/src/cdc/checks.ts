// The quality checks of a DMS file: the rules of rules.ts, compiled by quality/compile.ts as for
// a CSV ingest, and the checks DMS's own columns need. A delete carries only its key (its other
// columns are empty), so only the checks on the key look at deletes; every other check and every
// SQL rule sees the inserts and updates. The reader counts each row's Op, the sequences' digits
// and each column's blank values outside deletes: a check those counts prove cannot fail is left
// out, and a file they prove clean is not scanned at all (its SQL rules still run).
import type { OpCounts } from "../ingest/csv-reader";
import { type CheckColumn, compileChecks, type RuleSet, rejectColumns } from "../quality/compile";
import { ident, literal } from "../warehouse/ident";
import type { Dialect } from "../warehouse/warehouse";
import { DMS_COLUMNS, SEQ_WIDTH } from "./model";

export interface CdcCheckInput {
  /** The target, `crm.customers`: what rules' `tables` name. */
  target: string;
  key: string;
  /**
   * The data columns, typed (the DMS columns are not data); with the reader's `blankLive` when it
   * counted the operations.
   */
  columns: (CheckColumn & { stats?: CheckColumn["stats"] & { blankLive?: number } })[];
  rows?: number;
  staging: string;
  rejects: string;
  flagged: string;
  flagged2: string;
  dialect: Dialect;
  /** Staged names of the DMS columns; `seq` is null when the file has none. */
  op: string;
  seq: string | null;
  /** A change file must order every row; a full-load row may lack a sequence. */
  kind: "load" | "change";
  /** The reader's counts of the sequence column, when the file has one. */
  seqStats?: { nonEmpty: number; maxBytes?: number; digits?: number };
  /** The reader's count of the rows by Op. */
  ops?: OpCounts;
  /** `CREATE … <table>` of a scratch table, before its `AS SELECT`. */
  create: (table: string) => string;
  rules: RuleSet;
}

export interface CdcChecks {
  check: { rule: string; sql: string; concurrent: boolean }[];
  skippedRules: { rule: string; reason: string }[];
}

const ROW = `"_cdp_row"`;

/** Rows that are not deletes (an Op that is not I, U or D is quarantined by op_valid). */
export function notDelete(op: string, alias?: string): string {
  const col = alias ? `${alias}.${ident(op)}` : ident(op);
  return `COALESCE(${col}, '') <> 'D'`;
}

/**
 * Whether the reader's counts prove every staged sequence well formed — up to SEQ_WIDTH plain
 * digits, and in a change file present on every row — so the check that looks for one that is
 * not cannot fail (it costs a regular expression a row).
 */
function seqProven({ seqStats: stats, rows, kind }: CdcCheckInput): boolean {
  if (!stats || stats.digits === undefined || stats.maxBytes === undefined) return false;
  if (stats.digits !== stats.nonEmpty || stats.maxBytes > SEQ_WIDTH) return false;
  return kind === "load" || (rows !== undefined && stats.nonEmpty === rows);
}

export function compileCdcChecks(t: CdcCheckInput): CdcChecks {
  const lit = (v: string) => literal(v, t.dialect);
  const op = ident(t.op);
  // `unique` compares the rows of one file; a key's several changes repeat its values by design.
  const unique = t.rules.columns.filter((c) => c.kind === "unique");
  const skippedRules = unique.map((c) => ({
    rule: c.name ?? `unique_${c.column}`,
    reason: "unique checks do not apply to change files: a key's changes repeat its values",
  }));
  // SQL rules read `temp_data`, built from this view of the staged rows: no deletes.
  const live = `(SELECT * FROM ${t.staging} WHERE ${notDelete(t.op)}) AS "_cdp_live"`;
  // A check on a column other than the key looks only at inserts and updates: what proves it
  // cannot fail is the column's blank values among those (the reader's `blankLive`).
  const columns = t.columns.map((c) =>
    c.name === t.key || c.stats?.blankLive === undefined
      ? c
      : { ...c, stats: { ...c.stats, blank: c.stats.blankLive } },
  );
  const compiled = compileChecks(
    {
      table: t.target,
      key: t.key,
      columns,
      rows: t.rows,
      staging: live,
      rejects: t.rejects,
      dialect: t.dialect,
    },
    { sql: t.rules.sql, columns: t.rules.columns.filter((c) => c.kind !== "unique") },
  );
  skippedRules.push(...compiled.skipped);

  // Checks on the key apply to every row, deletes included: the key is all a delete has.
  const conditions = compiled.conditions.map((c) =>
    c.column === t.key ? c : { ...c, where: `(${notDelete(t.op)} AND ${c.where})` },
  );
  if (!t.ops || t.ops.other > 0)
    conditions.unshift({
      rule: "op_valid",
      column: t.op,
      errorType: "invalid_value",
      severity: "error",
      description: `${lit('Op is "')} || COALESCE(substring(${op}, 1, 20), '') || ${lit('", not I, U or D')}`,
      where: `(${op} IS NULL OR ${op} NOT IN ('I', 'U', 'D'))`,
    });
  if ((t.seq || t.kind === "change") && !seqProven(t)) {
    const seq = t.seq ? ident(t.seq) : "CAST(NULL AS varchar)";
    // Not `~ '^[0-9]{1,35}$'`: PostgreSQL's regex engine takes ten times longer over a bounded
    // repeat than to look for one character that is not a digit.
    const malformed = `(length(${seq}) > ${SEQ_WIDTH} OR ${seq} ~ '[^0-9]')`;
    conditions.unshift({
      rule: "change_seq_valid",
      column: t.seq ?? DMS_COLUMNS.changeSeq,
      errorType: "invalid_format",
      severity: "error",
      description:
        t.kind === "change"
          ? `CASE WHEN ${seq} IS NULL THEN ${lit("dms_change_seq is missing: the change cannot be ordered")} ELSE ${lit('dms_change_seq "')} || substring(${seq}, 1, 40) || ${lit(`" is not a change sequence (up to ${SEQ_WIDTH} digits)`)} END`
          : `${lit('dms_change_seq "')} || substring(${seq}, 1, 40) || ${lit(`" is not a change sequence (up to ${SEQ_WIDTH} digits)`)}`,
      where:
        t.kind === "change"
          ? `(${seq} IS NULL OR ${malformed})`
          : `(${seq} IS NOT NULL AND ${malformed})`,
    });
  }

  // One scan of the staged rows keeps the failing ones (a flag per check), in two halves at once
  // as ingest does; then one insert of every check's failures from those few rows.
  const check: CdcChecks["check"] = [];
  const rules = compiled.sqlRules.map((r) => ({ rule: r.rule, concurrent: true, sql: r.sql }));
  // Every column check proven by the reader's counts: no scan, only the SQL rules.
  if (!conditions.length) return { check: rules, skippedRules };
  const flags = conditions.map((c, i) => `CASE WHEN ${c.where} THEN 1 ELSE 0 END AS "_cdp_f${i}"`);
  const any = conditions.map((c) => `(${c.where})`).join(" OR ");
  for (const [half, table] of [t.flagged, t.flagged2].entries()) {
    check.push({
      rule: conditions.map((c) => c.rule).join(", "),
      concurrent: true,
      sql: `${t.create(table)} AS SELECT s.*, ${flags.join(", ")} FROM ${t.staging} AS s WHERE MOD(s.${ROW}, 2) = ${half} AND (${any})`,
    });
  }
  check.push(...rules);
  const bothHalves = `(SELECT * FROM ${t.flagged} UNION ALL SELECT * FROM ${t.flagged2})`;
  check.push({
    rule: conditions.map((c) => c.rule).join(", "),
    concurrent: false,
    sql:
      `INSERT INTO ${t.rejects} (${rejectColumns}) ` +
      conditions
        .map(
          (c, i) =>
            `SELECT ${ROW}, ${lit(c.rule)}, ${lit(c.errorType)}, ${lit(c.severity)}, ${c.description} ` +
            `FROM ${bothHalves} AS f${i} WHERE "_cdp_f${i}" = 1`,
        )
        .join(" UNION ALL "),
  });
  return { check, skippedRules };
}
