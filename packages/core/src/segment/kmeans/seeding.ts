// k-means++ seeding (Arthur & Vassilvitskii, "k-means++: the advantages of careful seeding",
// SODA 2007), in its greedy form as scikit-learn runs it: each new centre is the best of
// 2 + ⌊ln k⌋ candidates drawn with probability proportional to D² (the squared distance to the
// nearest centre so far), "best" meaning the one that lowers the total D² most. The distance
// passes run on the engine (block by block, possibly on workers); the draws run here, on one
// random stream, over the per-block totals, so the centres do not depend on the worker count.
import { VisibleError } from "../../util/error";
import { type Engine, OP, seedTrials } from "./engine";
import type { Rng } from "./random";

/** The initial centroids, k × d row-major. Throws when the data has fewer than k distinct rows. */
export async function seedPlusPlus(e: Engine, rng: Rng): Promise<Float64Array> {
  const { n, d, k, data, cand, partial, stride, nBlocks } = e.st;
  const trials = seedTrials(k);
  const centers = new Float64Array(k * d);
  const blockTotals = new Float64Array(nBlocks);
  const readTotals = () => {
    let pot = 0;
    for (let b = 0; b < nBlocks; b++) {
      blockTotals[b] = partial[b * stride]!;
      pot += blockTotals[b]!;
    }
    return pot;
  };
  const first = rng.below(n);
  cand.set(data.subarray(first * d, first * d + d), 0);
  centers.set(cand.subarray(0, d), 0);
  await e.run(OP.seedFirst, [1]);
  let pot = readTotals();
  for (let c = 1; c < k; c++) {
    if (!(pot > 0)) throw tooFewDistinct(k, c);
    const picks: number[] = [];
    for (let j = 0; j < trials; j++) {
      const row = drawD2(e, blockTotals, rng.next() * pot);
      picks.push(row);
      cand.set(data.subarray(row * d, row * d + d), j * d);
    }
    await e.run(OP.seedTrials, [trials]);
    let best = 0;
    let bestPot = Number.POSITIVE_INFINITY;
    for (let j = 0; j < trials; j++) {
      let p = 0;
      for (let b = 0; b < nBlocks; b++) p += partial[b * stride + j]!;
      if (p < bestPot) {
        bestPot = p;
        best = j;
      }
    }
    const row = picks[best]!;
    cand.set(data.subarray(row * d, row * d + d), 0);
    centers.set(cand.subarray(0, d), c * d);
    await e.run(OP.seedCommit, [1]);
    pot = readTotals();
  }
  return centers;
}

/**
 * The row where the running sum of D² first exceeds r (so a row with D² = 0, a copy of a
 * centre, is never drawn): the block by its total, then the row within it.
 */
function drawD2(e: Engine, blockTotals: Float64Array, r: number): number {
  const { n, blockSize, upper: closest } = e.st;
  let last = -1;
  let found = false;
  for (let b = 0; b < blockTotals.length; b++) {
    const t = blockTotals[b]!;
    if (!(t > 0)) continue;
    last = b;
    if (r < t) {
      found = true;
      break;
    }
    r -= t;
  }
  // Rounding may leave r past the grand total: then the last row with D² > 0.
  if (!found) r = Number.POSITIVE_INFINITY;
  const from = last * blockSize;
  const to = Math.min(n, from + blockSize);
  let pick = -1;
  for (let i = from; i < to; i++) {
    const v = closest[i]!;
    if (!(v > 0)) continue;
    pick = i;
    if (r < v) break;
    r -= v;
  }
  return pick;
}

export function tooFewDistinct(k: number, found: number): VisibleError {
  return new VisibleError(
    "input",
    "kmeans.too_few_distinct",
    `k = ${k}, but the data has only ${found} distinct row${found === 1 ? "" : "s"}: choose k ≤ ${found}`,
  );
}
