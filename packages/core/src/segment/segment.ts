// A segment run, step by step: features out of the warehouse (feature-read.ts), the k-means fit
// (k given, or chosen by silhouette), the model and the results file into the lake
// (ml/models/<runId>/, ml/segments/<runId>/), the results into the segments table, then labels,
// drift against the run before, and the profile beside the model. Each step is exported on its
// own: the deployed state machine's tasks run the ones SageMaker does not.
import type { ObjectStore } from "../lake/lake";
import type { Info } from "../run/run";
import type { Warehouse } from "../warehouse/warehouse";
import { alignmentOrder, renumber } from "./align";
import { buildProfile, labelSegments } from "./explain";
import { dropFeatures, type FeatureMatrix, keyPages, readFeatures } from "./feature-read";
import { planFeatures, tableName } from "./feature-sql";
import type { Missing } from "./features";
import { SEGMENT_DEFAULTS } from "./features";
import {
  chooseK,
  fitKMeans,
  type KMeansModel,
  Rng,
  type Scaler,
  silhouetteScore,
  standardize,
} from "./kmeans";
import type { SegmentArgs, SegmentProfile, SegmentStats } from "./model";
import {
  encodeResults,
  modelKey,
  profileKey,
  type ResultRow,
  readRunModel,
  resultKey,
} from "./results-format";
import { drift, loadResults, previousRun, segmentRuns } from "./store";

export interface SegmentDeps {
  lake: ObjectStore;
  warehouse: Warehouse;
}

type Step = (name: string, facts?: Record<string, unknown>) => Promise<void>;

/** Rows in the silhouette sample (as chooseK's default). */
export const SILHOUETTE_SAMPLE = 5000;
/** chooseK's random stream for its sample: a given k is scored on the same rows. */
const SAMPLE_STREAM = 0x5eed;

export interface Fitted {
  model: KMeansModel;
  assignments: Int32Array;
  sizes: number[];
  /** The rows as fitted (scaled, or the raw values with scale none). */
  data: Float64Array;
  kChosenBy: "given" | "silhouette";
  kScores: SegmentStats["kScores"];
  converged: boolean;
}

/** Step: the features of every user, read and filled (the scratch table stays for the results). */
export async function prepareFeatures(
  wh: Warehouse,
  runId: string,
  args: SegmentArgs,
  asOf: string,
): Promise<FeatureMatrix> {
  const plan = await planFeatures(wh, {
    table: args.table,
    key: args.key,
    features: args.features,
    missing: args.missing as Missing | undefined,
    asOf,
    dialect: wh.dialect,
  });
  return readFeatures(wh, plan, runId);
}

/** Step: the k-means fit, in the standardised space unless `scale` is none. */
export async function fitSegments(m: FeatureMatrix, args: SegmentArgs): Promise<Fitted> {
  const { n, d } = m;
  const features = m.plan.features.map((f) => f.def.name);
  let data = m.data;
  let scaler: Scaler | null = null;
  if ((args.scale ?? SEGMENT_DEFAULTS.scale) === "standard") {
    ({ data, scaler } = standardize(m.data, n, d));
  }
  const seed = args.seed ?? SEGMENT_DEFAULTS.seed;
  const starts = args.starts ?? SEGMENT_DEFAULTS.starts;
  const k = args.k ?? SEGMENT_DEFAULTS.k;
  if (k === "auto") {
    const r = await chooseK(data, {
      n,
      d,
      seed,
      starts,
      features,
      scaler,
      kMin: 2,
      kMax: Math.min(SEGMENT_DEFAULTS.kMax, n),
      sampleSize: SILHOUETTE_SAMPLE,
    });
    return {
      ...r.best,
      data,
      kChosenBy: "silhouette",
      kScores: r.scores.map((s) => ({ k: s.k, silhouette: s.silhouette, inertia: s.inertia })),
    };
  }
  const r = await fitKMeans(data, { n, d, k, seed, starts, features, scaler });
  if (k > 1) {
    const sample = new Rng(seed, SAMPLE_STREAM).sample(n, SILHOUETTE_SAMPLE);
    const labels = Int32Array.from(sample, (i) => r.assignments[i]!);
    const s = silhouetteScore(data, d, sample, labels, k);
    if (s !== null) r.model.silhouette = s;
  }
  return { ...r, data, kChosenBy: "given", kScores: [] };
}

/** Step: the model artefact (JSON) into the lake. */
export async function writeModel(lake: ObjectStore, runId: string, model: KMeansModel) {
  const key = modelKey(runId);
  await lake.put(key, `${JSON.stringify(model, null, 2)}\n`);
  return key;
}

/** Step: the results file, as batch transform writes it: each user's segment and distance. */
export async function writeResults(
  wh: Warehouse,
  lake: ObjectStore,
  runId: string,
  m: FeatureMatrix,
  f: Fitted,
): Promise<string> {
  const { d } = m;
  const c = f.model.centroids;
  let i = 0;
  async function* rows(): AsyncGenerator<ResultRow[]> {
    for await (const keys of keyPages(wh, m)) {
      yield keys.map((userId) => {
        const segment = f.assignments[i]!;
        const cj = c[segment]!;
        let s = 0;
        for (let t = 0; t < d; t++) s += (f.data[i * d + t]! - cj[t]!) ** 2;
        i++;
        return { userId, segment, distance: Math.sqrt(s) };
      });
    }
  }
  const key = resultKey(runId);
  await lake.put(key, encodeResults(rows()));
  if (i !== m.n) throw new Error(`wrote ${i} results for ${m.n} users`);
  return key;
}

/** Step: the profile (labels, centroids in raw units, drift) beside the model. */
export async function writeProfile(lake: ObjectStore, profile: SegmentProfile) {
  const key = profileKey(profile.runId);
  await lake.put(key, `${JSON.stringify(profile, null, 2)}\n`);
  return key;
}

export interface SegmentResult {
  status: "SUCCEEDED";
  stats: SegmentStats;
}

/** A whole run, locally: every step in turn. The scratch table goes whatever happens. */
export async function runSegment(
  deps: SegmentDeps,
  run: Pick<Info, "id" | "createdAt" | "startedAt">,
  args: SegmentArgs,
  step: Step = async () => {},
): Promise<SegmentResult> {
  const wh = deps.warehouse;
  const asOf = new Date(args.asOf ?? run.startedAt ?? run.createdAt).toISOString();
  try {
    const m = await prepareFeatures(wh, run.id, args, asOf);
    const source = tableName(m.plan.source);
    const base = {
      table: source,
      key: m.plan.source.key,
      crmTable: m.plan.crm ? tableName(m.plan.crm) : null,
      asOf,
      scale: args.scale ?? SEGMENT_DEFAULTS.scale,
      features: m.stats,
      featuresSkipped: m.plan.skipped,
      rowsRead: m.rowsRead,
      rowsSkipped: m.rowsSkipped,
      rowsImputed: m.rowsImputed,
    };
    await step("features read", base);

    // Numbered as the latest run numbered the same groups (drift then shows real moves).
    const [latest] = await segmentRuns(wh, 1);
    const prevModel = latest ? await readRunModel(deps.lake, latest.runId).catch(() => null) : null;
    const fit = await fitSegments(m, args);
    const order = alignmentOrder(fit, prevModel);
    const aligned =
      prevModel &&
      order.length === prevModel.k &&
      prevModel.features.join() === fit.model.features.join();
    const f = renumber(fit, order);
    const labels = labelSegments(f.model, m.stats);
    const fitted = {
      k: f.model.k,
      kChosenBy: f.kChosenBy,
      kScores: f.kScores,
      inertia: f.model.inertia,
      silhouette: f.model.silhouette ?? null,
      iterations: f.model.iterations,
      converged: f.converged,
      alignedWith: aligned ? latest!.runId : null,
      sizes: f.sizes,
      labels,
    };
    await step("fitted", fitted);

    const mKey = await writeModel(deps.lake, run.id, f.model);
    const rKey = await writeResults(wh, deps.lake, run.id, m, f);
    await step("results written", { modelKey: mKey, resultKey: rKey });

    const rowsLoaded = await loadResults(wh, deps.lake, {
      runId: run.id,
      createdAt: run.createdAt,
      k: f.model.k,
      labels,
      source,
    });
    const prev = await previousRun(wh, run.id);
    const moves = prev ? await drift(wh, prev, run.id) : null;
    const profile = buildProfile({
      runId: run.id,
      createdAt: run.createdAt,
      asOf,
      table: source,
      key: m.plan.source.key,
      crmTable: base.crmTable,
      scale: base.scale,
      model: f.model,
      stats: m.stats,
      featuresSkipped: m.plan.skipped,
      sizes: f.sizes,
      labels,
      drift: moves,
    });
    const pKey = await writeProfile(deps.lake, profile);
    const stats: SegmentStats = {
      ...base,
      ...fitted,
      rowsLoaded,
      modelKey: mKey,
      resultKey: rKey,
      profileKey: pKey,
      previousRunId: prev,
      moved: moves?.moved ?? null,
      stayed: moves?.stayed ?? null,
    };
    await step("loaded", { rowsLoaded, previousRunId: prev, moved: stats.moved });
    return { status: "SUCCEEDED", stats };
  } finally {
    await dropFeatures(wh, run.id).catch(() => {});
  }
}
