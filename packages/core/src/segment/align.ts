// Segment numbers that mean the same from one run to the next. k-means numbers its clusters in no
// particular order (another seed, another start, and the same groups come out renumbered), so a
// daily run would show every user as "moved". Before a run is written its segments are renumbered:
// matched to the previous run's centroids when both runs have the same k and features (nearest
// pairs first, in the new run's fitted space), else largest first.

import { rawCentroids } from "./explain";
import { type KMeansModel, scaleRow } from "./kmeans";

export interface Numbered {
  model: KMeansModel;
  assignments: Int32Array;
  sizes: number[];
}

/** order[newNumber] = the segment (as fitted) that takes that number. */
export function alignmentOrder(cur: Numbered, previous: KMeansModel | null): number[] {
  const k = cur.model.k;
  const bySize = Array.from({ length: k }, (_, j) => j).sort(
    (a, b) => cur.sizes[b]! - cur.sizes[a]! || a - b,
  );
  if (!previous || previous.k !== k || previous.features.join() !== cur.model.features.join()) {
    return bySize;
  }
  const prev = rawCentroids(previous).map((c) => scaleRow(cur.model, c));
  const pairs: { j: number; p: number; d: number }[] = [];
  cur.model.centroids.forEach((c, j) => {
    prev.forEach((q, p) => {
      let d = 0;
      for (let t = 0; t < c.length; t++) d += (c[t]! - q[t]!) ** 2;
      pairs.push({ j, p, d });
    });
  });
  pairs.sort((a, b) => a.d - b.d || a.p - b.p || a.j - b.j);
  const order = new Array<number>(k).fill(-1);
  const taken = new Set<number>();
  for (const { j, p } of pairs) {
    if (order[p] !== -1 || taken.has(j)) continue;
    order[p] = j;
    taken.add(j);
  }
  return order;
}

/** The fit with its segments renumbered by `order` (centroids, assignments, sizes). */
export function renumber<T extends Numbered>(f: T, order: number[]): T {
  const to = new Int32Array(order.length);
  order.forEach((j, number) => {
    to[j] = number;
  });
  const assignments = new Int32Array(f.assignments.length);
  for (let i = 0; i < assignments.length; i++) assignments[i] = to[f.assignments[i]!]!;
  return {
    ...f,
    model: { ...f.model, centroids: order.map((j) => f.model.centroids[j]!) },
    assignments,
    sizes: order.map((j) => f.sizes[j]!),
  };
}
