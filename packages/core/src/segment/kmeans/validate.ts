// Input checks with messages that say what to change: a k-means fit on bad input fails here,
// before any work, never with NaN centroids.
import { VisibleError } from "../../util/error";

function invalid(code: string, message: string): VisibleError {
  return new VisibleError("input", `kmeans.${code}`, message);
}

function positiveInt(name: string, v: unknown, min = 1): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw invalid("bad_option", `${name} must be an integer ≥ ${min}, got ${String(v)}`);
  }
  return v;
}

/** n rows × d features in `data`, every value finite; `names` labels features in messages. */
export function checkData(data: Float64Array, n: number, d: number, names?: readonly string[]) {
  if (!(data instanceof Float64Array)) {
    throw invalid("bad_data", "data must be a Float64Array of n × d values, row-major");
  }
  if (d === 0) throw invalid("no_features", "no features (d = 0): give at least one column");
  positiveInt("d (features)", d);
  if (n === 0) throw invalid("no_rows", "no rows (n = 0): nothing to cluster");
  positiveInt("n (rows)", n);
  if (data.length < n * d) {
    throw invalid("bad_data", `data has ${data.length} values, n × d = ${n} × ${d} needs ${n * d}`);
  }
  if (names && names.length !== d) {
    throw invalid("bad_option", `${names.length} feature names for ${d} features`);
  }
  for (let i = 0; i < n * d; i++) {
    const v = data[i]!;
    if (v - v !== 0) {
      // NaN or ±Infinity (x − x is 0 for every finite x).
      const t = i % d;
      throw invalid(
        "not_finite",
        `row ${Math.floor(i / d)}, feature ${names?.[t] ?? t} is ${v}: every value must be a finite number (impute or drop missing values first)`,
      );
    }
  }
}

export interface CheckedOptions {
  k: number;
  seed: number;
  starts: number;
  maxIterations: number;
  tolerance: number;
  workers: number | undefined;
}

export function checkOptions(
  n: number,
  o: {
    k: unknown;
    seed?: unknown;
    starts?: unknown;
    maxIterations?: unknown;
    tolerance?: unknown;
    workers?: unknown;
  },
): CheckedOptions {
  const k = positiveInt("k", o.k);
  if (k > n) {
    throw invalid("k_above_n", `k = ${k} segments, but only ${n} row${n === 1 ? "" : "s"}: k ≤ n`);
  }
  const seed = o.seed ?? 0;
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    throw invalid("bad_option", `seed must be an integer, got ${String(seed)}`);
  }
  const tolerance = o.tolerance ?? 1e-4;
  if (typeof tolerance !== "number" || !(tolerance >= 0) || !Number.isFinite(tolerance)) {
    throw invalid("bad_option", `tolerance must be a number ≥ 0, got ${String(tolerance)}`);
  }
  return {
    k,
    seed,
    starts: positiveInt("starts", o.starts ?? 10),
    maxIterations: positiveInt("maxIterations", o.maxIterations ?? 300),
    tolerance,
    workers: o.workers === undefined ? undefined : positiveInt("workers", o.workers, 0),
  };
}
