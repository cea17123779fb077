// Rules → SQL. Each check becomes one INSERT of the failing rows' numbers into the run's rejects
// table; the same statements run on Redshift and on PGlite/PostgreSQL.
import { type ColumnType, castExpr, parsesAs, sqlType } from "../ingest/types";
import { VisibleError } from "../util/error";
import { ident, literal } from "../warehouse/ident";
import type { Dialect } from "../warehouse/warehouse";
import type { ColumnCheck, Severity, SqlRule } from "./check";

export interface CheckTarget {
  table: string;
  key: string;
  /** The staged file's columns with the type each will be loaded as. */
  columns: { name: string; type: ColumnType }[];
  /** Quoted names of the run's staging and rejects tables. */
  staging: string;
  rejects: string;
  dialect: Dialect;
}

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

export const rejectColumns = `"_cdp_row", "rule", "error_type", "severity", "description"`;

/** The rejects table of a run: one row per (record, failed rule). */
export function rejectsDdl(rejects: string, dialect: Dialect): string {
  const text = sqlType("text", dialect);
  return `CREATE TABLE ${rejects} ("_cdp_row" bigint NOT NULL, "rule" ${text} NOT NULL, "error_type" ${text} NOT NULL, "severity" ${text} NOT NULL, "description" ${text} NOT NULL)`;
}

function insert(
  t: CheckTarget,
  rule: string,
  errorType: string,
  severity: Severity,
  description: string,
  where: string,
) {
  return {
    rule,
    errorType,
    severity,
    sql:
      `INSERT INTO ${t.rejects} (${rejectColumns}) SELECT "_cdp_row", ${literal(rule)}, ${literal(errorType)}, ` +
      `${literal(severity)}, ${description} FROM ${t.staging} WHERE ${where}`,
  };
}

/** `'<text> "' || value || '"'` with the value cut short: what an operator reads in the console. */
function describeValue(prefix: string, col: string, suffix: string) {
  return `${literal(`${prefix} "`)} || substring(${col}, 1, 80) || ${literal(`"${suffix}`)}`;
}

function bound(value: number | string, type: ColumnType, dialect: Dialect): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value))
      throw new VisibleError("input", "quality.bad_rule", `bound ${value} is not a finite number`);
    return String(value);
  }
  return `CAST(${literal(value)} AS ${sqlType(type, dialect)})`;
}

function columnCheck(t: CheckTarget, c: ColumnCheck, type: ColumnType): CompiledCheck {
  const col = ident(c.column);
  const name = c.name ?? `${c.kind}_${c.column}`;
  const sev = c.severity;
  const d = t.dialect;
  switch (c.kind) {
    case "not_null":
      return insert(
        t,
        name,
        c.errorType ?? "missing_value",
        sev,
        literal(c.description ?? `${c.column} is required`),
        `(${col} IS NULL OR trim(${col}) = '')`,
      );
    case "unique":
      return insert(
        t,
        name,
        c.errorType ?? "duplicate_value",
        sev,
        c.description
          ? literal(c.description)
          : describeValue(`${c.column}`, col, " appears more than once in the file"),
        `${col} IN (SELECT ${col} FROM ${t.staging} WHERE ${col} IS NOT NULL GROUP BY ${col} HAVING count(*) > 1)`,
      );
    case "pattern":
      return insert(
        t,
        name,
        c.errorType ?? "invalid_format",
        sev,
        c.description
          ? literal(c.description)
          : describeValue(c.column, col, ` does not match ${c.pattern}`),
        `${col} IS NOT NULL AND trim(${col}) <> '' AND NOT (${col} ~ ${literal(c.pattern)})`,
      );
    case "between": {
      const cmpType: ColumnType =
        type === "text" && (typeof c.min === "number" || typeof c.max === "number")
          ? "numeric"
          : type;
      const v = castExpr(cmpType, col, d);
      const outside = [
        c.min !== undefined ? `${v} < ${bound(c.min, cmpType, d)}` : null,
        c.max !== undefined ? `${v} > ${bound(c.max, cmpType, d)}` : null,
      ].filter(Boolean);
      if (!outside.length)
        throw new VisibleError(
          "input",
          "quality.bad_rule",
          `${name}: between needs a min or a max`,
        );
      const range = `${c.min ?? "-∞"}…${c.max ?? "∞"}`;
      return insert(
        t,
        name,
        c.errorType ?? "out_of_range",
        sev,
        c.description
          ? literal(c.description)
          : describeValue(c.column, col, ` is outside ${range}`),
        `(CASE WHEN ${parsesAs(cmpType, col, d)} THEN (${outside.join(" OR ")}) ELSE FALSE END)`,
      );
    }
    case "one_of":
      return insert(
        t,
        name,
        c.errorType ?? "invalid_value",
        sev,
        c.description
          ? literal(c.description)
          : describeValue(c.column, col, ` is not one of ${c.values.join(", ")}`),
        `${col} IS NOT NULL AND ${col} NOT IN (${c.values.map(literal).join(", ")})`,
      );
    case "max_length":
      return insert(
        t,
        name,
        c.errorType ?? "too_long",
        sev,
        literal(c.description ?? `${c.column} is longer than ${c.max} characters`),
        `length(${col}) > ${Math.floor(c.max)}`,
      );
    case "parses":
      return parseCheck(t, c.column, type, sev, name, c.errorType, c.description);
  }
}

function parseCheck(
  t: CheckTarget,
  column: string,
  type: ColumnType,
  severity: Severity = "error",
  name = `type_${column}`,
  errorType = "type_mismatch",
  description?: string,
): CompiledCheck {
  const col = ident(column);
  const what = type === "text" ? "too long for text" : `not a valid ${type}`;
  return insert(
    t,
    name,
    errorType,
    severity,
    description ? literal(description) : describeValue(column, col, ` is ${what}`),
    `${col} IS NOT NULL AND NOT ${parsesAs(type, col, t.dialect)}`,
  );
}

/** `temp_data` for SQL rules: the staged rows with each column typed (NULL where it does not parse). */
export function typedStaging(t: CheckTarget): string {
  const cols = t.columns.map(({ name, type }) => {
    const c = ident(name);
    if (type === "text") return `${c}`;
    return `CASE WHEN ${parsesAs(type, c, t.dialect)} THEN ${castExpr(type, c, t.dialect)} END AS ${c}`;
  });
  return `SELECT "_cdp_row", ${cols.join(", ")} FROM ${t.staging}`;
}

function sqlRule(t: CheckTarget, name: string, r: SqlRule): CompiledCheck {
  const query = r.query.trim().replace(/;+\s*$/, "");
  const severity = r.severity ?? "error";
  return {
    rule: name,
    errorType: r.error_type,
    severity,
    sql:
      `INSERT INTO ${t.rejects} (${rejectColumns}) WITH temp_data AS (${typedStaging(t)}) ` +
      `SELECT bad."_cdp_row", ${literal(name)}, ${literal(r.error_type)}, ${literal(severity)}, ${literal(r.description)} ` +
      `FROM (${query}) AS bad`,
  };
}

const appliesTo = (tables: string[] | undefined, table: string) =>
  !tables || tables.includes(table);

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

export interface CompiledChecks {
  checks: CompiledCheck[];
  /** Rules that did not apply to this file, and why (shown with the run). */
  skipped: { rule: string; reason: string }[];
}

/**
 * Every check for one file, in order: the key is present, each typed column parses, then the
 * rule set's column checks and SQL rules that apply to this table and these columns.
 */
export function compileChecks(t: CheckTarget, rules: RuleSet): CompiledChecks {
  const types = new Map(t.columns.map((c) => [c.name, c.type]));
  const key = ident(t.key);
  const out: CompiledCheck[] = [
    insert(
      t,
      "key_present",
      "missing_key",
      "error",
      literal(`${t.key} (the key) is required`),
      `(${key} IS NULL OR trim(${key}) = '')`,
    ),
  ];
  for (const c of t.columns) {
    if (c.type !== "text" || t.dialect === "redshift") out.push(parseCheck(t, c.name, c.type));
  }
  for (const c of rules.columns) {
    const type = types.get(c.column);
    if (type === undefined || !appliesTo(c.tables, t.table)) continue;
    out.push(columnCheck(t, c, type));
  }
  const skipped: CompiledChecks["skipped"] = [];
  for (const [name, r] of Object.entries(rules.sql)) {
    if (!appliesTo(r.tables, t.table)) continue;
    const unmet = unmetRequirement(r, types);
    if (unmet) skipped.push({ rule: name, reason: unmet });
    else out.push(sqlRule(t, name, r));
  }
  return { checks: out, skipped };
}
