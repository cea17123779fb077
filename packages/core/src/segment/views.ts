// What the API serves about segmentation: the runs (from the run store, with their stats), a run's
// profile (from the lake, beside its model), drift between two runs (SQL over _cdp.segments), and
// why one user is in their segment (the run's model over the user's features, recomputed).
import type { ObjectStore } from "../lake/lake";
import type { Operations } from "../run/operations";
import { VisibleError } from "../util/error";
import type { Warehouse } from "../warehouse/warehouse";
import { explainRow } from "./explain";
import { planFeatures, userFeaturesSql } from "./feature-sql";
import { findFeature } from "./features";
import { type Drift, PIPELINE, SegmentStats } from "./model";
import { readProfile, readRunModel } from "./results-format";

export { readProfile, readRunModel };

import { drift, previousRun, segmentRuns, userSegment } from "./store";

export interface SegmentRunSummary {
  runId: string;
  createdAt: string;
  finishedAt: string | null;
  table: string | null;
  key: string | null;
  features: string[];
  k: number | null;
  kChosenBy: "given" | "silhouette" | null;
  inertia: number | null;
  silhouette: number | null;
  sizes: number[];
  labels: string[];
  rowsRead: number;
  rowsSkipped: number;
  rowsImputed: number;
  modelKey: string | null;
  resultKey: string | null;
  previousRunId: string | null;
  moved: number | null;
}

/** Successful segment runs, newest first. */
export async function listSegmentRuns(ops: Operations, limit = 50): Promise<SegmentRunSummary[]> {
  const page = await ops.list({ pipeline: [PIPELINE], status: ["SUCCEEDED"], limit });
  return page.items.map((r) => {
    const s = SegmentStats.parse(r.stats ?? {});
    return {
      runId: r.id,
      createdAt: r.createdAt,
      finishedAt: r.finishedAt,
      table: s.table,
      key: s.key,
      features: s.features.map((f) => f.name),
      k: s.k,
      kChosenBy: s.kChosenBy,
      inertia: s.inertia,
      silhouette: s.silhouette,
      sizes: s.sizes,
      labels: s.labels,
      rowsRead: s.rowsRead,
      rowsSkipped: s.rowsSkipped,
      rowsImputed: s.rowsImputed,
      modelKey: s.modelKey,
      resultKey: s.resultKey,
      previousRunId: s.previousRunId,
      moved: s.moved,
    };
  });
}

/** The run given, or the latest loaded into the warehouse (what downstream reads). */
export async function resolveRun(wh: Warehouse, runId?: string): Promise<string> {
  if (runId) return runId;
  const [latest] = await segmentRuns(wh, 1);
  if (!latest) {
    throw new VisibleError("not_found", "segment.no_runs", "no segment run yet: run `cdp segment`");
  }
  return latest.runId;
}

export interface DriftView extends Drift {
  fromLabels: string[];
  toLabels: string[];
}

/** Drift from run `from` (default: the run before `to`) to run `to` (default: the latest). */
export async function driftBetween(
  wh: Warehouse,
  lake: ObjectStore,
  q: { from?: string; to?: string },
): Promise<DriftView> {
  const to = await resolveRun(wh, q.to);
  const from = q.from ?? (await previousRun(wh, to));
  if (!from) {
    throw new VisibleError(
      "not_found",
      "segment.no_previous",
      `no run before ${to} to compare it with`,
    );
  }
  const d = await drift(wh, from, to);
  const labels = async (id: string, k: number) =>
    readProfile(lake, id)
      .then((p) => p.segments.map((s) => s.label))
      .catch(() => Array.from({ length: k }, (_, j) => `segment ${j}`));
  return {
    ...d,
    fromLabels: await labels(from, d.fromSizes.length),
    toLabels: await labels(to, d.toSizes.length),
  };
}

export interface UserWhy {
  runId: string;
  userId: string;
  /** As the run stored it (the segments table). */
  segment: number;
  label: string;
  distance: number;
  /** The user's features now (missing ones filled as the run filled them), in their own units. */
  features: { name: string; unit: string; value: number; imputed: boolean }[] | null;
  /** The run's model applied to those features: null when the user has left the table. */
  current: { segment: number; label: string; distance: number } | null;
  /** Whether the model still puts the user where the run did (false: the data changed since). */
  consistent: boolean | null;
  distances: { segment: number; label: string; distance: number }[];
  runnerUp: number | null;
  /** Squared distance to the runner-up minus to the nearest centroid, in the fitted space. */
  margin: number | null;
  /** Each feature's pull towards the nearest centroid (vs the runner-up), most decisive first. */
  decidedBy: {
    name: string;
    value: number;
    nearest: number;
    runnerUp: number;
    contribution: number;
    share: number;
  }[];
}

/** Why a user is in their segment of a run (default: the latest run). */
export async function explainUser(
  wh: Warehouse,
  lake: ObjectStore,
  userId: string,
  runId?: string,
): Promise<UserWhy> {
  const run = await resolveRun(wh, runId);
  const stored = await userSegment(wh, run, userId);
  if (!stored) {
    throw new VisibleError(
      "not_found",
      "segment.no_user",
      `user ${userId} is not in segment run ${run}`,
    );
  }
  const [model, profile] = [await readRunModel(lake, run), await readProfile(lake, run)];
  const labelOf = (j: number) => profile.segments[j]?.label ?? `segment ${j}`;
  const plan = await planFeatures(wh, {
    table: profile.table,
    key: profile.key,
    features: model.features.filter((f) => findFeature(f)),
    asOf: profile.asOf,
    dialect: wh.dialect,
  });
  const base: UserWhy = {
    runId: run,
    userId,
    segment: stored.segment,
    label: stored.label,
    distance: stored.distance,
    features: null,
    current: null,
    consistent: null,
    distances: [],
    runnerUp: null,
    margin: null,
    decidedBy: [],
  };
  // Features renamed or dropped from features.ts since the run: the model cannot be applied.
  if (plan.features.map((f) => f.def.name).join() !== model.features.join()) return base;
  const [row] = await wh.query<Record<string, unknown>>(userFeaturesSql(plan), [userId]);
  if (!row) return base;
  const features = model.features.map((name, t) => {
    const v = row[name];
    const stat = profile.features.find((f) => f.name === name);
    const imputed = v == null;
    return {
      name,
      unit: stat?.unit ?? "",
      value: imputed ? (stat?.fill ?? stat?.mean ?? 0) : Number(v),
      imputed,
      t,
    };
  });
  const e = explainRow(
    model,
    features.map((f) => f.value),
  );
  return {
    ...base,
    features: features.map(({ t: _t, ...f }) => f),
    current: { segment: e.segment, label: labelOf(e.segment), distance: e.distance },
    consistent: e.segment === stored.segment,
    distances: e.distances.map((distance, segment) => ({
      segment,
      label: labelOf(segment),
      distance,
    })),
    runnerUp: e.runnerUp,
    margin: e.margin,
    decidedBy: e.decidedBy,
  };
}
