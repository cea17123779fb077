// Reading a run's features out of the warehouse into one Float64Array (n × d, row-major, on
// shared memory for the k-means workers), page by page in key order: no object per user is held.
// Missing values are counted per feature, then filled (median, mean or 0) or their rows skipped.
import { VisibleError } from "../util/error";
import type { Warehouse } from "../warehouse/warehouse";
import {
  type FeaturePlan,
  fillSql,
  missingSql,
  pageSql,
  presenceSql,
  scratchSql,
  scratchTable,
  tableName,
} from "./feature-sql";
import { allocate } from "./kmeans";
import type { FeatureStats } from "./model";

/** Rows per query when reading the features and their keys. */
export const PAGE_ROWS = 50_000;

export interface FeatureMatrix {
  /** The plan as read: features that had no value in any row are moved to `skipped`. */
  plan: FeaturePlan;
  /** The scratch table the rows were read from (dropped by dropFeatures). */
  table: string;
  /** Rows in the scratch table (users read); `n` of them are kept. */
  rowsRead: number;
  n: number;
  d: number;
  /** n × d raw values (missing ones filled), in key order. */
  data: Float64Array;
  fills: (number | null)[];
  stats: FeatureStats[];
  rowsSkipped: number;
  rowsImputed: number;
}

const num = (v: unknown) => Number(v ?? 0);

/** What a run's features are before they are read: the plan, the counts, the fill values. */
export interface MeasuredFeatures {
  plan: FeaturePlan;
  planned: FeaturePlan;
  table: string;
  rowsRead: number;
  n: number;
  d: number;
  fills: (number | null)[];
  presence: Record<string, unknown> | undefined;
  miss: Record<string, unknown> | undefined;
}

/**
 * The scratch table materialised, counted and checked (a key per user, a feature with a value,
 * rows kept), and the fill value of each feature with missing values: all a SELECT of the filled
 * features needs (pageSql locally, exportSelectSql for the deployed export).
 */
export async function measureFeatures(
  wh: Warehouse,
  planned: FeaturePlan,
  runId: string,
): Promise<MeasuredFeatures> {
  const table = scratchTable(runId);
  for (const s of scratchSql(planned, table)) await wh.query(s);
  const [presence] = await wh.query<Record<string, unknown>>(presenceSql(planned, table));
  const rowsRead = num(presence?.n);
  if (rowsRead === 0) {
    throw new VisibleError(
      "input",
      "segment.no_rows",
      `${tableName(planned.source)} has no row with a ${planned.source.key}: nothing to segment`,
    );
  }
  if (num(presence?.keys) !== rowsRead) {
    throw new VisibleError(
      "input",
      "segment.key_not_unique",
      `${planned.source.key} is not unique in ${tableName(planned.source)}${planned.crm ? ` joined with ${tableName(planned.crm)}` : ""}: ${rowsRead} rows, ${num(presence?.keys)} distinct keys; segment by a key with one row per user (--key)`,
    );
  }
  // A feature without a single value says nothing about anyone: left out, and said why.
  const skipped = [...planned.skipped];
  const features = planned.features.filter((f, i) => {
    if (num(presence?.[`c${i}`]) > 0) return true;
    skipped.push({
      name: f.def.name,
      reason:
        f.def.source === "crm" && planned.crm
          ? `no user of ${tableName(planned.source)} has a row in ${tableName(planned.crm)} (joined on ${planned.crm.key} = ${planned.source.key})`
          : `${f.column} has no value in any row`,
    });
    return false;
  });
  if (!features.length) {
    throw new VisibleError(
      "input",
      "segment.no_features",
      `no feature can be computed from ${tableName(planned.source)}: ${skipped.map((s) => `${s.name} — ${s.reason}`).join("; ")}`,
    );
  }
  const crm = features.some((f) => f.def.source === "crm") ? planned.crm : null;
  const plan: FeaturePlan = { ...planned, features, skipped, crm };
  const d = features.length;

  const [miss] = await wh.query<Record<string, unknown>>(missingSql(plan, table));
  const n = num(miss?.kept);
  if (n === 0) {
    throw new VisibleError(
      "input",
      "segment.all_skipped",
      `every row misses a feature whose missing values are skipped (${features
        .filter((f) => f.missing === "skip")
        .map((f) => f.def.name)
        .join(", ")}): impute them instead (--missing median)`,
    );
  }
  const fills: (number | null)[] = [];
  for (const [i, f] of features.entries()) {
    const missing = num(miss?.[`m${i}`]);
    if (!missing || f.missing === "skip") {
      fills.push(null);
      continue;
    }
    const sql = fillSql(plan, table, f);
    const v = sql ? (await wh.query<{ v: unknown }>(sql))[0]?.v : 0;
    fills.push(v == null ? 0 : Number(v));
  }

  return { plan, planned, table, rowsRead, n, d, fills, presence, miss };
}

export async function readFeatures(
  wh: Warehouse,
  planned: FeaturePlan,
  runId: string,
): Promise<FeatureMatrix> {
  const { plan, table, rowsRead, n, d, fills, presence, miss } = await measureFeatures(
    wh,
    planned,
    runId,
  );
  const { features } = plan;
  const data = allocate(n, d);
  let row = 0;
  const sql = pageSql(plan, table, fills);
  for (let from = 0; from < rowsRead; from += PAGE_ROWS) {
    const page = await wh.query<Record<string, unknown>>(sql, [from, from + PAGE_ROWS]);
    for (const r of page) {
      if (row >= n) throw new Error("the scratch table changed while it was read");
      for (let t = 0; t < d; t++) data[row * d + t] = Number(r[features[t]!.def.name]);
      row++;
    }
  }
  if (row !== n) throw new Error(`read ${row} feature rows, expected ${n}`);

  const stats = features.map((f, t): FeatureStats => {
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const v = data[i * d + t]!;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (data[i * d + t]! - mean) ** 2;
    const missingCount = rowsRead - num(presence?.[`c${planned.features.indexOf(f)}`]);
    return {
      name: f.def.name,
      column: f.column,
      missing: f.missing,
      missingCount,
      imputed: f.missing === "skip" ? 0 : num(miss?.[`m${t}`]),
      skipped: f.missing === "skip" ? missingCount : 0,
      fill: fills[t] ?? null,
      mean,
      std: Math.sqrt(ss / n),
      min,
      max,
    };
  });
  return {
    plan,
    table,
    rowsRead,
    n,
    d,
    data,
    fills,
    stats,
    rowsSkipped: rowsRead - n,
    rowsImputed: num(miss?.imputed),
  };
}

/** The keys of the kept rows, page by page, in the order of `data`'s rows. */
export async function* keyPages(wh: Warehouse, m: FeatureMatrix): AsyncGenerator<string[]> {
  const sql = pageSql(m.plan, m.table, m.fills, true);
  for (let from = 0; from < m.rowsRead; from += PAGE_ROWS) {
    const page = await wh.query<{ _key: unknown }>(sql, [from, from + PAGE_ROWS]);
    if (page.length) yield page.map((r) => String(r._key));
  }
}

export async function dropFeatures(wh: Warehouse, runId: string): Promise<void> {
  await wh.query(`DROP TABLE IF EXISTS ${scratchTable(runId)}`);
}
