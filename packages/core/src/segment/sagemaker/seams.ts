// Where the SageMaker path meets the rest of the segment pipeline, so each thing is done one way:
// the feature query it exports is the local pipeline's features (features.ts, planned and imputed
// by feature-sql.ts / feature-read.ts), and its segments are labelled by explain.ts. Both are plain
// functions handed to the steps (SegmentMachineDeps), the pipeline's own by default.
import type { Warehouse } from "../../warehouse/warehouse";
import { labelSegments } from "../explain";
import { dropFeatures, measureFeatures } from "../feature-read";
import { exportSelectSql, planFeatures, tableName } from "../feature-sql";
import type { Missing } from "../features";
import { type KMeansModel, MODEL_VERSION, type Scaler } from "../kmeans";
import type { FeatureStats } from "../model";

/** The run's feature arguments, as `cdp segment --table --key --features --missing` takes them. */
export interface FeatureArgs {
  table?: string;
  key?: string;
  features?: string[];
  missing?: Missing;
  /** ISO instant "days since" features are measured to (default: the run's start). */
  asOf: string;
}

/** A run's feature query: one SELECT, the user key first, then each numeric feature. */
export interface FeatureQuery {
  select: string;
  /** `public.customers`: the run's source, as segment_runs records it. */
  source: string;
  /** What the run notes: rows read, imputed and skipped, features skipped and why. */
  facts: Record<string, unknown>;
  /** Per feature of the SELECT, in order: where it was read and its missing values (model.ts). */
  features?: Omit<FeatureStats, "mean" | "std" | "min" | "max">[];
  /** Drops what the query reads from, once it has been materialised (idempotent). */
  drop: () => Promise<void>;
}

export type FeatureSelect = (
  wh: Warehouse,
  runId: string,
  args: FeatureArgs,
) => Promise<FeatureQuery>;

/**
 * The pipeline's features: planned against the tables now (features.ts, overridable by the run's
 * table/key/features/missing), materialised into the run's scratch table cdp_stage.m_<run>,
 * counted, and each missing value filled in SQL with its feature's fill (median by
 * PERCENTILE_CONT, mean, 0) or its row skipped — the same numbers a local run fits.
 */
export const pipelineFeatureSelect: FeatureSelect = async (wh, runId, args) => {
  const plan = await planFeatures(wh, { ...args, dialect: wh.dialect });
  const drop = () => dropFeatures(wh, runId);
  try {
    const m = await measureFeatures(wh, plan, runId);
    return {
      select: exportSelectSql(m.plan, m.table, m.fills),
      source: tableName(m.plan.source),
      facts: {
        table: tableName(m.plan.source),
        key: m.plan.source.key,
        crmTable: m.plan.crm ? tableName(m.plan.crm) : null,
        asOf: args.asOf,
        rowsRead: m.rowsRead,
        rowsImputed: Number(m.miss?.imputed ?? 0),
        rowsSkipped: m.rowsRead - m.n,
        featuresSkipped: m.plan.skipped,
        fills: Object.fromEntries(m.plan.features.map((f, t) => [f.def.name, m.fills[t] ?? null])),
      },
      features: m.plan.features.map((f, t) => {
        const missingCount =
          m.rowsRead - Number(m.presence?.[`c${m.planned.features.indexOf(f)}`] ?? 0);
        return {
          name: f.def.name,
          column: f.column,
          missing: f.missing,
          missingCount,
          imputed: f.missing === "skip" ? 0 : Number(m.miss?.[`m${t}`] ?? 0),
          skipped: f.missing === "skip" ? missingCount : 0,
          fill: m.fills[t] ?? null,
        };
      }),
      drop,
    };
  } catch (err) {
    await drop().catch(() => {});
    throw err;
  }
};

/** What a segment's label is made from: its centroid among the others. */
export interface SegmentCentroids {
  features: string[];
  /** k × features in the fitted space: standardised when `scaler` is not null. */
  centroids: number[][];
  scaler: Scaler | null;
  /** Each feature's mean and population standard deviation over the rows fitted, raw units. */
  raw: { mean: number[]; std: number[] };
  /** Users per segment. */
  sizes: number[];
}

/** One short label per segment (at most 80 characters each: it goes to Salesforce). */
export type LabelSegments = (profile: SegmentCentroids) => string[] | Promise<string[]>;

/**
 * explain.ts's labels: it reads the centroids in the features' own units (undoing the scaler the
 * Export step standardised with in SQL) against each feature's mean and spread.
 */
export const pipelineLabels: LabelSegments = (p) => {
  const model: KMeansModel = {
    version: MODEL_VERSION,
    features: p.features,
    scaler: p.scaler,
    k: p.centroids.length,
    centroids: p.centroids,
    inertia: 0,
    iterations: 0,
    seed: 0,
    starts: 1,
  };
  const stats = p.features.map(
    (name, t): FeatureStats => ({
      name,
      column: name,
      missing: "median",
      missingCount: 0,
      imputed: 0,
      skipped: 0,
      fill: null,
      mean: p.raw.mean[t]!,
      std: p.raw.std[t]!,
      min: 0,
      max: 0,
    }),
  );
  return labelSegments(model, stats);
};
