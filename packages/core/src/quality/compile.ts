// Rules → SQL, run on the staged rows of a file, on Redshift and on PGlite/PostgreSQL alike.
//
// Column checks become conditions that the plan folds into ONE scan of the staging table (each
// condition evaluated once per row); SQL rules stay one statement each. Checks that the file's
// profile proves cannot fail (every value of a column parses as its type, no value is missing or
// only spaces, every value matches the column's pattern) are left out: the reader classified every
// value with the same definitions (types.ts, ascii-pattern.ts).

import { VisibleError } from "../util/error";
import { type ColumnType, castExpr, parsesAs, sqlType, type TypeCounts } from "../value/types";
import { ident, literal } from "../warehouse/ident";
import { REDSHIFT_MAX_STATEMENT_BYTES, statementBytes } from "../warehouse/limits";
import type { Dialect } from "../warehouse/warehouse";
import type { ColumnCheck, Severity, SqlRule } from "./check";

export interface CheckColumn {
  name: string;
  /** The type the column's values are checked against and loaded as. */
  type: ColumnType;
  /** What the reader saw in this column, when known: lets the plan drop checks that cannot fail. */
  stats?: TypeCounts & {
    maxBytes?: number;
    /** The reader's count of values a pattern is proven to match (value/ascii-pattern.ts). */
    pattern?: { source: string; matched: number };
    /** Values missing or only spaces, among the rows the column's checks look at. */
    blank?: number;
  };
}

export interface CheckTarget {
  table: string;
  key: string;
  columns: CheckColumn[];
  /** Records in staging, when known (with `stats`). */
  rows?: number;
  /** Quoted names of the run's staging and rejects tables. */
  staging: string;
  rejects: string;
  dialect: Dialect;
}

/** One column check: the rows where `where` holds fail `rule`. */
export interface Condition {
  rule: string;
  /** The column it checks. */
  column: string;
  errorType: string;
  severity: Severity;
  /** SQL over the staging columns (by name). */
  where: string;
  /** SQL text expression describing the failure for one row. */
  description: string;
}

/** One SQL rule: an INSERT of the failing rows' numbers into the rejects table. */
export interface CompiledCheck {
  rule: string;
  errorType: string;
  severity: Severity;
  sql: string;
}

export interface RuleSet {
  sql: Record<string, SqlRule>;
  columns: ColumnCheck[];
}

export interface CompiledChecks {
  conditions: Condition[];
  sqlRules: CompiledCheck[];
  /** Rules that did not apply to this file, and why (shown with the run). */
  skipped: { rule: string; reason: string }[];
}

export const rejectColumns = `"_cdp_row", "rule", "error_type", "severity", "description"`;

/** The rejects table of a run: one row per (record, failed rule). */
export function rejectsDdl(rejects: string, dialect: Dialect): string {
  const text = sqlType("text", dialect);
  return `CREATE TABLE ${rejects} ("_cdp_row" bigint NOT NULL, "rule" ${text} NOT NULL, "error_type" ${text} NOT NULL, "severity" ${text} NOT NULL, "description" ${text} NOT NULL)`;
}

/** `'<text> "' || value || '"'` with the value cut short: what an operator reads in the console. */
function describeValue(prefix: string, col: string, suffix: string, d: Dialect) {
  return `${literal(`${prefix} "`, d)} || substring(${col}, 1, 80) || ${literal(`"${suffix}`, d)}`;
}

function bound(value: number | string, type: ColumnType, dialect: Dialect): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new VisibleError("input", "quality.bad_rule", `bound ${value} is not a finite number`);
    }
    return String(value);
  }
  return `CAST(${literal(value, dialect)} AS ${sqlType(type, dialect)})`;
}

const COUNT_OF: Record<Exclude<ColumnType, "text">, keyof TypeCounts> = {
  integer: "integer",
  bigint: "bigint",
  numeric: "numeric",
  boolean: "boolean",
  date: "date",
  timestamp: "timestamp",
};

/** Every non-empty value of the column parses as `type` (so a parse check finds nothing). */
export function allParse(c: CheckColumn, type: ColumnType = c.type): boolean {
  if (!c.stats) return false;
  if (type === "text") return true;
  return c.stats[COUNT_OF[type]] === c.stats.nonEmpty;
}

/** No value of the column is missing or blank (so a not-null check finds nothing). */
function nonePresentBlank(c: CheckColumn, rows: number | undefined): boolean {
  if (rows === undefined || !c.stats) return false;
  // The reader counted the blank values (empty, or spaces only: what trim() empties).
  if (c.stats.blank !== undefined) return c.stats.blank === 0;
  // Else: blank-but-not-empty values (spaces) only fail to parse as a typed column, so a typed
  // column whose every value parses and is present has none.
  return c.stats.nonEmpty === rows && c.type !== "text" && allParse(c);
}

/** The reader proved the pattern matches every non-empty value (so its check finds nothing). */
function patternHolds(c: CheckColumn, pattern: string): boolean {
  const p = c.stats?.pattern;
  return !!p && p.source === pattern && p.matched === c.stats!.nonEmpty;
}

function columnCondition(t: CheckTarget, c: ColumnCheck, col: CheckColumn): Condition | null {
  const q = ident(c.column);
  const name = c.name ?? `${c.kind}_${c.column}`;
  const base = { rule: name, column: c.column, severity: c.severity };
  const d = t.dialect;
  const own = (fallback: string) => (c.description ? literal(c.description, d) : fallback);
  switch (c.kind) {
    case "not_null":
      if (nonePresentBlank(col, t.rows)) return null;
      return {
        ...base,
        errorType: c.errorType ?? "missing_value",
        description: literal(c.description ?? `${c.column} is required`, d),
        where: `(${q} IS NULL OR trim(${q}) = '')`,
      };
    case "unique":
      return {
        ...base,
        errorType: c.errorType ?? "duplicate_value",
        description: own(describeValue(c.column, q, " appears more than once in the file", d)),
        where: `${q} IN (SELECT ${q} FROM ${t.staging} WHERE ${q} IS NOT NULL GROUP BY ${q} HAVING count(*) > 1)`,
      };
    case "pattern":
      if (patternHolds(col, c.pattern)) return null;
      return {
        ...base,
        errorType: c.errorType ?? "invalid_format",
        description: own(describeValue(c.column, q, ` does not match ${c.pattern}`, d)),
        where: `${q} IS NOT NULL AND trim(${q}) <> '' AND NOT (${q} ~ ${literal(c.pattern, d)})`,
      };
    case "between": {
      const cmpType: ColumnType =
        col.type === "text" && (typeof c.min === "number" || typeof c.max === "number")
          ? "numeric"
          : col.type;
      const v = castExpr(cmpType, q, d);
      const outside = [
        c.min !== undefined ? `${v} < ${bound(c.min, cmpType, d)}` : null,
        c.max !== undefined ? `${v} > ${bound(c.max, cmpType, d)}` : null,
      ].filter(Boolean);
      if (!outside.length) {
        throw new VisibleError(
          "input",
          "quality.bad_rule",
          `${name}: between needs a min or a max`,
        );
      }
      const range = `${c.min ?? "-∞"}…${c.max ?? "∞"}`;
      return {
        ...base,
        errorType: c.errorType ?? "out_of_range",
        description: own(describeValue(c.column, q, ` is outside ${range}`, d)),
        where: `(CASE WHEN ${parsesAs(cmpType, q, d)} THEN (${outside.join(" OR ")}) ELSE FALSE END)`,
      };
    }
    case "one_of":
      return {
        ...base,
        errorType: c.errorType ?? "invalid_value",
        description: own(describeValue(c.column, q, ` is not one of ${c.values.join(", ")}`, d)),
        where: `${q} IS NOT NULL AND ${q} NOT IN (${c.values.map((v) => literal(v, d)).join(", ")})`,
      };
    case "max_length":
      return {
        ...base,
        errorType: c.errorType ?? "too_long",
        description: literal(c.description ?? `${c.column} is longer than ${c.max} characters`, d),
        where: `length(${q}) > ${Math.floor(c.max)}`,
      };
    case "parses":
      return parseCondition(t, col, {
        ...base,
        errorType: c.errorType,
        description: c.description,
      });
  }
}

function parseCondition(
  t: CheckTarget,
  col: CheckColumn,
  o: { rule?: string; severity?: Severity; errorType?: string; description?: string } = {},
): Condition | null {
  // Text always "parses". (A value too long for Redshift's varchar never reaches staging: the plan
  // step quarantines its row before COPY, see ingest/oversize.ts.)
  if (col.type === "text" || allParse(col)) return null;
  const q = ident(col.name);
  const d = t.dialect;
  return {
    rule: o.rule ?? `type_${col.name}`,
    column: col.name,
    errorType: o.errorType ?? "type_mismatch",
    severity: o.severity ?? "error",
    description: o.description
      ? literal(o.description, d)
      : describeValue(col.name, q, ` is not a valid ${col.type}`, d),
    where: `${q} IS NOT NULL AND NOT ${parsesAs(col.type, q, t.dialect)}`,
  };
}

/**
 * `temp_data` for SQL rules: the staged rows with each column typed (NULL where it does not
 * parse). A column whose every value parses is cast without the guard. `only`: just these columns.
 */
export function typedStaging(t: CheckTarget, only?: (column: string) => boolean): string {
  const cols = t.columns
    .filter((col) => !only || only(col.name))
    .map((col) => {
      const c = ident(col.name);
      if (col.type === "text") return `${c}`;
      const cast = castExpr(col.type, c, t.dialect);
      if (allParse(col)) return `${cast} AS ${c}`;
      return `CASE WHEN ${parsesAs(col.type, c, t.dialect)} THEN ${cast} END AS ${c}`;
    });
  return `SELECT "_cdp_row", ${cols.join(", ")} FROM ${t.staging}`;
}

/** Whether `query` names `column` (as a whole word, quoted or not, in any case). */
function mentions(query: string, column: string): boolean {
  const escaped = column.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![\\p{L}\\p{N}_$])${escaped}(?![\\p{L}\\p{N}_$])`, "iu").test(query);
}

function sqlRule(t: CheckTarget, name: string, r: SqlRule): CompiledCheck {
  const query = r.query.trim().replace(/;+\s*$/, "");
  const severity = r.severity ?? "error";
  const d = t.dialect;
  const sql = (typed: string) =>
    `INSERT INTO ${t.rejects} (${rejectColumns}) WITH temp_data AS (${typed}) ` +
    `SELECT bad."_cdp_row", ${literal(name, d)}, ${literal(r.error_type, d)}, ${literal(severity, d)}, ${literal(r.description, d)} ` +
    `FROM (${query}) AS bad`;
  let statement = sql(typedStaging(t));
  if (d === "redshift" && statementBytes(statement) > REDSHIFT_MAX_STATEMENT_BYTES) {
    // A wide file's typed staging would not fit the Data API's 100 KB: type only the columns the
    // rule names (it selects the bad rows' _cdp_row; every column it tests appears by name).
    statement = sql(typedStaging(t, (c) => mentions(query, c)));
  }
  return { rule: name, errorType: r.error_type, severity, sql: statement };
}

const appliesTo = (tables: string[] | undefined, table: string) =>
  !tables || tables.includes(table);

/**
 * Each column's first pattern rule for `table`: what the reader is asked to prove (csv-reader's
 * `patterns`), so the plan can leave out a pattern check no value fails.
 */
export function rulePatterns(rules: RuleSet, table: string): Record<string, string> {
  const patterns: Record<string, string> = {};
  for (const c of rules.columns) {
    if (c.kind !== "pattern" || !appliesTo(c.tables, table) || Object.hasOwn(patterns, c.column))
      continue;
    patterns[c.column] = c.pattern;
  }
  return patterns;
}

const FAMILY: Partial<Record<ColumnType, ColumnType[]>> = {
  numeric: ["integer", "bigint", "numeric"],
  bigint: ["integer", "bigint"],
  timestamp: ["date", "timestamp"],
};

/** Why a SQL rule cannot run on this file, or null when it can. */
function unmetRequirement(r: SqlRule, types: Map<string, ColumnType>): string | null {
  if (!r.requires) return null;
  const wanted = Array.isArray(r.requires)
    ? r.requires.map((c) => [c, undefined] as const)
    : Object.entries(r.requires);
  for (const [column, type] of wanted) {
    const have = types.get(column);
    if (!have) return `the file has no ${column} column`;
    if (type && type !== "text" && !(FAMILY[type] ?? [type]).includes(have)) {
      return `${column} is ${have} here; the rule needs ${type}`;
    }
  }
  return null;
}

/**
 * Every check for one file: the key is present, each typed column parses, then the rule set's
 * column checks and SQL rules that apply to this table and these columns.
 */
export function compileChecks(t: CheckTarget, rules: RuleSet): CompiledChecks {
  const byName = new Map(t.columns.map((c) => [c.name, c]));
  const types = new Map(t.columns.map((c) => [c.name, c.type]));
  const key = byName.get(t.key);
  const conditions: (Condition | null)[] = [];
  if (!key || !nonePresentBlank(key, t.rows)) {
    const k = ident(t.key);
    conditions.push({
      rule: "key_present",
      column: t.key,
      errorType: "missing_key",
      severity: "error",
      description: literal(`${t.key} (the key) is required`, t.dialect),
      where: `(${k} IS NULL OR trim(${k}) = '')`,
    });
  }
  for (const c of t.columns) conditions.push(parseCondition(t, c));
  for (const c of rules.columns) {
    const col = byName.get(c.column);
    if (!col || !appliesTo(c.tables, t.table)) continue;
    conditions.push(columnCondition(t, c, col));
  }
  const sqlRules: CompiledCheck[] = [];
  const skipped: CompiledChecks["skipped"] = [];
  for (const [name, r] of Object.entries(rules.sql)) {
    if (!appliesTo(r.tables, t.table)) continue;
    const unmet = unmetRequirement(r, types);
    if (unmet) skipped.push({ rule: name, reason: unmet });
    else sqlRules.push(sqlRule(t, name, r));
  }
  return { conditions: conditions.filter((c): c is Condition => c !== null), sqlRules, skipped };
}
