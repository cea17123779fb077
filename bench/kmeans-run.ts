// One measured k-means in its own process, so that its peak RSS is its own: ours (fitKMeans,
// the rows made straight into shared memory) or ml-kmeans (the same rows as arrays, one call
// per start, the best kept). Prints one JSON line.
//   tsx bench/kmeans-run.ts ours|ml-kmeans '<{"n","d","k","seed","starts","maxIterations","tolerance","workers"?,"algorithm"?}>'
import { kmeans } from "ml-kmeans";
import { meanVariance } from "../packages/core/src/segment/kmeans/fit";
import { allocate, fitKMeans } from "../packages/core/src/segment/kmeans/index";
import { fillBlobs } from "./kmeans-data";

export interface KMeansRun {
  ms: number;
  /** Σ squared distance from each row to its nearest final centroid (the same sum for both). */
  inertia: number;
  /** Of the best start. */
  iterations: number;
  /** Every start's inertia, in order. */
  starts: number[];
  sizes: number[];
  maxRssMb: number;
}

interface Options {
  n: number;
  d: number;
  k: number;
  seed: number;
  starts: number;
  maxIterations: number;
  tolerance: number;
  workers?: number;
  algorithm?: "hamerly" | "lloyd";
}

/** Σ over rows of the squared distance to the nearest centroid; and the rows per centroid. */
function score(data: Float64Array, n: number, d: number, centroids: number[][]) {
  let inertia = 0;
  const sizes = centroids.map(() => 0);
  for (let i = 0; i < n; i++) {
    let best = Number.POSITIVE_INFINITY;
    let at = 0;
    centroids.forEach((c, j) => {
      let s = 0;
      for (let t = 0; t < d; t++) s += (data[i * d + t]! - c[t]!) ** 2;
      if (s < best) {
        best = s;
        at = j;
      }
    });
    inertia += best;
    sizes[at]!++;
  }
  return { inertia, sizes };
}

function ours(o: Options, data: Float64Array) {
  return fitKMeans(data, o).then((fit) => ({
    centroids: fit.model.centroids,
    iterations: fit.model.iterations,
    starts: fit.runs.map((r) => r.inertia),
  }));
}

/**
 * ml-kmeans 7 has one start per call: a call per seed (seed, seed + 1, …), the best kept. Its
 * tolerance is an absolute bound on each centroid's squared shift; ours (scikit-learn's) bounds
 * the sum of the squared shifts by tolerance × the mean feature variance: theirs gets that
 * product, so it stops no later than ours would.
 */
async function mlKmeans(o: Options, data: Float64Array) {
  const rows = Array.from({ length: o.n }, (_, i) =>
    Array.from(data.subarray(i * o.d, (i + 1) * o.d)),
  );
  const tolerance = o.tolerance * meanVariance(data, o.n, o.d);
  const t0 = performance.now();
  const fits = [];
  for (let s = 0; s < o.starts; s++) {
    const r = kmeans(rows, o.k, {
      initialization: "kmeans++",
      seed: o.seed + s,
      maxIterations: o.maxIterations,
      tolerance,
    });
    fits.push({ centroids: r.centroids, iterations: r.iterations });
  }
  return { fits, ms: performance.now() - t0 };
}

const [impl, json] = process.argv.slice(2) as [string, string];
const o = JSON.parse(json) as Options;
const data = fillBlobs(
  impl === "ours" ? allocate(o.n, o.d) : new Float64Array(o.n * o.d),
  o.n,
  o.d,
  o.seed,
);
let out: KMeansRun;
if (impl === "ours") {
  const t0 = performance.now();
  const r = await ours(o, data);
  const ms = performance.now() - t0;
  out = {
    ms,
    ...score(data, o.n, o.d, r.centroids),
    iterations: r.iterations,
    starts: r.starts,
    maxRssMb: 0,
  };
} else {
  const { fits, ms } = await mlKmeans(o, data);
  const scored = fits.map((f) => ({ ...f, ...score(data, o.n, o.d, f.centroids) }));
  const best = scored.reduce((a, b) => (b.inertia < a.inertia ? b : a));
  out = {
    ms,
    inertia: best.inertia,
    sizes: best.sizes,
    iterations: best.iterations,
    starts: scored.map((f) => f.inertia),
    maxRssMb: 0,
  };
}
out.maxRssMb = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify(out));
