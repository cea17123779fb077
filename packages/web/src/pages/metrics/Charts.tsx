// The Metrics charts: rows loaded and quarantined, failed runs, and run durations per pipeline,
// each over the same buckets: the window's, from just before its first data (shownBuckets).
import { useMemo } from "react";
import type uPlot from "uplot";
import type { MetricPoint } from "../../api/client";
import { Chart } from "../../components/Chart";
import { duration } from "../../lib/time";
import { ChartPanel } from "./ChartPanel";
import { barSeries, baseOptions } from "./chartOptions";
import {
  buckets,
  count,
  durationSeries,
  durationSummary,
  failedSummary,
  failureColor,
  rowSeries,
  rowsSummary,
  Series,
  shownBuckets,
  shownNote,
  unresolvedFailures,
} from "./series";

export function Charts({
  points,
  bucketMinutes,
  hours,
  at,
  windowKey,
  words,
}: {
  points: MetricPoint[];
  bucketMinutes: number;
  hours: number;
  at: number;
  windowKey: string;
  /** The window in words: "the last hour". */
  words: string;
}) {
  const width = bucketMinutes * 60;
  // The options' bar positions and x range close over the bucket width: a new width is a new
  // chart. (Switching windows first draws the old window's data, kept until the new arrives.)
  const shape = `${windowKey}|${width}`;
  const s = useMemo(() => new Series(points), [points]);
  const xs = useMemo(
    () => shownBuckets(buckets(hours, bucketMinutes, at), s.first),
    [hours, bucketMinutes, at, s],
  );
  const from = xs[0] ?? 0;
  const to = (xs.at(-1) ?? 0) + width;
  const note = shownNote(from, hours, at, words);

  const rowLines = rowSeries(s);
  const rows = {
    optionsKey: `rows|${shape}|${rowLines.map((r) => r.label).join(",")}`,
    options: baseOptions(
      width,
      count,
      rowLines.map((r, k) => barSeries(r.label, r.color, width, k, rowLines.length)),
    ),
    data: [
      xs,
      ...rowLines.map((r) => s.values(xs, r.name, r.pipeline, "sum", 0)),
    ] as uPlot.AlignedData,
  };

  // Every pipeline that finished a run gets a (possibly empty) series of failures; a failure a
  // retry resolved is left out (it stays in the runs' history).
  const runPipelines = s.of("RunFailed", "RunSucceeded");
  const failed = {
    optionsKey: `failed|${shape}|${runPipelines.join(",")}`,
    options: baseOptions(
      width,
      count,
      runPipelines.map((p, k) => barSeries(p, failureColor(k), width, k, runPipelines.length)),
    ),
    data: [xs, ...runPipelines.map((p) => unresolvedFailures(s, xs, p))] as uPlot.AlignedData,
  };

  // Empty buckets are gaps in a duration line, not zeros.
  const durLines = durationSeries(s);
  const durations = {
    optionsKey: `duration|${shape}|${durLines.map((d) => d.label).join(",")}`,
    options: baseOptions(
      width,
      (v: number) => duration(v),
      durLines.map((d) => ({
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
      ...durLines.map((d) => s.values(xs, "RunDuration", d.pipeline, d.stat, null)),
    ] as uPlot.AlignedData,
  };

  return (
    <div className="flex flex-col gap-2" data-testid="metrics-charts" data-from={from} data-to={to}>
      {note ? <p className="text-[12px] text-zinc-500">{note}</p> : null}
      <div className="grid grid-cols-1 gap-3 xl:grid-cols-2">
        <ChartPanel
          title="Rows loaded and quarantined"
          testId="chart-rows"
          summary={rowsSummary(s)}
        >
          {rowLines.length ? (
            <Chart label="Rows loaded and quarantined" {...rows} />
          ) : (
            <p className="px-1 py-6 text-center text-zinc-500">
              No pipeline loaded rows in this window.
            </p>
          )}
        </ChartPanel>
        <ChartPanel title="Failed runs" testId="chart-failed" summary={failedSummary(s)}>
          <Chart label="Failed runs per pipeline" {...failed} />
        </ChartPanel>
        <ChartPanel
          title="Run duration"
          testId="chart-duration"
          className="xl:col-span-2"
          summary={durationSummary(s)}
        >
          <Chart label="Run duration per pipeline" {...durations} />
        </ChartPanel>
      </div>
    </div>
  );
}
