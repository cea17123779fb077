// The feature export's SQL, the same on Redshift and PostgreSQL but for the last statement:
//   1. the feature query materialised once into a scratch table (_cdp.segment_<work>), so the
//      statistics, the training file and the scoring file all see the same rows;
//   2. one aggregate: rows, usable rows, and each feature's min, max, mean and population std
//      over the usable rows (the scaler: kmeans/scale.ts standardises the same way, a constant
//      feature getting std 1);
//   3. the standardised features ((x − mean) / std, the scaler's numbers written into the SQL), for
//      training without the id and for scoring with it;
//   4. Redshift: each SELECT in an UNLOAD … FORMAT AS CSV PARALLEL OFF to the lake; PostgreSQL: the
//      SELECT itself, its rows written to the same keys in the same CSV (export-step.ts).
// A usable row has a key without line breaks (batch transform splits its input on them) and no NULL
// feature; the rest are counted and skipped. stddev_pop, strpos, chr, md5 and CAST … AS FLOAT8 are
// in both dialects (Redshift Database Developer Guide: STDDEV_SAMP and STDDEV_POP functions,
// STRPOS, CHR, MD5).
import { VisibleError } from "../../util/error";
import { ident, literal, qualified } from "../../warehouse/ident";
import type { ColumnInfo } from "../../warehouse/warehouse";
import type { Scaler } from "../kmeans";
import { formatNumber } from "./io";

export const SCRATCH_SCHEMA = "_cdp";

export interface Scratch {
  schema: string;
  table: string;
}

export const scratchOf = (work: string): Scratch => ({
  schema: SCRATCH_SCHEMA,
  table: `segment_${work.replace(/[^a-z0-9]/g, "_")}`,
});

const name = (s: Scratch) => qualified(s.schema, s.table);

/** Materialise the feature query (statement 1). */
export function materialise(s: Scratch, featureSelect: string): string[] {
  const select = featureSelect.trim().replace(/;\s*$/, "");
  return [
    `CREATE SCHEMA IF NOT EXISTS ${ident(s.schema)}`,
    `DROP TABLE IF EXISTS ${name(s)}`,
    `CREATE TABLE ${name(s)} AS SELECT * FROM (${select}) AS features`,
  ];
}

export const dropScratch = (s: Scratch) => `DROP TABLE IF EXISTS ${name(s)}`;

/** The key and the features, as the query named them. */
export interface FeatureColumns {
  key: string;
  features: string[];
}

const NUMERIC = new Set(["smallint", "integer", "bigint", "numeric", "real", "double precision"]);

/** Key first, then numeric features: what the feature query must give. */
export function featureColumns(columns: ColumnInfo[] | null): FeatureColumns {
  const bad = (why: string) =>
    new VisibleError("input", "segment.bad_feature_query", `the feature query ${why}`);
  if (!columns?.length) throw bad("gave no columns");
  const [key, ...features] = columns;
  if (!features.length) throw bad("needs the key column then at least one feature column");
  const other = features.filter((c) => !NUMERIC.has(c.type));
  if (other.length) {
    throw bad(
      `must give numbers after the key column: ${other.map((c) => `${c.name} is ${c.type}`).join(", ")}`,
    );
  }
  for (const c of columns) ident(c.name); // a name our quoting refuses fails here, clearly
  return { key: key!.name, features: features.map((c) => c.name) };
}

/** The key as text, whatever its type. */
const keyText = (c: FeatureColumns) => `CAST(${ident(c.key)} AS VARCHAR(65535))`;

/** A row the export keeps: a key without line breaks, no NULL feature. */
export function usable(c: FeatureColumns): string {
  return [
    `${ident(c.key)} IS NOT NULL`,
    `STRPOS(${keyText(c)}, CHR(10)) = 0`,
    `STRPOS(${keyText(c)}, CHR(13)) = 0`,
    ...c.features.map((f) => `${ident(f)} IS NOT NULL`),
  ].join(" AND ");
}

/** Statement 2: `total`, `usable`, and `mean_<t>`, `std_<t>` per feature. */
export function statsSql(s: Scratch, c: FeatureColumns): string {
  const when = (x: string) => `CASE WHEN ${usable(c)} THEN CAST(${x} AS FLOAT8) END`;
  const per = c.features.flatMap((f, t) => [
    `AVG(${when(ident(f))}) AS mean_${t}`,
    `STDDEV_POP(${when(ident(f))}) AS std_${t}`,
    `MIN(${when(ident(f))}) AS min_${t}`,
    `MAX(${when(ident(f))}) AS max_${t}`,
  ]);
  return `SELECT COUNT(*) AS total, COUNT(CASE WHEN ${usable(c)} THEN 1 END) AS usable, ${per.join(", ")} FROM ${name(s)}`;
}

export interface Stats {
  total: number;
  usable: number;
  /** Per feature over the usable rows; a constant feature's std is 1 (as kmeans/scale.ts). */
  scaler: Scaler;
  /** Per feature over the usable rows, raw units. */
  min: number[];
  max: number[];
}

export function readStats(row: Record<string, unknown> | undefined, d: number): Stats {
  const num = (v: unknown) => (v === null || v === undefined ? Number.NaN : Number(v));
  const usableRows = num(row?.usable);
  const mean: number[] = [];
  const std: number[] = [];
  for (let t = 0; t < d; t++) {
    mean.push(num(row?.[`mean_${t}`]));
    const sd = num(row?.[`std_${t}`]);
    // Constant up to rounding: centred, not blown up (the scaler's rule in kmeans/scale.ts).
    std.push(Number.isFinite(sd) && sd > 1e-12 * Math.max(1, Math.abs(mean[t]!)) ? sd : 1);
  }
  const min = Array.from({ length: d }, (_, t) => num(row?.[`min_${t}`]));
  const max = Array.from({ length: d }, (_, t) => num(row?.[`max_${t}`]));
  return { total: num(row?.total), usable: usableRows, scaler: { mean, std }, min, max };
}

/** A feature in the fitted space: standardised with the scaler's numbers, or as it is. */
function fitted(f: string, t: number, scaler: Scaler | null): string {
  const x = `CAST(${ident(f)} AS FLOAT8)`;
  if (!scaler) return `${x} AS ${ident(f)}`;
  const m = formatNumber(scaler.mean[t]!);
  const sd = formatNumber(scaler.std[t]!);
  return `(${x} - (${m})) / (${sd}) AS ${ident(f)}`;
}

/** Statement 3: the training rows — features only, in no particular order. */
export function trainSelect(s: Scratch, c: FeatureColumns, scaler: Scaler | null): string {
  const cols = c.features.map((f, t) => fitted(f, t, scaler));
  return `SELECT ${cols.join(", ")} FROM ${name(s)} WHERE ${usable(c)}`;
}

/** Statement 3: the scoring rows — the key as text, then the features, by key. */
export function scoreSelect(s: Scratch, c: FeatureColumns, scaler: Scaler | null): string {
  const cols = [
    `${keyText(c)} AS ${ident(c.key)}`,
    ...c.features.map((f, t) => fitted(f, t, scaler)),
  ];
  return `SELECT ${cols.join(", ")} FROM ${name(s)} WHERE ${usable(c)} ORDER BY 1`;
}

/** For `k auto`: up to `n` usable rows, the same ones for the same seed and data. */
export function sampleSelect(
  s: Scratch,
  c: FeatureColumns,
  scaler: Scaler | null,
  n: number,
  seed: number,
): string {
  const cols = c.features.map((f, t) => fitted(f, t, scaler));
  const order = `MD5(${keyText(c)} || '${Math.trunc(seed)}')`;
  return `SELECT ${cols.join(", ")} FROM ${name(s)} WHERE ${usable(c)} ORDER BY ${order} LIMIT ${Math.trunc(n)}`;
}

/**
 * Statement 4 on Redshift. The query goes in as a string literal read by the same lexer, so its
 * own literals are escaped once more (UNLOAD, "select-statement"). PARALLEL OFF: one writer, files
 * `part_000`, `part_001`, … of at most 100 MB — a feature file is small (a million users × 8
 * features is about 150 MB of text), and it gives batch transform a few even inputs instead of one
 * or more per slice. No HEADER (SageMaker reads every line as data), no NULL AS (none left).
 */
export function unloadSql(select: string, uriPrefix: string, iamRole: string): string {
  return `UNLOAD (${literal(select, "redshift")}) TO ${literal(uriPrefix, "redshift")} IAM_ROLE ${literal(iamRole, "redshift")} FORMAT AS CSV PARALLEL OFF MAXFILESIZE 100 MB`;
}
