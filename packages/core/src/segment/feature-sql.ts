// The features as SQL both PostgreSQL and Redshift run: each configured feature (features.ts)
// compiled against the column types the warehouse has now, the scratch table a run reads its
// features from (one row per user, numbered), and the queries over it — counts, the fill values,
// pages of rows in order. Only names from the config or validated through ident() reach the SQL.
import { STAGE_SCHEMA, scratch } from "../ingest/plan";
import { VisibleError } from "../util/error";
import { castExpr, parsesAs, sqlType } from "../value/types";
import { ident, literal, normalizeName, qualified } from "../warehouse/ident";
import {
  type ColumnInfo,
  type Dialect,
  describeTable,
  type SqlRunner,
} from "../warehouse/warehouse";
import {
  FEATURES,
  type FeatureDef,
  type FeatureInput,
  type Missing,
  SEGMENT_SOURCE,
} from "./features";
import type { SkippedFeature } from "./model";

export interface TableRef {
  schema: string;
  table: string;
}

export interface ResolvedFeature {
  def: FeatureDef;
  missing: Missing;
  /** Where its value comes from, for people: `customers.total_spend`. */
  column: string;
  /** A DOUBLE PRECISION (or NULL) over the aliases `b` (the table) and `c` (the CRM table). */
  expr: string;
}

export interface FeaturePlan {
  dialect: Dialect;
  /** ISO instant "days since" features are measured to. */
  asOf: string;
  source: TableRef & { key: string };
  /** The CRM table joined (and the join condition), or null. */
  crm: (TableRef & { key: string; on: string }) | null;
  features: ResolvedFeature[];
  skipped: SkippedFeature[];
}

/** Columns of the scratch table besides the features (feature names never start with `_`). */
const RN = ident("_rn");
const KEY = ident("_key");

export function tableName(t: TableRef): string {
  return t.schema === "public" ? t.table : `${t.schema}.${t.table}`;
}

/** `customers` or `schema.table` → normalised, validated names (a bad name is a clear error). */
export function parseTable(name: string): TableRef {
  const parts = name.split(".");
  if (parts.length > 2 || parts.some((p) => !p.trim())) {
    throw new VisibleError(
      "input",
      "segment.bad_table",
      `"${name}" is not a table name (table or schema.table)`,
    );
  }
  const [schema, table] = parts.length === 2 ? parts : ["public", parts[0]!];
  const ref = { schema: normalizeName(schema!), table: normalizeName(table!) };
  qualified(ref.schema, ref.table); // validates both
  return ref;
}

type Family = "number" | "boolean" | "time" | "text" | "other";

/** A column's kind from information_schema's data_type (the same names on both engines). */
export function family(dataType: string): Family {
  const t = dataType.toLowerCase();
  if (/^(smallint|integer|bigint|numeric|decimal|real|double precision)/.test(t)) return "number";
  if (t === "boolean") return "boolean";
  if (/^(date|timestamp)/.test(t)) return "time";
  if (/^(text|character)/.test(t)) return "text";
  return "other";
}

const DOUBLE = "DOUBLE PRECISION";

/** The feature's SQL over column `ref` of type `fam`, or why it cannot be computed. */
export function inputExpr(
  input: FeatureInput,
  ref: string,
  fam: Family,
  dialect: Dialect,
  asOfEpoch: number,
): { sql: string } | { why: string } {
  const trimmed = `TRIM(${ref})`;
  const lower = `LOWER(${trimmed})`;
  const number = (): string | null => {
    if (fam === "number") return `CAST(${ref} AS ${DOUBLE})`;
    if (fam === "text") {
      return `CASE WHEN ${parsesAs("numeric", trimmed, dialect)} THEN CAST(${trimmed} AS ${DOUBLE}) END`;
    }
    return null;
  };
  switch (input.kind) {
    case "number": {
      if (fam === "boolean") return { sql: `CASE WHEN ${ref} THEN 1 WHEN NOT ${ref} THEN 0 END` };
      const sql = number();
      return sql ? { sql } : { why: `is a ${fam} column, not a number` };
    }
    case "days_since": {
      let ts: string;
      if (fam === "time") ts = `CAST(${ref} AS TIMESTAMP)`;
      else if (fam === "text") {
        ts = `CASE WHEN ${parsesAs("timestamp", trimmed, dialect)} THEN ${castExpr("timestamp", trimmed, dialect)} END`;
      } else return { why: `is a ${fam} column, not a date or timestamp` };
      // Seconds since the epoch on both engines (Redshift: EXTRACT's "epoch" date part).
      return {
        sql: `(${asOfEpoch} - CAST(EXTRACT(EPOCH FROM ${ts}) AS ${DOUBLE})) / 86400.0`,
      };
    }
    case "flag": {
      if (fam === "boolean") return { sql: `CASE WHEN ${ref} THEN 1 WHEN NOT ${ref} THEN 0 END` };
      if (fam === "number")
        return { sql: `CASE WHEN ${ref} = 0 THEN 0 WHEN ${ref} IS NOT NULL THEN 1 END` };
      if (fam === "text") {
        return {
          sql: `CASE WHEN ${lower} IN ('true', 't', 'yes', 'y', '1') THEN 1 WHEN ${lower} IN ('false', 'f', 'no', 'n', '0') THEN 0 END`,
        };
      }
      return { why: `is a ${fam} column, not a flag` };
    }
    case "rank": {
      if (fam === "number") return { sql: `CAST(${ref} AS ${DOUBLE})` };
      if (fam !== "text") return { why: `is a ${fam} column, not a category` };
      const whens = Object.entries(input.ranks)
        .map(([k, v]) => `WHEN ${literal(k.toLowerCase(), dialect)} THEN ${Number(v)}`)
        .join(" ");
      return { sql: `CASE ${lower} ${whens} END` };
    }
  }
}

export interface PlanOptions {
  table?: string;
  key?: string;
  /** Names from features.ts; default: those marked default. */
  features?: string[];
  missing?: Missing;
  asOf: string;
  dialect: Dialect;
}

/**
 * The features a run computes, resolved against the warehouse's tables now. A feature named by
 * the run that cannot be computed is an error; a default one is skipped, with the reason.
 */
export async function planFeatures(sql: SqlRunner, o: PlanOptions): Promise<FeaturePlan> {
  const base = o.table
    ? parseTable(o.table)
    : { schema: SEGMENT_SOURCE.schema, table: SEGMENT_SOURCE.table };
  const key = normalizeName(o.key ?? SEGMENT_SOURCE.key);
  ident(key);
  const cols = await describeTable(sql, base.schema, base.table);
  if (!cols) {
    throw new VisibleError(
      "input",
      "segment.no_table",
      `no table ${tableName(base)} in the warehouse: load the CRM export first (cdp ingest FILE), or name the table with --table`,
    );
  }
  const keyCol = cols.find((c) => c.name === key);
  if (!keyCol) {
    throw new VisibleError(
      "input",
      "segment.no_key",
      `${tableName(base)} has no column ${key} (it has ${cols.map((c) => c.name).join(", ")}): name the key with --key`,
    );
  }
  const explicit = Boolean(o.features?.length);
  const defs = explicit
    ? o.features!.map((n) => FEATURES.find((f) => f.name === n)!)
    : FEATURES.filter((f) => f.default);
  const skipped: SkippedFeature[] = [];
  const skip = (def: FeatureDef, reason: string) => {
    if (explicit) {
      throw new VisibleError(
        "input",
        "segment.feature_unavailable",
        `feature ${def.name}: ${reason}`,
      );
    }
    skipped.push({ name: def.name, reason });
  };

  let crm: FeaturePlan["crm"] = null;
  let crmCols: ColumnInfo[] | null = null;
  if (defs.some((d) => d.source === "crm")) {
    const c = SEGMENT_SOURCE.crm;
    const name = tableName(c);
    crmCols = await describeTable(sql, c.schema, c.table);
    const crmKey = crmCols?.find((x) => x.name === c.key);
    const why = !crmCols
      ? `no table ${name} (no Oracle data replicated yet: cdp cdc)`
      : !crmKey
        ? `${name} has no column ${c.key} to join on`
        : null;
    if (why) {
      for (const d of defs.filter((d) => d.source === "crm")) skip(d, why);
      crmCols = null;
    } else {
      // Same kind of value: compared as they are (an index can serve); else both as text.
      const same = family(crmKey!.type) === family(keyCol.type);
      const text = sqlType("text", o.dialect);
      const on = same
        ? `b.${ident(key)} = c.${ident(c.key)}`
        : `CAST(b.${ident(key)} AS ${text}) = CAST(c.${ident(c.key)} AS ${text})`;
      crm = { schema: c.schema, table: c.table, key: c.key, on };
    }
  }

  const asOfEpoch = Date.parse(o.asOf) / 1000;
  const features: ResolvedFeature[] = [];
  for (const def of defs) {
    if (!/^[a-z][a-z0-9_]*$/.test(def.name)) {
      throw new VisibleError(
        "input",
        "segment.bad_feature",
        `feature name "${def.name}" in features.ts: use lower snake case`,
      );
    }
    const isCrm = def.source === "crm";
    if (isCrm && !crm) continue; // skipped above
    const table = isCrm ? crm! : base;
    const col = (isCrm ? crmCols! : cols).find((c) => c.name === def.input.column);
    const where = `${tableName(table)}.${def.input.column}`;
    if (!col) {
      skip(def, `${tableName(table)} has no column ${def.input.column}`);
      continue;
    }
    const ref = `${isCrm ? "c" : "b"}.${ident(col.name)}`;
    const e = inputExpr(def.input, ref, family(col.type), o.dialect, asOfEpoch);
    if ("why" in e) {
      skip(def, `${where} ${e.why}`);
      continue;
    }
    features.push({
      def,
      missing: o.missing ?? def.missing ?? "median",
      column: where,
      expr: e.sql,
    });
  }
  if (crm && !features.some((f) => f.def.source === "crm")) crm = null;
  return { dialect: o.dialect, asOf: o.asOf, source: { ...base, key }, crm, features, skipped };
}

function fromClause(p: FeaturePlan): string {
  const join = p.crm ? ` LEFT JOIN ${qualified(p.crm.schema, p.crm.table)} c ON ${p.crm.on}` : "";
  return `${qualified(p.source.schema, p.source.table)} b${join}`;
}

/** The run's scratch table: cdp_stage.m_<run id> (housekeeping drops it if a run dies). */
export function scratchTable(runId: string): string {
  return qualified(STAGE_SCHEMA, `m_${runId.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`);
}

/** One row per user with a key: its number (in key order), its key as text, each feature. */
export function scratchSql(p: FeaturePlan, table: string): string[] {
  const k = `b.${ident(p.source.key)}`;
  const cols = p.features.map((f) => `CAST(${f.expr} AS ${DOUBLE}) AS ${ident(f.def.name)}`);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${ident(STAGE_SCHEMA)}`,
    `DROP TABLE IF EXISTS ${table}`,
    `${scratch(p.dialect)} ${table} AS SELECT ROW_NUMBER() OVER (ORDER BY ${k}) AS ${RN}, ` +
      `CAST(${k} AS ${sqlType("text", p.dialect)}) AS ${KEY}, ${cols.join(", ")} ` +
      `FROM ${fromClause(p)} WHERE ${k} IS NOT NULL`,
    // Pages are read by _rn: PostgreSQL finds each page by index rather than a scan of the whole
    // table (Redshift has no indexes; its zone maps serve the range once the table is sorted).
    ...(p.dialect === "postgres" ? [`CREATE INDEX ON ${table} (${RN})`] : []),
  ];
}

/** Rows, distinct keys, and values present per feature (columns n, keys, c0, c1, …). */
export function presenceSql(p: FeaturePlan, table: string): string {
  const counts = p.features.map((f, i) => `COUNT(${ident(f.def.name)}) AS ${ident(`c${i}`)}`);
  return `SELECT COUNT(*) AS ${ident("n")}, COUNT(DISTINCT ${KEY}) AS ${ident("keys")}${counts.map((c) => `, ${c}`).join("")} FROM ${table}`;
}

/** The rows a run keeps: none of its "skip" features missing. */
export function keptWhere(p: FeaturePlan): string {
  const skip = p.features.filter((f) => f.missing === "skip");
  return skip.length ? skip.map((f) => `${ident(f.def.name)} IS NOT NULL`).join(" AND ") : "1 = 1";
}

/** Kept rows, rows with at least one value to fill, and missing values per feature (m0, m1, …). */
export function missingSql(p: FeaturePlan, table: string): string {
  const nulls = p.features.map((f) => `${ident(f.def.name)} IS NULL`);
  const per = p.features.map(
    (f, i) => `SUM(CASE WHEN ${ident(f.def.name)} IS NULL THEN 1 ELSE 0 END) AS ${ident(`m${i}`)}`,
  );
  const any = nulls.length ? `SUM(CASE WHEN ${nulls.join(" OR ")} THEN 1 ELSE 0 END)` : "0";
  return `SELECT COUNT(*) AS ${ident("kept")}, ${any} AS ${ident("imputed")}${per.map((c) => `, ${c}`).join("")} FROM ${table} WHERE ${keptWhere(p)}`;
}

/**
 * The value a missing one becomes, over the kept rows. One median per statement: Redshift
 * requires every sort-based aggregate of a statement (PERCENTILE_CONT, MEDIAN, LISTAGG) to use
 * the same ORDER BY (Redshift Database Developer Guide, "PERCENTILE_CONT function").
 */
export function fillSql(p: FeaturePlan, table: string, f: ResolvedFeature): string | null {
  const col = ident(f.def.name);
  const agg =
    f.missing === "median"
      ? `PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY ${col})`
      : f.missing === "mean"
        ? `AVG(${col})`
        : null;
  return agg
    ? `SELECT CAST(${agg} AS ${DOUBLE}) AS ${ident("v")} FROM ${table} WHERE ${keptWhere(p)}`
    : null;
}

/**
 * A page of kept rows in order: `_rn` in ($1, $2], the key, and each feature with its missing
 * value filled (`fills`, by feature; null where nothing is missing). `keysOnly` reads the keys.
 */
export function pageSql(
  p: FeaturePlan,
  table: string,
  fills: (number | null)[],
  keysOnly = false,
): string {
  const cols = keysOnly
    ? []
    : p.features.map((f, i) => {
        const c = ident(f.def.name);
        return fills[i] == null ? c : `COALESCE(${c}, ${sqlNumber(fills[i]!)}) AS ${c}`;
      });
  return `SELECT ${[KEY, ...cols].join(", ")} FROM ${table} WHERE ${RN} > $1 AND ${RN} <= $2 AND ${keptWhere(p)} ORDER BY ${RN}`;
}

/**
 * Every kept row, the key first (as text, named as the source's key) then each feature filled,
 * in key order: the deployed path's feature query (its Export step UNLOADs it, standardised).
 */
export function exportSelectSql(p: FeaturePlan, table: string, fills: (number | null)[]): string {
  const cols = p.features.map((f, i) => {
    const c = ident(f.def.name);
    return fills[i] == null ? c : `COALESCE(${c}, ${sqlNumber(fills[i]!)}) AS ${c}`;
  });
  return `SELECT ${[`${KEY} AS ${ident(p.source.key)}`, ...cols].join(", ")} FROM ${table} WHERE ${keptWhere(p)} ORDER BY ${RN}`;
}

/** One user's features, computed now from the tables (NULL where missing): `explain` uses it. */
export function userFeaturesSql(p: FeaturePlan): string {
  const k = `b.${ident(p.source.key)}`;
  const cols = p.features.map((f) => `CAST(${f.expr} AS ${DOUBLE}) AS ${ident(f.def.name)}`);
  return `SELECT ${cols.join(", ")} FROM ${fromClause(p)} WHERE CAST(${k} AS ${sqlType("text", p.dialect)}) = $1`;
}

/** A finite number as a SQL literal (exponent form is valid on both engines). */
export function sqlNumber(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
  return `CAST(${String(v)} AS ${DOUBLE})`;
}
