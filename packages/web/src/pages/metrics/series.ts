// The Metrics page's maths, apart from any chart library: its time windows, the bucket starts
// covering one, the API's points indexed by metric, pipeline and bucket, the series each chart
// draws, and the one-line summaries above them.
import type { MetricPoint } from "../../api/client";
import { percent } from "../../lib/percent";
import { duration } from "../../lib/time";

export type Window = "6h" | "24h" | "7d";

export const windows: Record<
  Window,
  { label: string; words: string; hours: number; bucketMinutes: number }
> = {
  "6h": { label: "6 h", words: "the last 6 hours", hours: 6, bucketMinutes: 5 },
  "24h": { label: "24 h", words: "the last 24 hours", hours: 24, bucketMinutes: 15 },
  "7d": { label: "7 days", words: "the last 7 days", hours: 168, bucketMinutes: 120 },
};

/** The window a URL asks for; 24 h unless it names another. */
export const windowOf = (w: string | null): Window => (w === "6h" || w === "7d" ? w : "24h");

export const bucketLabel = (bucketMinutes: number) =>
  bucketMinutes < 60 ? `${bucketMinutes} min` : `${bucketMinutes / 60} h`;

export const NAMES = [
  "RowsRead",
  "RowsLoaded",
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

export type Stat = "sum" | "avg" | "max";

/** The API's points, found by metric, pipeline and bucket start. */
export class Series {
  private readonly at = new Map<string, MetricPoint>();
  readonly pipelines = new Map<string, Set<string>>();
  constructor(points: MetricPoint[]) {
    for (const p of points) {
      const t = Date.parse(p.t) / 1000;
      this.at.set(`${p.name}|${p.pipeline}|${t}`, p);
      const set = this.pipelines.get(p.name) ?? new Set<string>();
      set.add(p.pipeline);
      this.pipelines.set(p.name, set);
    }
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
  return `${loaded.toLocaleString()} loaded · ${quarantined.toLocaleString()} quarantined${
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
