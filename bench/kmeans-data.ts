// The k-means benchmark's data: six gaussian blobs in d features, of different spreads and
// sizes, whose centres are at least MIN_GAP apart (so the blobs overlap by their spread, not
// because two centres fell together), plus 1 % uniform noise over a wider box. Seeded: the
// same rows in every process that asks for them.
import { Rng } from "../packages/core/src/segment/kmeans/index";

export const BLOBS = 6;
const NOISE = 0.01;
const BOX = 10;
const MIN_GAP = 8;

/** Fills `out` (n × d, row-major) with the rows of `seed`. */
export function fillBlobs(out: Float64Array, n: number, d: number, seed: number): Float64Array {
  const rng = new Rng(seed, 1);
  const centres: number[][] = [];
  while (centres.length < BLOBS) {
    const c = Array.from({ length: d }, () => rng.next() * BOX);
    if (centres.every((o) => Math.hypot(...o.map((v, t) => v - c[t]!)) >= MIN_GAP)) centres.push(c);
  }
  // Standard deviations 0.8 … 1.8; sizes in proportion 1 : 1.5 : 2 : … : 3.5.
  const spread = Array.from({ length: BLOBS }, (_, j) => 0.8 + 0.2 * j);
  const weights = Array.from({ length: BLOBS }, (_, j) => 1 + 0.5 * j);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative = weights.map(
    (_, j) => weights.slice(0, j + 1).reduce((a, b) => a + b, 0) / total,
  );
  for (let i = 0; i < n; i++) {
    if (rng.next() < NOISE) {
      for (let t = 0; t < d; t++) out[i * d + t] = rng.next() * 1.4 * BOX - 0.2 * BOX;
      continue;
    }
    const r = rng.next();
    const j = Math.max(
      0,
      cumulative.findIndex((c) => r < c),
    );
    const c = centres[j]!;
    for (let t = 0; t < d; t++) {
      // Box–Muller.
      const g = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
      out[i * d + t] = c[t]! + spread[j]! * g;
    }
  }
  return out;
}
