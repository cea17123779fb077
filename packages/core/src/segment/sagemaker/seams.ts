// Where the SageMaker path meets the rest of the segment pipeline: the feature query it exports
// (features.ts supplies it) and the labels it gives the segments (the labels module supplies them).
// Both are plain functions handed to the steps, so the path runs with either the pipeline's own or
// the simple ones here.

import { VisibleError } from "../../util/error";
import { ident, qualified } from "../../warehouse/ident";
import type { Dialect } from "../../warehouse/warehouse";
import type { Scaler } from "../kmeans";

/**
 * The feature query for a run: one SELECT over the warehouse whose first column is the user key
 * and every other column a numeric feature, named as the features are to be called. NULL features
 * are imputed in it or left for the export to count and skip.
 */
export type FeatureSelect = (
  args: Record<string, unknown>,
  dialect: Dialect,
) => string | Promise<string>;

/** What a segment's label is made from: its centroid among the others (in the fitted space). */
export interface SegmentProfile {
  features: string[];
  /** k × features, standardised when `scaler` is not null. */
  centroids: number[][];
  scaler: Scaler | null;
  /** Users per segment. */
  sizes: number[];
}

/** One short label per segment (at most 80 characters each: it goes to Salesforce). */
export type LabelSegments = (profile: SegmentProfile) => string[] | Promise<string[]>;

export const MAX_LABEL_CHARS = 80;

/** Until the labels module is wired in: "segment 0", "segment 1", … */
export const placeholderLabels: LabelSegments = (p) => p.centroids.map((_, j) => `segment ${j}`);

/**
 * The feature query from explicit arguments (`cdp segment --table T --key K --features a,b,c`):
 * `SELECT "K", "a", "b", "c" FROM "schema"."T"`, names checked by the one quoting function.
 * Without them there is no feature set to export: the pipeline's features.ts gives the default.
 */
export const featureSelectFromArgs: FeatureSelect = (args) => {
  const table = typeof args.table === "string" ? args.table : null;
  const key = typeof args.key === "string" ? args.key : null;
  const features = Array.isArray(args.features) ? args.features.map(String) : [];
  if (!table || !key || !features.length) {
    throw new VisibleError(
      "input",
      "segment.no_features",
      "no feature set: give table, key and features (or wire the pipeline's features.ts)",
    );
  }
  const [schema, name] = table.includes(".") ? table.split(".", 2) : ["public", table];
  return `SELECT ${[key, ...features].map(ident).join(", ")} FROM ${qualified(schema!, name!)}`;
};
