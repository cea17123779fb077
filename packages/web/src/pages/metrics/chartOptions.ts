// uPlot options the Metrics charts share: the shown buckets on the x axis, zero-based y, calm
// axes, and bars grouped side by side inside each bucket.
import uPlot from "uplot";
import type { ChartOptions } from "../../components/Chart";
import { count } from "./series";

/**
 * Bars side by side inside each bucket [t, t + width): series `k` of `n` takes its share of the
 * middle 80 %. Positions come from the chart's current x values, so new data needs no rebuild.
 */
export function groupedBars(width: number, k: number, n: number) {
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

/** Time-axis tick steps (seconds) from a minute to a week, as uPlot's own go. */
const timeSteps = [
  60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800,
];

/** No tick finer than a bucket: the data has no detail between them. */
export const timeIncrs = (width: number) => {
  const steps = timeSteps.filter((s) => s >= width && s % width === 0);
  return steps.length ? steps : [width];
};

export function baseOptions(
  width: number,
  yFormat: (v: number) => string,
  series: uPlot.Series[],
  yAxisSize = 44,
): ChartOptions {
  return {
    series: [{ label: "Time" }, ...series],
    scales: {
      // Every shown bucket, to the end of the last, even where nothing ran.
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
        incrs: timeIncrs(width),
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

/** Series `k` of `n` drawn as grouped bars in one colour, its legend value a count. */
export function barSeries(
  label: string,
  color: string,
  width: number,
  k: number,
  n: number,
): uPlot.Series {
  return {
    label,
    fill: color,
    stroke: color,
    width: 0,
    paths: groupedBars(width, k, n),
    points: { show: false },
    value: (_u, v) => (v === null ? "—" : count(v)),
  };
}
