// Standardisation: each feature to mean 0 and standard deviation 1 (the population standard
// deviation, as scikit-learn's StandardScaler), so that no feature weighs in the distances just
// for its unit. A constant feature gets std 1: it is centred, not blown up from rounding noise.
import { allocate } from "./engine";
import type { Scaler } from "./model";
import { checkData } from "./validate";

export interface Standardized {
  /** n × d, scaled, on a SharedArrayBuffer (a fit on workers uses it without a copy). */
  data: Float64Array;
  scaler: Scaler;
}

export function standardize(data: Float64Array, n: number, d: number): Standardized {
  checkData(data, n, d);
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) mean[t]! += data[i * d + t]!;
  for (let t = 0; t < d; t++) mean[t]! /= n;
  // Two passes (mean first): the one-pass Σx² − n·mean² loses the variance of large values.
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < d; t++) {
      const v = data[i * d + t]! - mean[t]!;
      std[t]! += v * v;
    }
  }
  for (let t = 0; t < d; t++) {
    const variance = std[t]! / n;
    // Constant up to rounding (scikit-learn's bound: the mean itself is off by ~n·ε).
    const eps = Number.EPSILON;
    const constant = variance <= n * eps * variance + (n * mean[t]! * eps) ** 2;
    std[t] = constant ? 1 : Math.sqrt(variance);
  }
  const out = allocate(n, d);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < d; t++) out[i * d + t] = (data[i * d + t]! - mean[t]!) / std[t]!;
  }
  return { data: out, scaler: { mean, std } };
}
