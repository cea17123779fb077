// `--k auto`: fit each k in a range and keep the one with the best mean silhouette
// (Rousseeuw, "Silhouettes: a graphical aid to the interpretation and validation of cluster
// analysis", 1987). The silhouette is exact, but on a seeded sample of rows (as scikit-learn's
// silhouette_score(sample_size=…)): every pair of sampled rows, O(sample² · d) once for all k.
import { VisibleError } from "../../util/error";
import { KMeansPool, workerCount } from "./engine";
import { type FitOptions, type FitResult, fitKMeans } from "./fit";
import { Rng } from "./random";
import { checkData } from "./validate";

export interface ChooseKOptions extends Omit<FitOptions, "k" | "init" | "pool"> {
  /** Smallest and largest k tried. Default 2 and 10 (capped at n). */
  kMin?: number;
  kMax?: number;
  /** Rows in the silhouette sample. Default 5,000. */
  sampleSize?: number;
}

export interface KScore {
  k: number;
  /** Mean silhouette on the sample, in [−1, 1]; null when the sample saw one segment only. */
  silhouette: number | null;
  /** Of the fit on every row. */
  inertia: number;
  iterations: number;
}

export interface ChooseKResult {
  k: number;
  scores: KScore[];
  /** The fit for the chosen k; its model carries the silhouette. */
  best: FitResult;
}

/** The silhouette sample's random stream (the starts use streams 0 … starts − 1). */
const SAMPLE_STREAM = 0x5eed;

export async function chooseK(data: Float64Array, o: ChooseKOptions): Promise<ChooseKResult> {
  const { n, d } = o;
  checkData(data, n, d, o.features);
  const kMin = o.kMin ?? 2;
  const kMax = Math.min(o.kMax ?? 10, n);
  if (!Number.isInteger(kMin) || !Number.isInteger(kMax) || kMin < 2 || kMax < kMin) {
    throw new VisibleError(
      "input",
      "kmeans.bad_k_range",
      `k auto needs 2 ≤ kMin ≤ kMax ≤ n (n = ${n}), got ${kMin}..${o.kMax ?? 10}`,
    );
  }
  const sampleSize = o.sampleSize ?? 5000;
  if (!Number.isInteger(sampleSize) || sampleSize < 2) {
    throw new VisibleError("input", "kmeans.bad_option", `sampleSize must be ≥ 2`);
  }
  const sample = new Rng(o.seed ?? 0, SAMPLE_STREAM).sample(n, sampleSize);
  const threads = workerCount(n, o.workers);
  const pool = threads > 1 ? KMeansPool.open(threads) : undefined;
  try {
    const fits: FitResult[] = [];
    for (let k = kMin; k <= kMax; k++) fits.push(await fitKMeans(data, { ...o, k, pool }));
    const silhouettes = silhouetteScores(
      data,
      d,
      sample,
      fits.map((f) => Int32Array.from(sample, (i) => f.assignments[i]!)),
      fits.map((f) => f.model.k),
    );
    const scores: KScore[] = fits.map((f, q) => ({
      k: f.model.k,
      silhouette: silhouettes[q] ?? null,
      inertia: f.model.inertia,
      iterations: f.model.iterations,
    }));
    let q = -1;
    // Strictly better only: on a tie the smaller k stays.
    for (let i = 0; i < fits.length; i++) {
      const s = silhouettes[i];
      if (s != null && (q < 0 || s > silhouettes[q]!)) q = i;
    }
    if (q < 0) {
      throw new VisibleError(
        "input",
        "kmeans.no_silhouette",
        "no k gave two segments in the silhouette sample: the data may be (nearly) constant",
      );
    }
    const best = fits[q]!;
    best.model.silhouette = silhouettes[q]!;
    return { k: best.model.k, scores, best };
  } finally {
    await pool?.close();
  }
}

/**
 * The mean silhouette of the rows `sample` (ascending row numbers) under each labelling
 * (labels[q] for sample row i is the segment, out of ks[q]), using distances between sampled
 * rows only, each computed once for every labelling. A row alone in its segment scores 0
 * (Rousseeuw's convention, and scikit-learn's). Null for a labelling with fewer than two
 * segments in the sample.
 */
export function silhouetteScores(
  data: Float64Array,
  d: number,
  sample: Int32Array,
  labels: Int32Array[],
  ks: number[],
): (number | null)[] {
  const m = sample.length;
  const L = labels.length;
  const sizes = ks.map((k, q) => {
    const size = new Float64Array(k);
    for (let i = 0; i < m; i++) size[labels[q]![i]!]!++;
    return size;
  });
  // sums[q][i·k + j]: Σ distance from sampled row i to the sampled rows of segment j.
  const sums = ks.map((k) => new Float64Array(m * k));
  for (let i = 0; i < m; i++) {
    const xi = sample[i]! * d;
    for (let i2 = i + 1; i2 < m; i2++) {
      const xj = sample[i2]! * d;
      let s = 0;
      for (let t = 0; t < d; t++) {
        const v = data[xi + t]! - data[xj + t]!;
        s += v * v;
      }
      const dist = Math.sqrt(s);
      for (let q = 0; q < L; q++) {
        const k = ks[q]!;
        const lab = labels[q]!;
        const sq = sums[q]!;
        sq[i * k + lab[i2]!]! += dist;
        sq[i2 * k + lab[i]!]! += dist;
      }
    }
  }
  return ks.map((k, q) => {
    const size = sizes[q]!;
    const lab = labels[q]!;
    const sq = sums[q]!;
    let present = 0;
    for (let j = 0; j < k; j++) if (size[j]! > 0) present++;
    if (present < 2) return null;
    let total = 0;
    for (let i = 0; i < m; i++) {
      const li = lab[i]!;
      if (size[li]! <= 1) continue;
      const a = sq[i * k + li]! / (size[li]! - 1);
      let b = Number.POSITIVE_INFINITY;
      for (let j = 0; j < k; j++) {
        if (j === li || size[j] === 0) continue;
        const mean = sq[i * k + j]! / size[j]!;
        if (mean < b) b = mean;
      }
      const denom = Math.max(a, b);
      if (denom > 0) total += (b - a) / denom;
    }
    return total / m;
  });
}

/** The mean silhouette of one labelling (see silhouetteScores). */
export function silhouetteScore(
  data: Float64Array,
  d: number,
  sample: Int32Array,
  labels: Int32Array,
  k: number,
): number | null {
  return silhouetteScores(data, d, sample, [labels], [k])[0]!;
}
