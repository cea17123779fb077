// The fitted model as a JSON artefact, and what it answers for one row: its segment, and the
// distance to every centroid (the start of "why is this user in this segment").
import { VisibleError } from "../../util/error";

export const MODEL_VERSION = 1;

/** A z-score scaler: x' = (x − mean) / std, per feature. */
export interface Scaler {
  mean: number[];
  std: number[];
}

export interface KMeansModel {
  version: typeof MODEL_VERSION;
  /** Feature names, in column order. */
  features: string[];
  /** The scaler applied before fitting, or null when the features were fitted as they are. */
  scaler: Scaler | null;
  k: number;
  /** k × features, in the fitted (scaled) space. */
  centroids: number[][];
  /** Σ squared distance to the assigned centroid, in the fitted space. */
  inertia: number;
  /** Iterations of the best start. */
  iterations: number;
  seed: number;
  starts: number;
  /** Mean silhouette on a sample, when k was chosen by it. */
  silhouette?: number;
}

export interface Prediction {
  segment: number;
  /** Euclidean distance to the segment's centroid, in the fitted space. */
  distance: number;
  /** To every centroid, by segment. */
  distances: number[];
}

/** A row in the model's own feature space (scaled by the model's scaler, if it has one). */
export function scaleRow(model: Pick<KMeansModel, "features" | "scaler">, row: ArrayLike<number>) {
  const d = model.features.length;
  if (row.length !== d) {
    throw new VisibleError(
      "input",
      "kmeans.row_length",
      `the row has ${row.length} values, the model ${d} features (${model.features.join(", ")})`,
    );
  }
  const out = new Array<number>(d);
  for (let t = 0; t < d; t++) {
    const v = row[t]!;
    if (!Number.isFinite(v)) {
      throw new VisibleError(
        "input",
        "kmeans.not_finite",
        `feature ${model.features[t]} is ${v}: every feature needs a finite number`,
      );
    }
    out[t] = model.scaler ? (v - model.scaler.mean[t]!) / model.scaler.std[t]! : v;
  }
  return out;
}

/** The segment of one row given in the original (unscaled) feature space. */
export function predict(model: KMeansModel, row: ArrayLike<number>): Prediction {
  const x = scaleRow(model, row);
  let segment = 0;
  let best = Number.POSITIVE_INFINITY;
  const distances = model.centroids.map((c, j) => {
    let s = 0;
    for (let t = 0; t < x.length; t++) {
      const v = x[t]! - c[t]!;
      s += v * v;
    }
    // The nearest by squared distance, lowest segment on a tie: as the fit assigns rows.
    if (s < best) {
      best = s;
      segment = j;
    }
    return Math.sqrt(s);
  });
  return { segment, distance: distances[segment]!, distances };
}

/** A model read back from JSON, checked: a clear error rather than a wrong segment. */
export function readModel(json: unknown): KMeansModel {
  const bad = (why: string) =>
    new VisibleError("input", "kmeans.bad_model", `not a k-means model: ${why}`);
  const m = json as Partial<KMeansModel> | null;
  if (!m || typeof m !== "object") throw bad("not an object");
  if (m.version !== MODEL_VERSION) throw bad(`version ${m.version}, expected ${MODEL_VERSION}`);
  const features = m.features;
  if (!Array.isArray(features) || features.length === 0 || !features.every(isString)) {
    throw bad("features must be a non-empty list of names");
  }
  const d = features.length;
  const vector = (v: unknown) => Array.isArray(v) && v.length === d && v.every(Number.isFinite);
  if (m.scaler !== null) {
    const s = m.scaler;
    if (!s || !vector(s.mean) || !vector(s.std) || !s.std.every((v) => v > 0)) {
      throw bad(`scaler needs mean and std (> 0) for ${d} features, or null`);
    }
  }
  if (!Number.isInteger(m.k) || m.k! < 1) throw bad("k must be a positive integer");
  if (!Array.isArray(m.centroids) || m.centroids.length !== m.k || !m.centroids.every(vector)) {
    throw bad(`centroids must be ${m.k} rows of ${d} numbers`);
  }
  for (const key of ["inertia", "iterations", "seed", "starts"] as const) {
    if (!Number.isFinite(m[key])) throw bad(`${key} must be a number`);
  }
  if (m.silhouette !== undefined && !Number.isFinite(m.silhouette)) {
    throw bad("silhouette must be a number");
  }
  return m as KMeansModel;
}

function isString(v: unknown): v is string {
  return typeof v === "string";
}
