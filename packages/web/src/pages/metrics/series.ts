// The Metrics page's maths, apart from any chart library: its time windows, the bucket starts
// covering one and the part of them the charts show, the API's points indexed by metric, pipeline
// and bucket, the series each chart draws, and the one-line summaries above them.
import type { MetricPoint } from "../../api/client";
import { percent } from "../../lib/percent";
import { duration } from "../../lib/time";

export type Window = "1h" | "6h" | "24h" | "7d";

export const windows: Record<
  Window,
  { label: string; words: string; hours: number; bucketMinutes: number }
> = {
  // 1 min is CloudWatch's finest period for standard-resolution metrics, kept 15 days
  // (GetMetricData reference, "Amazon CloudWatch retains metric data as follows").
  "1h": { label: "1 h", words: "the last hour", hours: 1, bucketMinutes: 1 },
  "6h": { label: "6 h", words: "the last 6 hours", hours: 6, bucketMinutes: 5 },
  "24h": { label: "24 h", words: "the last 24 hours", hours: 24, bucketMinutes: 15 },
  "7d": { label: "7 days", words: "the last 7 days", hours: 168, bucketMinutes: 120 },
};

/** The window a URL asks for; 24 h unless it names another. */
export const windowOf = (w: string | null): Window =>
  w === "1h" || w === "6h" || w === "7d" ? w : "24h";

export const bucketLabel = (bucketMinutes: number) =>
  bucketMinutes < 60 ? `${bucketMinutes} min` : `${bucketMinutes / 60} h`;

export const NAMES = [
  "RowsRead",
  "RowsLoaded",
  "RowsInserted",
  "RowsUpdated",
  "RowsUnchanged",
  "RowsQuarantined",
  "RunDuration",
  "RunFailed",
  "RunSucceeded",
  "RunResolved",
] as const;

/** Bucket starts (seconds) covering the window, aligned as the API aligns them. */
export function buckets(hours: number, bucketMinutes: number, now: number): number[] {
  const width = bucketMinutes * 60;
  const end = Math.floor(now / 1000 / width) * width;
  const start = Math.floor((now / 1000 - hours * 3600) / width) * width;
  const out: number[] = [];
  for (let t = start; t <= end; t += width) out.push(t);
  return out;
}

/** The fewest buckets a chart shows, so one run's bar is a bar and the axis still reads as time. */
export const MIN_SHOWN_BUCKETS = 12;

/**
 * The buckets the charts show: from just before the first bucket with data to the end of the
 * window, at least `min` of them. A window whose data covers only its last minutes would
 * otherwise squeeze every bar into a sliver at the right edge. All the window when there is no
 * data, or data from its start.
 */
export function shownBuckets(
  xs: number[],
  first: number | undefined,
  min = MIN_SHOWN_BUCKETS,
): number[] {
  if (first === undefined) return xs;
  let at = xs.findIndex((t) => t >= first);
  if (at === -1) at = xs.length - 1;
  // One empty bucket before the first data, so its bar does not sit on the axis.
  const from = Math.max(0, Math.min(at - 1, xs.length - min));
  return xs.slice(from);
}

const hourMinute = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});
const dayHourMinute = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/**
 * What the charts say when they start later than the window ("Since 14:05: nothing was recorded
 * earlier in the last 24 hours."); null when they show all of it.
 */
export function shownNote(from: number, hours: number, now: number, words: string): string | null {
  const windowStart = now / 1000 - hours * 3600;
  if (from <= windowStart) return null;
  const at = new Date(from * 1000);
  const when = now - from * 1000 < 86_400_000 ? hourMinute.format(at) : dayHourMinute.format(at);
  return `Since ${when}: nothing was recorded earlier in ${words}.`;
}

export type Stat = "sum" | "avg" | "max";

/** The API's points, found by metric, pipeline and bucket start. */
export class Series {
  private readonly at = new Map<string, MetricPoint>();
  readonly pipelines = new Map<string, Set<string>>();
  /** The earliest bucket start (seconds) with any point; undefined when there are none. */
  readonly first: number | undefined;
  constructor(points: MetricPoint[]) {
    let first: number | undefined;
    for (const p of points) {
      const t = Date.parse(p.t) / 1000;
      if (first === undefined || t < first) first = t;
      this.at.set(`${p.name}|${p.pipeline}|${t}`, p);
      const set = this.pipelines.get(p.name) ?? new Set<string>();
      set.add(p.pipeline);
      this.pipelines.set(p.name, set);
    }
    this.first = first;
  }
  /** Pipelines that reported any of these metrics, sorted. */
  of(...names: string[]): string[] {
    return [...new Set(names.flatMap((n) => [...(this.pipelines.get(n) ?? [])]))].sort();
  }
  /** One value per bucket; `missing` where the pipeline reported nothing (0, or null for a gap). */
  values(xs: number[], name: string, pipeline: string, stat: Stat, missing: number | null) {
    return xs.map((t) => this.at.get(`${name}|${pipeline}|${t}`)?.[stat] ?? missing);
  }
  total(name: string, pipeline?: string) {
    let n = 0;
    for (const p of this.at.values())
      if (p.name === name && (!pipeline || p.pipeline === pipeline)) n += p.sum;
    return n;
  }
  max(name: string, pipeline: string) {
    let m = 0;
    for (const p of this.at.values())
      if (p.name === name && p.pipeline === pipeline) m = Math.max(m, p.max);
    return m;
  }
  /** The mean of every point (sum of values over their count). */
  mean(name: string, pipeline: string) {
    let sum = 0;
    let count = 0;
    for (const p of this.at.values()) {
      if (p.name !== name || p.pipeline !== pipeline) continue;
      sum += p.sum;
      count += p.avg ? p.sum / p.avg : 0;
    }
    return count ? sum / count : null;
  }
}

// One hue per pipeline, calm; red is kept for failures.
const pipelineColors = ["#3f3f46", "#0284c7", "#7c3aed", "#0d9488", "#ca8a04", "#db2777"];
const failureColors = ["#dc2626", "#ea580c", "#be123c", "#9333ea", "#b45309"];
const quarantineColor = "#f59e0b";

export const failureColor = (k: number) => failureColors[k % failureColors.length]!;

/** Rows loaded and quarantined per pipeline, side by side; the pipeline is named only if several. */
export function rowSeries(s: Series) {
  const pipelines = s.of("RowsLoaded", "RowsQuarantined");
  const named = (what: string, p: string) => (pipelines.length > 1 ? `${what} · ${p}` : what);
  return pipelines.flatMap((p, k) => [
    {
      name: "RowsLoaded" as const,
      pipeline: p,
      label: named("loaded", p),
      color: pipelineColors[k % 6]!,
    },
    {
      name: "RowsQuarantined" as const,
      pipeline: p,
      label: named("quarantined", p),
      color: quarantineColor,
    },
  ]);
}

/** Average (solid) and longest (dashed) run duration per pipeline, in the pipeline's colour. */
export function durationSeries(s: Series) {
  return s.of("RunDuration").flatMap((p, k) => [
    { pipeline: p, stat: "avg" as const, label: `${p} avg`, color: pipelineColors[k % 6]! },
    { pipeline: p, stat: "max" as const, label: `${p} max`, color: pipelineColors[k % 6]! },
  ]);
}

/** A count as the axes and legends show it: whole numbers grouped, others to one decimal. */
export const count = (n: number) =>
  Number.isInteger(n)
    ? n.toLocaleString()
    : n.toLocaleString(undefined, { maximumFractionDigits: 1 });

export function rowsSummary(s: Series): string {
  if (!rowSeries(s).length) return "no rows";
  const loaded = s.total("RowsLoaded");
  const quarantined = s.total("RowsQuarantined");
  const read = s.total("RowsRead");
  // How the loaded rows split, when the pipeline counts it (ingest): new, changed, as they were.
  const split = (["RowsInserted", "RowsUpdated", "RowsUnchanged"] as const).map((n) => s.total(n));
  const [inserted, updated, unchanged] = split;
  const parts =
    s.of("RowsInserted").length > 0
      ? ` (${inserted!.toLocaleString()} new · ${updated!.toLocaleString()} updated · ${unchanged!.toLocaleString()} unchanged)`
      : "";
  return `${loaded.toLocaleString()} loaded${parts} · ${quarantined.toLocaleString()} quarantined${
    read ? ` (${percent(quarantined / read)} of ${read.toLocaleString()} read)` : ""
  }`;
}

/**
 * Failed runs per bucket that no retry has resolved: RunFailed − RunResolved (a resolution is
 * dated when its run failed, so it lands in the same bucket).
 */
export function unresolvedFailures(s: Series, xs: number[], pipeline: string): number[] {
  const failed = s.values(xs, "RunFailed", pipeline, "sum", 0) as number[];
  const resolved = s.values(xs, "RunResolved", pipeline, "sum", 0) as number[];
  return failed.map((f, i) => Math.max(0, f - (resolved[i] ?? 0)));
}

export function failedSummary(s: Series): string {
  const failed = s.total("RunFailed");
  const resolved = Math.min(failed, s.total("RunResolved"));
  const runs = failed + s.total("RunSucceeded");
  if (!runs) return "no runs";
  const open = failed - resolved;
  return `${open.toLocaleString()} failed of ${runs.toLocaleString()} run${runs === 1 ? "" : "s"}${
    resolved ? ` · ${resolved.toLocaleString()} more resolved by a retry` : ""
  }`;
}

export const durationSummary = (s: Series) =>
  s
    .of("RunDuration")
    .map(
      (p) =>
        `${p} avg ${duration(s.mean("RunDuration", p))} · max ${duration(s.max("RunDuration", p))}`,
    )
    .join("  ·  ");
