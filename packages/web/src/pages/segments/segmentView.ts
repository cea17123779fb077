// Pure helpers of the Segments page: the sizes-over-runs series, a z-score as a bar, numbers in
// a feature's unit, a run's name in a picker.

/** What the sizes chart reads of a run. */
export interface RunSizes {
  runId: string;
  createdAt: string;
  sizes: number[];
  labels: string[];
}

export interface SizeSeries {
  /** Run start times, oldest first, in seconds (uPlot's time axis). */
  xs: number[];
  /** One line per segment number; null where a run had fewer segments. */
  lines: { segment: number; label: string; values: (number | null)[] }[];
}

/**
 * Segment sizes over runs. Runs come newest first (the API's order); the chart reads oldest
 * first. A segment's legend label is its label in the newest run that had it (segment numbers
 * follow the previous run's, so a number is the same group across runs of the same k).
 */
export function sizeSeries(runs: RunSizes[]): SizeSeries {
  const oldest = [...runs].reverse();
  const k = Math.max(0, ...runs.map((r) => r.sizes.length));
  const lines = Array.from({ length: k }, (_, segment) => ({
    segment,
    label: `${segment} · ${runs.find((r) => r.labels[segment])?.labels[segment] ?? "segment"}`,
    values: oldest.map((r) => r.sizes[segment] ?? null),
  }));
  return { xs: oldest.map((r) => Math.floor(Date.parse(r.createdAt) / 1000)), lines };
}

/** A z-score as a bar from the middle: which side, how wide (% of half), and its colour. */
export function zBar(z: number | null | undefined): {
  side: "left" | "right";
  width: number;
  color: string;
} {
  const v = typeof z === "number" && Number.isFinite(z) ? z : 0;
  // ±2.5 standard deviations fill the half; further out is still full.
  const width = Math.round(Math.min(Math.abs(v) / 2.5, 1) * 100);
  const strong = Math.abs(v) >= 1;
  const color = v >= 0 ? (strong ? "#0369a1" : "#7dd3fc") : strong ? "#c2410c" : "#fdba74";
  return { side: v >= 0 ? "right" : "left", width, color };
}

/** A feature's value in its unit, briefly: "12.5 days", "€ 1,204", "0.42". */
export function inUnit(value: number | null | undefined, unit = ""): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  const n = value.toLocaleString("en-US", { maximumFractionDigits: digits });
  return unit ? `${n} ${unit}` : n;
}

export const percent = (share: number) =>
  `${(share * 100).toLocaleString("en-US", { maximumFractionDigits: 1 })} %`;

/** A run in a picker: its start and k, the newest marked. */
export function runOption(r: { runId: string; createdAt: string; k: number | null }, i: number) {
  const at = new Date(r.createdAt).toISOString().slice(0, 16).replace("T", " ");
  return `${at} UTC · k=${r.k ?? "?"}${i === 0 ? " (latest)" : ""}`;
}

/** The time axis of the sizes chart: the runs' span plus 5 % each side, at least an hour. */
export function xRange(min: number, max: number): [number, number] {
  const pad = Math.max((max - min) * 0.05, 3600);
  return [min - pad, max + pad];
}
