// The segment pipeline's model: its arguments, its stats, and the profile a run leaves beside its
// model in the lake (ml/models/<runId>/profile.json). The API parses with these; the console and
// the CLI read the types.
import { z } from "zod";
import type { RunFacts } from "../pipeline";
import { featureNames, MISSING } from "./features";

export const PIPELINE = "segment";

/** The most segments a run may ask for. */
export const MAX_K = 100;

const knownFeature = z.string().superRefine((name, ctx) => {
  if (!featureNames().includes(name)) {
    ctx.addIssue({
      code: "custom",
      message: `unknown feature "${name}" (configured: ${featureNames().join(", ")})`,
    });
  }
});

export const SegmentArgs = z.looseObject({
  /** The table segmented, `table` or `schema.table` (default: features.ts SEGMENT_SOURCE). */
  table: z.string().min(1).max(130).optional(),
  /** Its key column: one row per value (default: SEGMENT_SOURCE.key). */
  key: z.string().min(1).max(63).optional(),
  /** Features by name, from features.ts (default: those marked default). */
  features: z.array(knownFeature).min(1).optional(),
  /** Segments, or "auto": k from 2 to SEGMENT_DEFAULTS.kMax, chosen by silhouette. */
  k: z.union([z.number().int().min(1).max(MAX_K), z.literal("auto")]).optional(),
  scale: z.enum(["standard", "none"]).optional(),
  starts: z.number().int().min(1).max(100).optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  /** Overrides every feature's missing-value rule (features.ts). */
  missing: z.enum(MISSING as [string, ...string[]]).optional(),
  /** The instant "days since" is measured to (default: when the run started). */
  asOf: z.string().datetime({ offset: true }).optional(),
});
export type SegmentArgs = z.infer<typeof SegmentArgs>;

export const FeatureStats = z.object({
  name: z.string(),
  /** Where it was read: `customers.total_spend`, `crm.customers.total_spend`. */
  column: z.string(),
  missing: z.enum(MISSING as [string, ...string[]]),
  /** Rows (of those read) without a value. */
  missingCount: z.number().int().default(0),
  /** Rows whose missing value was filled with `fill`. */
  imputed: z.number().int().default(0),
  /** Rows left out because this feature was missing (its rule is "skip"). */
  skipped: z.number().int().default(0),
  fill: z.number().nullable().default(null),
  /** Over the rows fitted, after filling, in the feature's unit. */
  mean: z.number().default(0),
  std: z.number().default(0),
  min: z.number().default(0),
  max: z.number().default(0),
});
export type FeatureStats = z.output<typeof FeatureStats>;

export const SkippedFeature = z.object({ name: z.string(), reason: z.string() });
export type SkippedFeature = z.output<typeof SkippedFeature>;

export const Drift = z.object({
  from: z.string(),
  to: z.string(),
  /** Users per segment in each run. */
  fromSizes: z.array(z.number().int()),
  toSizes: z.array(z.number().int()),
  /** matrix[i][j]: users in segment i of `from` and segment j of `to`. */
  matrix: z.array(z.array(z.number().int())),
  /** Users of `to` (by segment) not in `from`, and users of `from` (by segment) not in `to`. */
  entered: z.array(z.number().int()),
  left: z.array(z.number().int()),
  /** Users in both runs whose segment number stayed the same / changed. */
  stayed: z.number().int(),
  moved: z.number().int(),
});
export type Drift = z.output<typeof Drift>;

export const SegmentStats = z.looseObject({
  /** `public.customers` */
  table: z.string().nullable().default(null),
  key: z.string().nullable().default(null),
  /** The Oracle-fed table joined, or null (featuresSkipped says why). */
  crmTable: z.string().nullable().default(null),
  asOf: z.string().nullable().default(null),
  scale: z.enum(["standard", "none"]).nullable().default(null),
  features: z.array(FeatureStats).default([]),
  featuresSkipped: z.array(SkippedFeature).default([]),
  /** Users read from the table. */
  rowsRead: z.number().int().default(0),
  /** Users left out (a "skip" feature missing), and users with at least one value filled. */
  rowsSkipped: z.number().int().default(0),
  rowsImputed: z.number().int().default(0),
  /** Rows written to the warehouse's segments table. */
  rowsLoaded: z.number().int().default(0),
  k: z.number().int().nullable().default(null),
  kChosenBy: z.enum(["given", "silhouette"]).nullable().default(null),
  kScores: z
    .array(
      z.object({ k: z.number().int(), silhouette: z.number().nullable(), inertia: z.number() }),
    )
    .default([]),
  /** Σ squared distance to the nearest centroid, in the fitted (scaled) space. */
  inertia: z.number().nullable().default(null),
  /** Mean silhouette on a sample of at most 5,000 users. */
  silhouette: z.number().nullable().default(null),
  iterations: z.number().int().nullable().default(null),
  converged: z.boolean().nullable().default(null),
  /**
   * The run whose segment numbers this run follows (same k and features: each segment took the
   * number of the previous centroid nearest it), or null: numbered largest first.
   */
  alignedWith: z.string().nullable().default(null),
  /** Users per segment, indexed by segment. */
  sizes: z.array(z.number().int()).default([]),
  labels: z.array(z.string()).default([]),
  modelKey: z.string().nullable().default(null),
  resultKey: z.string().nullable().default(null),
  profileKey: z.string().nullable().default(null),
  /** The run before this one in the segments table, and how many users changed segment since. */
  previousRunId: z.string().nullable().default(null),
  moved: z.number().int().nullable().default(null),
  stayed: z.number().int().nullable().default(null),
});
export type SegmentStats = z.output<typeof SegmentStats>;

export const SegmentProfile = z.object({
  version: z.literal(1),
  runId: z.string(),
  createdAt: z.string(),
  asOf: z.string(),
  table: z.string(),
  key: z.string(),
  crmTable: z.string().nullable(),
  scale: z.enum(["standard", "none"]),
  features: z.array(FeatureStats.extend({ description: z.string(), unit: z.string() })),
  featuresSkipped: z.array(SkippedFeature),
  k: z.number().int(),
  inertia: z.number(),
  silhouette: z.number().nullable(),
  segments: z.array(
    z.object({
      segment: z.number().int(),
      label: z.string(),
      size: z.number().int(),
      /** Share of the run's users. */
      share: z.number(),
      /** The centroid in each feature's own unit (a flag: the share with it). */
      centroid: z.record(z.string(), z.number()),
      /** How far it sits from the mean, in standard deviations of the feature. */
      z: z.record(z.string(), z.number()),
    }),
  ),
  /** Against the run before (null for the first run). */
  drift: Drift.nullable(),
});
export type SegmentProfile = z.output<typeof SegmentProfile>;

/** A run's subject: `public.customers → 4 segments`. */
export function segmentSubject(run: RunFacts): string | null {
  const st = SegmentStats.safeParse(run.stats);
  const table = st.success && st.data.table ? st.data.table : run.args.table;
  const k = st.success ? st.data.k : null;
  if (typeof table !== "string") return k ? `${k} segments` : null;
  return k ? `${table} → ${k} segment${k === 1 ? "" : "s"}` : table;
}

/** A run's counts: `560 users · 4 segments · 12 imputed · 3 skipped · 40 moved`. */
export function segmentCounts(run: RunFacts): string | null {
  const st = SegmentStats.safeParse(run.stats);
  if (!st.success) return null;
  const s = st.data;
  const parts = [`${s.rowsRead} users`];
  if (s.k) parts.push(`${s.k} segments`);
  if (s.rowsImputed) parts.push(`${s.rowsImputed} imputed`);
  if (s.rowsSkipped) parts.push(`${s.rowsSkipped} skipped`);
  if (s.moved !== null) parts.push(`${s.moved} moved`);
  return parts.join(" · ");
}
