// The plan's merge phase: the new table, the schema changes an existing one needs for a file
// (added and widened columns), and the upsert of the good rows.
import { VisibleError } from "../util/error";
import { type ColumnType, sqlType } from "../value/types";
import { ident } from "../warehouse/ident";
import { REDSHIFT_MAX_STATEMENT_BYTES, statementBytes } from "../warehouse/limits";
import type { Dialect } from "../warehouse/warehouse";
import { packBySize } from "./redshift-plan";

/** What the merge needs of a planned column (plan.ts PlannedColumn). */
export interface MergeColumn {
  name: string;
  type: ColumnType;
  change: "create" | "add" | "widen" | null;
  fromType: ColumnType | null;
}

/** A new table; its primary key is added once it is loaded (one index build, not a million inserts). */
export function createTable(p: {
  target: string;
  key: string;
  dialect: Dialect;
  columns: MergeColumn[];
}): string {
  const key = ident(p.key);
  const cols = p.columns.map(
    (c) => `${ident(c.name)} ${sqlType(c.type, p.dialect)}${c.name === p.key ? " NOT NULL" : ""}`,
  );
  const dist = p.dialect === "redshift" ? ` DISTKEY(${key}) SORTKEY(${key})` : "";
  return `CREATE TABLE ${p.target} (${cols.join(", ")})${dist}`;
}

export function widenColumn(target: string, c: MergeColumn, dialect: Dialect, n: number): string[] {
  const col = ident(c.name);
  const type = sqlType(c.type, dialect);
  if (dialect === "postgres") return [`ALTER TABLE ${target} ALTER COLUMN ${col} TYPE ${type}`];
  // Redshift changes a type in place only for VARCHAR lengths: copy into a wider column and swap
  // names (the column moves to the end of the table). Never the key or another column Redshift
  // cannot drop (planColumns pins them). `_cdp_` names never come from data.
  const tmp = ident(`_cdp_widen_${n}`);
  return [
    `ALTER TABLE ${target} ADD COLUMN ${tmp} ${type}`,
    `UPDATE ${target} SET ${tmp} = ${col}`,
    `ALTER TABLE ${target} DROP COLUMN ${col}`,
    `ALTER TABLE ${target} RENAME COLUMN ${tmp} TO ${col}`,
  ];
}

/** A widening a schema-bound view blocks (Redshift refuses the DROP COLUMN, PostgreSQL the TYPE). */
export function refuseBlockedWidening(
  input: { table: string; dialect: Dialect; views?: readonly { view: string; column: string }[] },
  columns: readonly MergeColumn[],
): void {
  for (const c of columns.filter((c) => c.change === "widen")) {
    const views = [
      ...new Set((input.views ?? []).filter((v) => v.column === c.name).map((v) => v.view)),
    ];
    if (!views.length) continue;
    const one = views.length === 1;
    const them = one ? "it" : "them";
    const fix =
      input.dialect === "redshift"
        ? `recreate ${them} as late-binding views (CREATE VIEW … WITH NO SCHEMA BINDING), which Redshift does not bind to the column, and load the file again`
        : `drop ${them}, load the file, and create ${them} again`;
    throw new VisibleError(
      "input",
      "ingest.widen_blocked_by_view",
      `this file needs column ${c.name} of ${input.table} to widen from ${c.fromType} to ${c.type}, but ${one ? "view" : "views"} ${views.join(", ")} ${one ? "uses" : "use"} it and the warehouse cannot change a column a view is bound to: ${fix}`,
    );
  }
}

/**
 * Update the rows whose values changed, insert the new keys. Only rows whose values change are
 * written: re-ingesting a file rewrites nothing. (Spelled out rather than IS DISTINCT FROM, which
 * Redshift lacks; NULL-safe either way.)
 */
const changedOf = (c: string) =>
  `t.${c} <> g.${c} OR (t.${c} IS NULL AND g.${c} IS NOT NULL) OR (t.${c} IS NOT NULL AND g.${c} IS NULL)`;

/**
 * How the good rows split: `inserted` (a new key), `updated` (a key whose values change); the rest
 * are unchanged. Run after the schema changes, before the upsert, in its transaction. On Redshift,
 * when comparing every column would pass the Data API's 100 KB, `updated` is left out (NULL).
 */
export function changesQuery(p: {
  target: string;
  good: string;
  key: string;
  keyName: string;
  columns: readonly MergeColumn[];
  dialect: Dialect;
}): string {
  const { target, good, key } = p;
  const others = p.columns.filter((c) => c.name !== p.keyName).map((c) => ident(c.name));
  const from = ` FROM ${good} AS g LEFT JOIN ${target} AS t ON t.${key} = g.${key}`;
  const inserted = `count(*) - count(t.${key}) AS inserted`;
  const updated = others.length
    ? `coalesce(sum(CASE WHEN t.${key} IS NOT NULL AND (${others.map(changedOf).join(" OR ")}) THEN 1 ELSE 0 END), 0) AS updated`
    : "0 AS updated";
  const full = `SELECT ${inserted}, ${updated}${from}`;
  if (p.dialect === "redshift" && statementBytes(full) > REDSHIFT_MAX_STATEMENT_BYTES) {
    return `SELECT ${inserted}, NULL AS updated${from}`;
  }
  return full;
}

export function upsertRows(p: {
  target: string;
  good: string;
  key: string;
  all: string[];
  dialect: Dialect;
  merge: boolean | undefined;
  columns: readonly MergeColumn[];
  /** The key column's name (`key` is it quoted). */
  keyName: string;
}): string[] {
  const { target, good, key, all } = p;
  const others = p.columns.filter((c) => c.name !== p.keyName).map((c) => ident(c.name));
  const setOf = (c: string) => `${c} = g.${c}`;
  const values = all.map((c) => `g.${c}`).join(", ");
  const insert =
    `INSERT INTO ${target} (${all.join(", ")}) SELECT ${values} FROM ${good} AS g ` +
    `WHERE NOT EXISTS (SELECT 1 FROM ${target} AS t WHERE t.${key} = g.${key})`;
  const update = (cols: string[]) =>
    `UPDATE ${target} AS t SET ${cols.map(setOf).join(", ")} FROM ${good} AS g WHERE t.${key} = g.${key} AND (${cols.map(changedOf).join(" OR ")})`;
  if (p.merge && p.dialect === "postgres") {
    // One join of the table with the good rows (PostgreSQL 15+). Redshift's MERGE has no
    // `WHEN MATCHED AND …`, so it keeps the two statements below.
    return [
      `MERGE INTO ${target} AS t USING ${good} AS g ON t.${key} = g.${key} ` +
        (others.length
          ? `WHEN MATCHED AND (${others.map(changedOf).join(" OR ")}) THEN UPDATE SET ${others.map(setOf).join(", ")} `
          : "") +
        `WHEN NOT MATCHED THEN INSERT (${all.join(", ")}) VALUES (${values})`,
    ];
  }
  if (!others.length) return [insert];
  // On Redshift a wide file's update is split by columns to keep each statement within the Data
  // API's 100 KB: each part updates the rows whose values changed in its columns.
  const parts =
    p.dialect === "redshift"
      ? packBySize(
          others,
          statementBytes(update([])),
          (c) => statementBytes(setOf(c)) + statementBytes(changedOf(c)) + 6,
        )
      : [others];
  return [...parts.map(update), insert];
}
