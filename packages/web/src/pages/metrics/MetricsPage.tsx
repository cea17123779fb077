// Metrics: rows loaded and quarantined, failed runs, and run durations per pipeline over a time
// window in the URL. Loaded on demand (uPlot stays out of the runs page's bundle).
import { type ReactNode, useEffect, useMemo } from "react";
import uPlot from "uplot";
import type { MetricPoint } from "../../api/client";
import { Chart, type ChartOptions } from "../../components/Chart";
import { UpdatedAt } from "../../components/UpdatedAt";
import { Button, EmptyState, ErrorState, PageHeader, Panel, Segmented } from "../../components/ui";
import { percent } from "../../lib/ingest";
import { useSearch, withSearch } from "../../lib/router";
import { duration } from "../../lib/time";
import type { MetricFilter } from "../../queries/keys";
import { useMetrics } from "../../queries/useMetrics";

type Window = "6h" | "24h" | "7d";
const windows: Record<
  Window,
  { label: string; words: string; hours: number; bucketMinutes: number }
> = {
  "6h": { label: "6 h", words: "the last 6 hours", hours: 6, bucketMinutes: 5 },
  "24h": { label: "24 h", words: "the last 24 hours", hours: 24, bucketMinutes: 15 },
  "7d": { label: "7 days", words: "the last 7 days", hours: 168, bucketMinutes: 120 },
};
const NAMES = [
  "RowsRead",
  "RowsLoaded",
  "RowsQuarantined",
  "RunDuration",
  "RunFailed",
  "RunSucceeded",
] as const;

// One hue per pipeline, calm; red is kept for failures.
const pipelineColors = ["#3f3f46", "#0284c7", "#7c3aed", "#0d9488", "#ca8a04", "#db2777"];
const failureColors = ["#dc2626", "#ea580c", "#be123c", "#9333ea", "#b45309"];

/** Bucket starts (seconds) covering the window, aligned as the API aligns them. */
function buckets(hours: number, bucketMinutes: number, now: number): number[] {
  const width = bucketMinutes * 60;
  const end = Math.floor(now / 1000 / width) * width;
  const start = Math.floor((now / 1000 - hours * 3600) / width) * width;
  const out: number[] = [];
  for (let t = start; t <= end; t += width) out.push(t);
  return out;
}

type Stat = "sum" | "avg" | "max";

class Series {
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

/**
 * Bars side by side inside each bucket [t, t + width): series `k` of `n` takes its share of the
 * middle 80 %. Positions come from the chart's current x values, so new data needs no rebuild.
 */
function groupedBars(width: number, k: number, n: number) {
  const size = (width * 0.8) / n;
  return uPlot.paths.bars?.({
    disp: {
      x0: {
        unit: 1,
        values: (u) => (u.data[0] as number[]).map((t) => t + width * 0.1 + k * size),
      },
      size: { unit: 1, values: () => [size] },
    },
  });
}

const axisFont = "11px ui-sans-serif, system-ui, sans-serif";
const count = (n: number) =>
  Number.isInteger(n)
    ? n.toLocaleString()
    : n.toLocaleString(undefined, { maximumFractionDigits: 1 });

function baseOptions(
  width: number,
  yFormat: (v: number) => string,
  series: uPlot.Series[],
  yAxisSize = 44,
): ChartOptions {
  return {
    series: [{ label: "Time" }, ...series],
    scales: {
      // The whole window, to the end of the last bucket, even where nothing ran.
      x: {
        time: true,
        range: (u) => {
          const xs = u.data[0] as number[];
          return [xs[0] ?? 0, (xs.at(-1) ?? 0) + width];
        },
      },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      {
        font: axisFont,
        stroke: "#71717a",
        grid: { stroke: "#f4f4f5", width: 1 },
        ticks: { stroke: "#e4e4e7", width: 1, size: 4 },
      },
      {
        font: axisFont,
        stroke: "#71717a",
        size: yAxisSize,
        grid: { stroke: "#f4f4f5", width: 1 },
        ticks: { show: false },
        values: (_u, splits) => splits.map(yFormat),
      },
    ],
    cursor: { points: { size: 6 } },
    legend: { live: true },
  };
}

export function MetricsPage() {
  const search = useSearch();
  const w = search.get("window");
  const window: Window = w === "6h" || w === "7d" ? w : "24h";
  const { hours, bucketMinutes, words } = windows[window];
  const filter: MetricFilter = { names: NAMES, hours, bucketMinutes };
  const metrics = useMetrics(filter);
  useEffect(() => {
    document.title = "Metrics · CDP";
  }, []);

  return (
    <div className="mx-auto flex max-w-[1400px] flex-col gap-3">
      <PageHeader
        title="Metrics"
        actions={<Button onClick={() => metrics.refetch()}>Refresh</Button>}
      >
        <Segmented
          label="Time window"
          options={(Object.keys(windows) as Window[]).map((k) => ({
            to: withSearch({ window: k === "24h" ? undefined : k }),
            label: windows[k].label,
            current: k === window,
          }))}
        />
        <span className="text-[12px] text-zinc-400">
          per {bucketMinutes < 60 ? `${bucketMinutes} min` : `${bucketMinutes / 60} h`}
        </span>
        <UpdatedAt at={metrics.dataUpdatedAt} fetching={metrics.isFetching} />
      </PageHeader>
      {metrics.isPending ? (
        <div
          role="status"
          aria-busy="true"
          aria-label="Loading metrics"
          className="grid grid-cols-1 gap-3 xl:grid-cols-2"
        >
          {[0, 1, 2].map((i) => (
            <div key={i} className="h-60 animate-pulse rounded-md bg-zinc-100" />
          ))}
        </div>
      ) : metrics.isError ? (
        <Panel>
          <ErrorState
            title="Couldn't load metrics"
            error={metrics.error}
            onRetry={() => metrics.refetch()}
          />
        </Panel>
      ) : metrics.data.series.length === 0 ? (
        <Panel>
          <EmptyState title={`No runs finished in ${words}`}>
            Every run records its metrics when it finishes: rows read, loaded and quarantined, how
            long it took, and whether it succeeded. Pick a longer window, or start a run.
          </EmptyState>
        </Panel>
      ) : (
        <Charts
          points={metrics.data.series}
          bucketMinutes={metrics.data.bucketMinutes}
          hours={hours}
          at={metrics.dataUpdatedAt}
          windowKey={window}
        />
      )}
    </div>
  );
}

function ChartPanel({
  title,
  summary,
  children,
  testId,
  className = "",
}: {
  title: string;
  summary: ReactNode;
  children: ReactNode;
  testId: string;
  className?: string;
}) {
  return (
    <Panel
      className={className}
      title={title}
      actions={<span className="text-[12px] text-zinc-500 tabular-nums">{summary}</span>}
    >
      <div className="px-2 pt-2 pb-1" data-testid={testId}>
        {children}
      </div>
    </Panel>
  );
}

function Charts({
  points,
  bucketMinutes,
  hours,
  at,
  windowKey,
}: {
  points: MetricPoint[];
  bucketMinutes: number;
  hours: number;
  at: number;
  windowKey: string;
}) {
  const width = bucketMinutes * 60;
  const s = useMemo(() => new Series(points), [points]);
  const xs = useMemo(() => buckets(hours, bucketMinutes, at), [hours, bucketMinutes, at]);

  // Rows: loaded and quarantined per pipeline, side by side in each bucket.
  const rowPipelines = s.of("RowsLoaded", "RowsQuarantined");
  const rowSeries = rowPipelines.flatMap((p) => [
    {
      name: "RowsLoaded",
      pipeline: p,
      label: rowPipelines.length > 1 ? `loaded · ${p}` : "loaded",
    },
    {
      name: "RowsQuarantined",
      pipeline: p,
      label: rowPipelines.length > 1 ? `quarantined · ${p}` : "quarantined",
    },
  ]);
  const rows = {
    optionsKey: `rows|${windowKey}|${rowSeries.map((r) => r.label).join(",")}`,
    options: baseOptions(
      width,
      count,
      rowSeries.map((r, k) => ({
        label: r.label,
        fill: r.name === "RowsQuarantined" ? "#f59e0b" : pipelineColors[Math.floor(k / 2) % 6],
        stroke: r.name === "RowsQuarantined" ? "#f59e0b" : pipelineColors[Math.floor(k / 2) % 6],
        width: 0,
        paths: groupedBars(width, k, rowSeries.length),
        points: { show: false },
        value: (_u, v) => (v === null ? "—" : count(v)),
      })),
    ),
    data: [
      xs,
      ...rowSeries.map((r) => s.values(xs, r.name, r.pipeline, "sum", 0)),
    ] as uPlot.AlignedData,
  };
  const loaded = s.total("RowsLoaded");
  const quarantined = s.total("RowsQuarantined");
  const read = s.total("RowsRead");

  // Failed runs per pipeline; every pipeline that finished a run gets a (possibly empty) series.
  const runPipelines = s.of("RunFailed", "RunSucceeded");
  const failed = {
    optionsKey: `failed|${windowKey}|${runPipelines.join(",")}`,
    options: baseOptions(
      width,
      count,
      runPipelines.map((p, k) => ({
        label: p,
        fill: failureColors[k % failureColors.length],
        stroke: failureColors[k % failureColors.length],
        width: 0,
        paths: groupedBars(width, k, runPipelines.length),
        points: { show: false },
        value: (_u, v) => (v === null ? "—" : count(v)),
      })),
    ),
    data: [
      xs,
      ...runPipelines.map((p) => s.values(xs, "RunFailed", p, "sum", 0)),
    ] as uPlot.AlignedData,
  };
  const failedTotal = s.total("RunFailed");
  const runsTotal = failedTotal + s.total("RunSucceeded");

  // Durations: average (solid) and longest (dashed) per pipeline; empty buckets are gaps.
  const durPipelines = s.of("RunDuration");
  const durSeries = durPipelines.flatMap((p, k) => [
    { pipeline: p, stat: "avg" as const, label: `${p} avg`, color: pipelineColors[k % 6]! },
    { pipeline: p, stat: "max" as const, label: `${p} max`, color: pipelineColors[k % 6]! },
  ]);
  const ms = (v: number) => duration(v);
  const durations = {
    optionsKey: `duration|${windowKey}|${durSeries.map((d) => d.label).join(",")}`,
    options: baseOptions(
      width,
      ms,
      durSeries.map((d) => ({
        label: d.label,
        stroke: d.color,
        width: d.stat === "avg" ? 1.5 : 1,
        dash: d.stat === "max" ? [4, 3] : undefined,
        spanGaps: false,
        points: { show: true, size: d.stat === "avg" ? 5 : 4, fill: d.color },
        value: (_u, v) => (v === null ? "—" : duration(v)),
      })),
      64,
    ),
    data: [
      xs,
      ...durSeries.map((d) => s.values(xs, "RunDuration", d.pipeline, d.stat, null)),
    ] as uPlot.AlignedData,
  };

  return (
    <div className="grid grid-cols-1 gap-3 xl:grid-cols-2">
      <ChartPanel
        title="Rows loaded and quarantined"
        testId="chart-rows"
        summary={
          rowSeries.length ? (
            <>
              {loaded.toLocaleString()} loaded · {quarantined.toLocaleString()} quarantined
              {read ? ` (${percent(quarantined / read)} of ${read.toLocaleString()} read)` : ""}
            </>
          ) : (
            "no rows"
          )
        }
      >
        {rowSeries.length ? (
          <Chart label="Rows loaded and quarantined" {...rows} />
        ) : (
          <p className="px-1 py-6 text-center text-zinc-500">
            No pipeline loaded rows in this window.
          </p>
        )}
      </ChartPanel>
      <ChartPanel
        title="Failed runs"
        testId="chart-failed"
        summary={
          runsTotal
            ? `${failedTotal.toLocaleString()} failed of ${runsTotal.toLocaleString()} run${runsTotal === 1 ? "" : "s"}`
            : "no runs"
        }
      >
        <Chart label="Failed runs per pipeline" {...failed} />
      </ChartPanel>
      <ChartPanel
        title="Run duration"
        testId="chart-duration"
        className="xl:col-span-2"
        summary={durPipelines
          .map((p) => {
            const mean = s.mean("RunDuration", p);
            return `${p} avg ${duration(mean)} · max ${duration(s.max("RunDuration", p))}`;
          })
          .join("  ·  ")}
      >
        <Chart label="Run duration per pipeline" {...durations} />
      </ChartPanel>
    </div>
  );
}
