// What users are segmented on: the one file to edit to change the features. Each feature is a
// value per user computed in SQL (feature-sql.ts compiles it for PostgreSQL and Redshift) from
// the CSV-fed table (`customers`, one row per user) or, where it has been replicated, the
// Oracle-fed one (`crm.customers`, joined by key). Each also says what a missing value becomes
// and the words a segment's label uses when its centroid stands out on it (explain.ts).

/** Where the features come from, unless a run says otherwise (`--table`, `--key`). */
export const SEGMENT_SOURCE = {
  /** The table segmented: one row per user (the CRM export's table). */
  schema: "public",
  table: "customers",
  key: "user_id",
  /**
   * The Oracle-fed table (AWS DMS → cdc pipeline), joined on `key` = the source's key when it
   * exists; its features are skipped, and the run says why, when it does not (or nothing joins).
   */
  crm: { schema: "crm", table: "customers", key: "customer_id" },
} as const;

/** How a feature's value is computed from one column. */
export type FeatureInput =
  /** The column's value as a number (a text column: only values that parse as numbers). */
  | { kind: "number"; column: string }
  /** Days from the column's date or timestamp to the run's `asOf` (its start, by default). */
  | { kind: "days_since"; column: string }
  /** 1 for true, 0 for false: a segment's centroid is then the share of its users with it. */
  | { kind: "flag"; column: string }
  /** A category mapped to a rank (matched lower-case, trimmed); other values are missing. */
  | { kind: "rank"; column: string; ranks: Record<string, number> };

/**
 * What a missing value (NULL, or text that does not parse) becomes: the median or the mean of the
 * feature over the rows kept, 0, or "skip" — the row is left out of the run (and counted).
 */
export type Missing = "median" | "mean" | "zero" | "skip";
export const MISSING: readonly Missing[] = ["median", "mean", "zero", "skip"];

/**
 * Words for a centroid that stands out on a feature, on its high side (above the mean) or its
 * low side: the first entry whose bounds hold the centroid's value in the feature's own unit.
 * The last entry of each side should have no bounds (the fallback).
 */
export interface Words {
  min?: number;
  max?: number;
  text: string;
}

export interface FeatureDef {
  /** Lower snake case: the feature's name in the model, the API and `--features`. */
  name: string;
  description: string;
  unit: string;
  /** The segmented table, or the Oracle-fed table joined to it. */
  source: "table" | "crm";
  input: FeatureInput;
  /** Default "median" (robust to the long tail of spend and order counts). */
  missing?: Missing;
  /** In the features a run uses when `--features` does not name them. */
  default: boolean;
  high: Words[];
  low: Words[];
}

export const FEATURES: readonly FeatureDef[] = [
  {
    name: "recency_days",
    description: "days since the last purchase",
    unit: "days",
    source: "table",
    input: { kind: "days_since", column: "last_purchase_at" },
    default: true,
    high: [
      { min: 365, text: "lapsed 1+ year" },
      { min: 180, text: "lapsed 180+ days" },
      { min: 90, text: "lapsed 90+ days" },
      { text: "less recent buyers" },
    ],
    low: [
      { max: 7, text: "bought this week" },
      { max: 30, text: "bought in last 30 days" },
      { text: "recent buyers" },
    ],
  },
  {
    name: "frequency",
    description: "orders placed",
    unit: "orders",
    source: "table",
    input: { kind: "number", column: "orders_count" },
    default: true,
    high: [{ min: 20, text: "20+ orders" }, { text: "frequent buyers" }],
    low: [
      { max: 1, text: "one order or none" },
      { max: 5, text: "few orders" },
      { text: "infrequent buyers" },
    ],
  },
  {
    name: "monetary",
    description: "total spend",
    unit: "spend",
    source: "table",
    input: { kind: "number", column: "total_spend" },
    default: true,
    high: [{ min: 5000, text: "top spend (5k+)" }, { text: "high spend" }],
    low: [{ max: 50, text: "very low spend" }, { text: "low spend" }],
  },
  {
    name: "engagement",
    description: "subscribed to the newsletter (share of the segment)",
    unit: "share subscribed",
    source: "table",
    input: { kind: "flag", column: "is_subscribed" },
    default: true,
    high: [{ min: 0.5, text: "subscribed" }, { text: "more often subscribed" }],
    low: [{ max: 0.5, text: "not subscribed" }, { text: "less often subscribed" }],
  },
  {
    name: "tenure_days",
    description: "days since sign-up",
    unit: "days",
    source: "table",
    input: { kind: "days_since", column: "signup_date" },
    default: true,
    high: [
      { min: 3650, text: "customers 10+ years" },
      { min: 1825, text: "customers 5+ years" },
      { text: "long-standing" },
    ],
    low: [{ max: 365, text: "new (under 1 year)" }, { text: "newer customers" }],
  },
  {
    name: "loyalty",
    description: "loyalty tier (bronze 1, silver 2, gold 3)",
    unit: "tier",
    source: "table",
    input: { kind: "rank", column: "loyalty_tier", ranks: { bronze: 1, silver: 2, gold: 3 } },
    // Only newer exports carry the tier: most rows would be imputed. Ask for it by name.
    default: false,
    high: [{ min: 2.5, text: "gold tier" }, { text: "higher tier" }],
    low: [{ max: 1.5, text: "bronze tier" }, { text: "lower tier" }],
  },
  {
    name: "crm_spend",
    description: "total spend recorded in the Oracle CRM",
    unit: "spend",
    source: "crm",
    input: { kind: "number", column: "total_spend" },
    default: true,
    high: [{ text: "high CRM spend" }],
    low: [{ text: "low CRM spend" }],
  },
];

/** A run's defaults beside the features (the CLI's and the scheduler's). */
export const SEGMENT_DEFAULTS = {
  k: "auto" as number | "auto",
  scale: "standard" as "standard" | "none",
  starts: 10,
  seed: 42,
  /** `--k auto` tries k from 2 to this (capped at the number of users). */
  kMax: 8,
};

export function featureNames(): string[] {
  return FEATURES.map((f) => f.name);
}

export function findFeature(name: string): FeatureDef | undefined {
  return FEATURES.find((f) => f.name === name);
}
