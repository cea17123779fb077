// Segments people can read: a short label per segment from what sets its centroid apart (the
// features on which it sits farthest from the mean, in words from features.ts), each segment's
// profile in the features' own units, and for one user why this segment — the distance to every
// centroid, and which features decided between the nearest and the runner-up.
import { type FeatureDef, findFeature, type Words } from "./features";
import { type KMeansModel, predict, scaleRow } from "./kmeans";
import type { Drift, FeatureStats, SegmentProfile } from "./model";
import { MAX_LABEL } from "./store";

/** Below this many standard deviations from the mean a centroid does not stand out on a feature. */
export const STANDS_OUT = 0.3;
/** Features a label names at most (more only to tell two segments apart). */
export const LABEL_PARTS = 2;

/** A centroid in each feature's own unit (undoing the model's scaler). */
export function rawCentroids(model: KMeansModel): number[][] {
  return model.centroids.map((c) =>
    c.map((v, t) => (model.scaler ? v * model.scaler.std[t]! + model.scaler.mean[t]! : v)),
  );
}

/** How far each centroid sits from the feature's mean, in its standard deviations (0 for a constant). */
export function centroidZ(model: KMeansModel, stats: readonly FeatureStats[]): number[][] {
  return rawCentroids(model).map((c) =>
    c.map((v, t) => {
      const s = stats[t]!;
      return s.std > 0 ? (v - s.mean) / s.std : 0;
    }),
  );
}

function pick(words: readonly Words[], raw: number): string | null {
  const w = words.find(
    (w) => (w.min === undefined || raw >= w.min) && (w.max === undefined || raw <= w.max),
  );
  return w?.text ?? null;
}

/** The words for a centroid's value on a feature, on the side of the mean it sits. */
export function describe(
  def: FeatureDef | undefined,
  name: string,
  z: number,
  raw: number,
): string {
  const side = z > 0 ? "high" : "low";
  return (def && pick(def[side], raw)) ?? `${side} ${name.replace(/_/g, " ")}`;
}

function fit(parts: string[]): string {
  const out: string[] = [];
  for (const p of parts) {
    const next = [...out, p].join(", ");
    if (next.length > MAX_LABEL) break;
    out.push(p);
  }
  if (out.length) return out.join(", ");
  const first = parts[0] ?? "";
  return first.length > MAX_LABEL ? `${first.slice(0, MAX_LABEL - 1)}…` : first;
}

/**
 * One label per segment, at most 80 characters and all different: the words of the (up to two)
 * features its centroid stands out on most; more features for segments that would read alike;
 * "typical customers" for a centroid near the mean on every feature; ` #j` as the last resort.
 */
export function labelSegments(model: KMeansModel, stats: readonly FeatureStats[]): string[] {
  const raw = rawCentroids(model);
  const z = centroidZ(model, stats);
  const names = model.features;
  const order = z.map((zs) =>
    zs
      .map((v, t) => ({ t, a: Math.abs(v) }))
      .filter((x) => x.a >= STANDS_OUT)
      .sort((x, y) => y.a - x.a || x.t - y.t)
      .map((x) => x.t),
  );
  const parts = (j: number, m: number) => [
    ...new Set(
      order[j]!.slice(0, m).map((t) =>
        describe(findFeature(names[t]!), names[t]!, z[j]![t]!, raw[j]![t]!),
      ),
    ),
  ];
  // Two labels read alike when they say the same things, in any order.
  const same = (ps: string[][]) => {
    const keys = ps.map((p) => [...p].sort().join("\n"));
    return keys.map((key, j) => keys.indexOf(key) !== j || keys.lastIndexOf(key) !== j);
  };
  const m = model.centroids.map(() => LABEL_PARTS);
  let said = m.map((mj, j) => parts(j, mj));
  // Segments that read alike get one more feature each, while they have one to give.
  for (let round = 0; round < names.length; round++) {
    const dup = same(said);
    if (!dup.some(Boolean)) break;
    let grew = false;
    said = said.map((p, j) => {
      if (!dup[j] || m[j]! >= order[j]!.length) return p;
      m[j]!++;
      grew = true;
      return parts(j, m[j]!);
    });
    if (!grew) break;
  }
  const dup = same(said);
  const labels = said.map((p) => (p.length ? fit(p) : "typical customers"));
  return labels.map((l, j) => {
    if (!dup[j] && labels.indexOf(l) === labels.lastIndexOf(l)) return l;
    const tag = ` #${j}`;
    const room = MAX_LABEL - tag.length;
    return `${l.length > room ? `${l.slice(0, room - 1)}…` : l}${tag}`;
  });
}

export interface ProfileInput {
  runId: string;
  createdAt: string;
  asOf: string;
  table: string;
  key: string;
  crmTable: string | null;
  scale: "standard" | "none";
  model: KMeansModel;
  stats: FeatureStats[];
  featuresSkipped: { name: string; reason: string }[];
  sizes: number[];
  labels: string[];
  drift: Drift | null;
}

/** What a run leaves beside its model: features, and each segment's label, size and centroid. */
export function buildProfile(p: ProfileInput): SegmentProfile {
  // A centroid is a mean of its users: within the feature's range (but for rounding in the
  // scaler's round trip, which would show a share of −5e-17).
  const raw = rawCentroids(p.model).map((c) =>
    c.map((v, t) => Math.min(p.stats[t]!.max, Math.max(p.stats[t]!.min, v))),
  );
  const z = centroidZ(p.model, p.stats);
  const total = p.sizes.reduce((a, b) => a + b, 0);
  const byName = <T>(vs: T[]) => Object.fromEntries(p.model.features.map((f, t) => [f, vs[t]!]));
  return {
    version: 1,
    runId: p.runId,
    createdAt: p.createdAt,
    asOf: p.asOf,
    table: p.table,
    key: p.key,
    crmTable: p.crmTable,
    scale: p.scale,
    features: p.stats.map((s) => {
      const def = findFeature(s.name);
      return { ...s, description: def?.description ?? s.name, unit: def?.unit ?? "" };
    }),
    featuresSkipped: p.featuresSkipped,
    k: p.model.k,
    inertia: p.model.inertia,
    silhouette: p.model.silhouette ?? null,
    segments: p.model.centroids.map((_, j) => ({
      segment: j,
      label: p.labels[j]!,
      size: p.sizes[j] ?? 0,
      share: total ? (p.sizes[j] ?? 0) / total : 0,
      centroid: byName(raw[j]!),
      z: byName(z[j]!),
    })),
    drift: p.drift,
  };
}

export interface FeatureContribution {
  name: string;
  /** The user's value, and the two centroids', in the feature's own unit. */
  value: number;
  nearest: number;
  runnerUp: number;
  /**
   * (x − runner-up)² − (x − nearest)² in the fitted space: how much this feature pulls the user
   * towards the nearest centroid (negative: towards the runner-up). They sum to the margin.
   */
  contribution: number;
  /** contribution / margin. */
  share: number;
}

export interface RowExplanation {
  segment: number;
  distance: number;
  /** To every centroid, by segment, in the fitted space (what predict computes). */
  distances: number[];
  runnerUp: number | null;
  /** Squared distance to the runner-up minus to the nearest (0 with one segment). */
  margin: number;
  /** The features, most decisive first. */
  decidedBy: FeatureContribution[];
}

/** Why a row (raw feature values, missing ones filled) falls in its segment. */
export function explainRow(model: KMeansModel, row: ArrayLike<number>): RowExplanation {
  const p = predict(model, row);
  const x = scaleRow(model, row);
  const raw = rawCentroids(model);
  let runnerUp: number | null = null;
  for (let j = 0; j < model.k; j++) {
    if (j === p.segment) continue;
    if (runnerUp === null || p.distances[j]! < p.distances[runnerUp]!) runnerUp = j;
  }
  const c1 = model.centroids[p.segment]!;
  const c2 = runnerUp === null ? c1 : model.centroids[runnerUp]!;
  const parts = model.features.map((name, t) => ({
    name,
    value: row[t]!,
    nearest: raw[p.segment]![t]!,
    runnerUp: raw[runnerUp ?? p.segment]![t]!,
    contribution: (x[t]! - c2[t]!) ** 2 - (x[t]! - c1[t]!) ** 2,
  }));
  const margin = parts.reduce((s, f) => s + f.contribution, 0);
  return {
    segment: p.segment,
    distance: p.distance,
    distances: p.distances,
    runnerUp,
    margin,
    decidedBy: parts
      .map((f) => ({ ...f, share: margin > 0 ? f.contribution / margin : 0 }))
      .sort((a, b) => b.contribution - a.contribution),
  };
}
