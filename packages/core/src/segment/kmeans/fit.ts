// fitKMeans: several k-means++ starts, each iterated to convergence, the best kept by inertia.
// The iteration follows scikit-learn's (_kmeans_single_lloyd): assign, recompute the centroids,
// stop when no row changed segment (strict convergence) or when the centroids moved less in
// total (Σ squared shift) than `tolerance` × the mean feature variance, or after
// `maxIterations`; when not strictly converged, one more assignment so that the assignments
// match the centroids returned. Assignment is Hamerly's step by default; `algorithm: "lloyd"`
// computes every distance (same assignments, kept as the reference in tests).
import { VisibleError } from "../../util/error";
import { type Engine, type KMeansPool, OP, openEngine, workerCount } from "./engine";
import { type KMeansModel, MODEL_VERSION, type Scaler } from "./model";
import { Rng } from "./random";
import { seedPlusPlus } from "./seeding";
import { checkData, checkOptions } from "./validate";

export interface FitOptions {
  /** Rows and features of `data` (row-major, n × d). */
  n: number;
  d: number;
  /** Segments. */
  k: number;
  /** Same seed, same data → same model and assignments, for any number of workers. Default 0. */
  seed?: number;
  /** k-means++ starts; the one with the lowest inertia wins. Default 10. */
  starts?: number;
  /** Default 300. */
  maxIterations?: number;
  /** Relative to the mean feature variance, as scikit-learn's `tol`. Default 1e-4. */
  tolerance?: number;
  /** Worker threads; 0 or 1 runs on the calling thread. Default: none below 50,000 rows, else one per core (at most 8). */
  workers?: number;
  /** Reuse these workers (chooseK does); `workers` is then ignored. */
  pool?: KMeansPool;
  /** Feature names for the model (default x0, x1, …). */
  features?: string[];
  /** The scaler the data went through, recorded in the model. */
  scaler?: Scaler | null;
  /** Initial centroids instead of k-means++ (one start). */
  init?: ArrayLike<number>[];
  algorithm?: "hamerly" | "lloyd";
}

export interface StartResult {
  start: number;
  inertia: number;
  iterations: number;
  converged: boolean;
  /** Row-to-centroid distances the assignment steps computed (Lloyd's: n × k per step). */
  distances: number;
}

export interface FitResult {
  model: KMeansModel;
  /** The segment of each row. */
  assignments: Int32Array;
  /** Rows per segment. */
  sizes: number[];
  /** Whether the best start converged before maxIterations. */
  converged: boolean;
  /** Every start, in order. */
  runs: StartResult[];
}

export async function fitKMeans(data: Float64Array, options: FitOptions): Promise<FitResult> {
  const { n, d } = options;
  checkData(data, n, d, options.features);
  const o = checkOptions(n, options);
  const features = options.features ?? Array.from({ length: d }, (_, t) => `x${t}`);
  const scaler = options.scaler ?? null;
  if (scaler && (scaler.mean.length !== d || scaler.std.length !== d)) {
    throw new VisibleError(
      "input",
      "kmeans.bad_scaler",
      `the scaler must have ${d} means and stds`,
    );
  }
  let init: Float64Array | undefined;
  if (options.init) init = checkInit(options.init, o.k, d);
  const starts = init ? 1 : o.starts;
  // scikit-learn's tolerance: relative to the data's mean variance.
  const tolAbs = o.tolerance * meanVariance(data, n, d);
  const e = await openEngine(data, n, d, o.k, {
    workers: workerCount(n, o.workers),
    pool: options.pool,
  });
  try {
    const runs: StartResult[] = [];
    let best: { centroids: Float64Array; run: StartResult } | undefined;
    const assignments = new Int32Array(n);
    for (let s = 0; s < starts; s++) {
      const c0 = init ?? (await seedPlusPlus(e, new Rng(o.seed, s)));
      const r = await iterate(e, c0, o.maxIterations, tolAbs, options.algorithm ?? "hamerly");
      const run = { start: s, ...r.run };
      runs.push(run);
      if (!best || run.inertia < best.run.inertia) {
        best = { centroids: r.centroids, run };
        assignments.set(e.st.assign);
      }
    }
    const { centroids, run } = best!;
    const sizes = new Array<number>(o.k).fill(0);
    for (let i = 0; i < n; i++) sizes[assignments[i]!]!++;
    const model: KMeansModel = {
      version: MODEL_VERSION,
      features,
      scaler,
      k: o.k,
      centroids: Array.from({ length: o.k }, (_, j) =>
        Array.from(centroids.subarray(j * d, j * d + d)),
      ),
      inertia: run.inertia,
      iterations: run.iterations,
      seed: o.seed,
      starts,
    };
    return { model, assignments, sizes, converged: run.converged, runs };
  } finally {
    await e.close();
  }
}

function checkInit(init: ArrayLike<number>[], k: number, d: number): Float64Array {
  if (init.length !== k || init.some((c) => c.length !== d)) {
    throw new VisibleError(
      "input",
      "kmeans.bad_init",
      `init must be ${k} centroids of ${d} values`,
    );
  }
  const out = new Float64Array(k * d);
  init.forEach((c, j) => {
    for (let t = 0; t < d; t++) {
      if (!Number.isFinite(c[t])) {
        throw new VisibleError("input", "kmeans.bad_init", `init centroid ${j} is not finite`);
      }
      out[j * d + t] = c[t]!;
    }
  });
  return out;
}

/** Mean over features of the population variance (two passes). */
export function meanVariance(data: Float64Array, n: number, d: number): number {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) mean[t]! += data[i * d + t]!;
  for (let t = 0; t < d; t++) mean[t]! /= n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < d; t++) {
      const v = data[i * d + t]! - mean[t]!;
      s += v * v;
    }
  }
  return s / n / d;
}

/** One start from centroids c0: Lloyd iterations with Hamerly's (or the full) assignment. */
async function iterate(
  e: Engine,
  c0: Float64Array,
  maxIterations: number,
  tolAbs: number,
  algorithm: "hamerly" | "lloyd",
): Promise<{ centroids: Float64Array; run: Omit<StartResult, "start"> }> {
  const { st } = e;
  const { k, d } = st;
  st.centroids.set(c0);
  st.assign.fill(-1);
  // The running segment sums and counts: each step reports only the rows that moved.
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  await e.run(OP.full);
  let distances = 0;
  let iterations = 1;
  let strict = false;
  let converged = false;
  for (;;) {
    const { changed, dists } = reduce(e, sums, counts);
    distances += dists;
    const relocated = await relocateEmpty(e, sums, counts);
    const shiftTot = moveCentroids(st, sums, counts);
    if (iterations > 1 && changed === 0 && relocated === 0) {
      strict = true;
      converged = true;
      break;
    }
    if (shiftTot <= tolAbs) {
      converged = true;
      break;
    }
    if (iterations >= maxIterations) break;
    await e.run(algorithm === "lloyd" ? OP.full : OP.hamerly);
    iterations++;
  }
  // Assignments that match the centroids returned (scikit-learn's last E-step).
  if (!strict) {
    await e.run(algorithm === "lloyd" ? OP.full : OP.hamerly);
    distances += reduce(e, sums, counts).dists;
  }
  await e.run(OP.inertia);
  let inertia = 0;
  for (let b = 0; b < st.nBlocks; b++) inertia += st.partial[b * st.stride]!;
  return {
    centroids: Float64Array.from(st.centroids.subarray(0, k * d)),
    run: { inertia, iterations, converged, distances },
  };
}

/** Adds the blocks' changes to the running sums and counts, in block order. */
function reduce(e: Engine, sums: Float64Array, counts: Float64Array) {
  const { k, d, nBlocks, stride, partial } = e.st;
  const kd = k * d;
  let changed = 0;
  let dists = 0;
  for (let b = 0; b < nBlocks; b++) {
    const o = b * stride;
    for (let s = 0; s < kd; s++) sums[s]! += partial[o + s]!;
    for (let j = 0; j < k; j++) counts[j]! += partial[o + kd + j]!;
    changed += partial[o + kd + k]!;
    dists += partial[o + kd + k + 1]!;
  }
  return { changed, dists };
}

/**
 * An empty segment takes the row farthest from its centroid (then the next farthest for the
 * next empty segment; lowest row first on a tie), as scikit-learn relocates empty clusters.
 * A row is not taken from a segment it is alone in. The row is assigned to its new segment
 * at once (the running sums must match the assignments) and its bounds reset, so that the next
 * step measures it. Returns how many segments were refilled.
 */
async function relocateEmpty(e: Engine, sums: Float64Array, counts: Float64Array) {
  const { k, d, data, assign, upper, lower, nBlocks, stride, partial } = e.st;
  const empty: number[] = [];
  for (let j = 0; j < k; j++) if (counts[j] === 0) empty.push(j);
  if (empty.length === 0) return 0;
  // Each block's top m + k: enough even if every segment of one row holds a candidate.
  const m = empty.length + k;
  await e.run(OP.farthest, [m]);
  const cands: { dist: number; row: number }[] = [];
  for (let b = 0; b < nBlocks; b++) {
    for (let p = 0; p < m; p++) {
      const row = partial[b * stride + 2 * p + 1]!;
      if (row >= 0) cands.push({ dist: partial[b * stride + 2 * p]!, row });
    }
  }
  cands.sort((x, y) => y.dist - x.dist || x.row - y.row);
  let next = 0;
  for (const j of empty) {
    let pick: { dist: number; row: number } | undefined;
    while (next < cands.length) {
      const c = cands[next++]!;
      if (c.dist > 0 && counts[assign[c.row]!]! > 1) {
        pick = c;
        break;
      }
    }
    if (!pick) {
      throw new VisibleError(
        "input",
        "kmeans.too_few_distinct",
        `k = ${k}, but segment ${j} stays empty: the data has fewer than ${k} distinct rows`,
      );
    }
    const from = assign[pick.row]!;
    for (let t = 0; t < d; t++) {
      const v = data[pick.row * d + t]!;
      sums[from * d + t]! -= v;
      sums[j * d + t] = v;
    }
    counts[from]!--;
    counts[j] = 1;
    assign[pick.row] = j;
    upper[pick.row] = Number.POSITIVE_INFINITY;
    lower[pick.row] = 0;
  }
  return empty.length;
}

/** New centroids from the sums; records each shift, the bound drops and half the nearest-other distance. */
function moveCentroids(st: Engine["st"], sums: Float64Array, counts: Float64Array): number {
  const { k, d, centroids, shift, drop, half } = st;
  let shiftTot = 0;
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const v = sums[j * d + t]! / counts[j]!;
      const dv = v - centroids[j * d + t]!;
      s += dv * dv;
      centroids[j * d + t] = v;
    }
    shift[j] = Math.sqrt(s);
    shiftTot += s;
  }
  // Hamerly's lower-bound decrement: the largest shift among the other segments.
  let a = 0;
  let ai = -1;
  let b = 0;
  for (let j = 0; j < k; j++) {
    const v = shift[j]!;
    if (v > a) {
      b = a;
      a = v;
      ai = j;
    } else if (v > b) b = v;
  }
  for (let j = 0; j < k; j++) drop[j] = j === ai ? b : a;
  for (let j = 0; j < k; j++) {
    let nearest = Number.POSITIVE_INFINITY;
    for (let j2 = 0; j2 < k; j2++) {
      if (j2 === j) continue;
      let s = 0;
      for (let t = 0; t < d; t++) {
        const dv = centroids[j * d + t]! - centroids[j2 * d + t]!;
        s += dv * dv;
      }
      if (s < nearest) nearest = s;
    }
    half[j] = Math.sqrt(nearest) / 2;
  }
  return shiftTot;
}
