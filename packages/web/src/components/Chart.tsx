// uPlot in React: one canvas chart that follows its container's width. Options are taken once
// per `optionsKey` (a new key rebuilds the chart); new data only redraws it.
import "uplot/dist/uPlot.min.css";
import "./Chart.css";
import { useEffect, useRef } from "react";
import uPlot from "uplot";

export type ChartOptions = Omit<uPlot.Options, "width" | "height">;

export function Chart({
  options,
  optionsKey,
  data,
  height = 180,
  label,
}: {
  options: ChartOptions;
  /** Changes when the series or axes change (not when only the values do). */
  optionsKey: string;
  data: uPlot.AlignedData;
  height?: number;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  // The latest data and options, for the effects that must not re-run on every render.
  const latest = useRef({ data, options });
  latest.current = { data, options };

  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuilt only when optionsKey says so
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const u = new uPlot(
      { ...latest.current.options, width: Math.max(200, el.clientWidth), height },
      latest.current.data,
      el,
    );
    plot.current = u;
    const resize = new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (width !== u.width) u.setSize({ width, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [optionsKey, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div ref={box} role="img" aria-label={label} className="cdp-chart min-w-0" />;
}
