// Each segment's size over the segment runs: one line per segment number, a point per run.
import { useMemo } from "react";
import type uPlot from "uplot";
import { Chart, type ChartOptions } from "../../components/Chart";
import type { SegmentRun } from "../../queries/useSegments";
import { ChartPanel } from "../metrics/ChartPanel";
import { sizeSeries, xRange } from "./segmentView";

const palette = [
  "#0369a1",
  "#c2410c",
  "#15803d",
  "#7e22ce",
  "#b91c1c",
  "#0f766e",
  "#a16207",
  "#4338ca",
];
const axisFont = "11px ui-sans-serif, system-ui, sans-serif";
const count = (v: number) => v.toLocaleString("en-US");

function options(lines: { label: string }[]): ChartOptions {
  return {
    series: [
      { label: "Run" },
      ...lines.map((l, i) => ({
        label: l.label,
        stroke: palette[i % palette.length],
        width: 1.5,
        points: { show: true, size: 5, fill: palette[i % palette.length] },
        value: (_u: uPlot, v: number | null) => (v === null ? "—" : count(v)),
      })),
    ],
    scales: {
      // One run or runs minutes apart: a few hours either side, not uPlot's years.
      x: { time: true, range: (_u, min, max) => xRange(min, max) },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      { font: axisFont, stroke: "#71717a", grid: { stroke: "#f4f4f5", width: 1 } },
      {
        font: axisFont,
        stroke: "#71717a",
        size: 52,
        grid: { stroke: "#f4f4f5", width: 1 },
        ticks: { show: false },
        values: (_u, splits) => splits.map(count),
      },
    ],
    legend: { live: true },
  };
}

export function SizesChart({ runs }: { runs: SegmentRun[] }) {
  const s = useMemo(() => sizeSeries(runs), [runs]);
  const data = useMemo(() => [s.xs, ...s.lines.map((l) => l.values)] as uPlot.AlignedData, [s]);
  const latest = runs[0];
  return (
    <ChartPanel
      title="Segment sizes over runs"
      testId="chart-segment-sizes"
      summary={`${runs.length} run${runs.length === 1 ? "" : "s"}${
        latest ? ` · latest: k=${latest.k ?? "?"}, ${count(latest.rowsRead)} users` : ""
      }`}
    >
      <Chart
        label="Segment sizes over runs"
        optionsKey={s.lines.map((l) => l.label).join("|")}
        options={options(s.lines)}
        data={data}
      />
    </ChartPanel>
  );
}
