// The Metrics page's maths without a chart: buckets aligned as the API aligns them, points found
// by metric, pipeline and bucket, the series each chart draws and the summaries above them.
import { describe, expect, it } from "vitest";
import type { MetricPoint } from "../src/api/client";
import {
  bucketLabel,
  buckets,
  count,
  durationSeries,
  durationSummary,
  failedSummary,
  MIN_SHOWN_BUCKETS,
  rowSeries,
  rowsSummary,
  Series,
  shownBuckets,
  shownNote,
  unresolvedFailures,
  windowOf,
  windows,
} from "../src/pages/metrics/series";

const point = (p: Partial<MetricPoint> & Pick<MetricPoint, "name" | "pipeline" | "t">) =>
  ({ sum: 0, avg: 0, max: 0, ...p }) as MetricPoint;

describe("metrics windows and buckets", () => {
  it("reads the window from the URL, 24 h unless another is named", () => {
    expect(windowOf(null)).toBe("24h");
    expect(windowOf("1h")).toBe("1h");
    expect(windowOf("6h")).toBe("6h");
    expect(windowOf("7d")).toBe("7d");
    expect(windowOf("30d")).toBe("24h");
  });

  it("offers a 1 h window in 1 min buckets beside 6 h, 24 h and 7 days, shortest first", () => {
    expect(Object.keys(windows)).toEqual(["1h", "6h", "24h", "7d"]);
    expect(windows["1h"]).toMatchObject({ label: "1 h", hours: 1, bucketMinutes: 1 });
    // 61 one-minute buckets: 60 past minutes and the one under way.
    expect(buckets(1, 1, Date.parse("2026-01-01T12:07:30Z"))).toHaveLength(61);
  });

  it("names a bucket in minutes below an hour, in hours from one", () => {
    expect(bucketLabel(1)).toBe("1 min");
    expect(bucketLabel(5)).toBe("5 min");
    expect(bucketLabel(120)).toBe("2 h");
  });

  it("covers the window with bucket starts aligned to the bucket width", () => {
    const now = Date.parse("2026-01-01T12:07:30Z");
    const xs = buckets(1, 15, now);
    expect(xs.map((t) => new Date(t * 1000).toISOString().slice(11, 16))).toEqual([
      "11:00",
      "11:15",
      "11:30",
      "11:45",
      "12:00",
    ]);
    expect(xs.every((t) => t % 900 === 0)).toBe(true);
  });
});

describe("the buckets the charts show", () => {
  const now = Date.parse("2026-01-01T12:00:30Z");
  const day = buckets(24, 15, now); // 97 quarter hours, 12:00 yesterday to 12:00 today
  const at = (iso: string) => Date.parse(iso) / 1000;
  const hhmm = (xs: number[]) => xs.map((t) => new Date(t * 1000).toISOString().slice(11, 16));

  it("start just before the first data when it covers only the window's end", () => {
    // Runs from 09:00 on: the charts show 08:45 to now, not 24 h with a sliver at the right.
    const xs = shownBuckets(day, at("2026-01-01T09:00:00Z"));
    expect(hhmm(xs).slice(0, 2)).toEqual(["08:45", "09:00"]);
    expect(xs.at(-1)).toBe(day.at(-1));
  });

  it("keep at least a dozen buckets, so the last few minutes' runs still read as time", () => {
    const xs = shownBuckets(day, at("2026-01-01T12:00:00Z"));
    expect(xs).toHaveLength(MIN_SHOWN_BUCKETS);
    expect(hhmm(xs)[0]).toBe("09:15");
    const hour = buckets(1, 1, now);
    const last = shownBuckets(hour, at("2026-01-01T11:58:00Z"));
    expect(last).toHaveLength(12);
    expect(last.at(-1)).toBe(at("2026-01-01T12:00:00Z"));
  });

  it("show the whole window when its data starts at its start, or when there is none", () => {
    expect(shownBuckets(day, day[0])).toEqual(day);
    expect(shownBuckets(day, day[1])).toEqual(day);
    expect(shownBuckets(day, at("2025-12-01T00:00:00Z"))).toEqual(day);
    expect(shownBuckets(day, undefined)).toEqual(day);
  });

  it("say when they start later than the window, and only then", () => {
    const from = at("2026-01-01T08:45:00Z");
    expect(shownNote(from, 24, now, "the last 24 hours")).toMatch(
      /^Since .*45: nothing was recorded earlier in the last 24 hours\.$/,
    );
    expect(shownNote(day[0]!, 24, now, "the last 24 hours")).toBeNull();
  });
});

describe("Series", () => {
  const t0 = "2026-01-01T11:00:00Z";
  const t1 = "2026-01-01T11:15:00Z";
  const xs = [Date.parse(t0) / 1000, Date.parse(t1) / 1000, Date.parse(t1) / 1000 + 900];
  const s = new Series([
    point({ name: "RowsLoaded", pipeline: "ingest", t: t0, sum: 90 }),
    point({ name: "RowsQuarantined", pipeline: "ingest", t: t0, sum: 10 }),
    point({ name: "RowsRead", pipeline: "ingest", t: t0, sum: 100 }),
    point({ name: "RowsLoaded", pipeline: "ingest", t: t1, sum: 5 }),
    point({ name: "RunDuration", pipeline: "ingest", t: t0, sum: 3000, avg: 1500, max: 2000 }),
    point({ name: "RunDuration", pipeline: "ingest", t: t1, sum: 1000, avg: 1000, max: 1000 }),
    point({ name: "RunFailed", pipeline: "selftest", t: t0, sum: 1 }),
    point({ name: "RunSucceeded", pipeline: "ingest", t: t1, sum: 2 }),
  ]);

  it("knows the earliest bucket with any point", () => {
    expect(s.first).toBe(xs[0]);
    expect(new Series([]).first).toBeUndefined();
  });

  it("lists the pipelines that reported any of some metrics, sorted", () => {
    expect(s.of("RunFailed", "RunSucceeded")).toEqual(["ingest", "selftest"]);
    expect(s.of("Nothing")).toEqual([]);
  });

  it("gives one value per bucket, with the missing value where nothing was reported", () => {
    expect(s.values(xs, "RowsLoaded", "ingest", "sum", 0)).toEqual([90, 5, 0]);
    expect(s.values(xs, "RunDuration", "ingest", "max", null)).toEqual([2000, 1000, null]);
  });

  it("totals, maxima and a mean weighted by each bucket's count", () => {
    expect(s.total("RowsLoaded")).toBe(95);
    expect(s.total("RowsLoaded", "other")).toBe(0);
    expect(s.max("RunDuration", "ingest")).toBe(2000);
    // 3000 ms over 2 runs and 1000 ms over 1: 4000 / 3.
    expect(s.mean("RunDuration", "ingest")).toBeCloseTo(4000 / 3);
    expect(s.mean("RunDuration", "selftest")).toBeNull();
  });

  it("shapes loaded and quarantined series, naming the pipeline only when there are several", () => {
    expect(rowSeries(s).map((r) => [r.name, r.label])).toEqual([
      ["RowsLoaded", "loaded"],
      ["RowsQuarantined", "quarantined"],
    ]);
    const two = new Series([
      point({ name: "RowsLoaded", pipeline: "a", t: t0, sum: 1 }),
      point({ name: "RowsQuarantined", pipeline: "b", t: t0, sum: 1 }),
    ]);
    const shaped = rowSeries(two);
    expect(shaped.map((r) => r.label)).toEqual([
      "loaded · a",
      "quarantined · a",
      "loaded · b",
      "quarantined · b",
    ]);
    // Each pipeline its own colour; quarantine always amber.
    expect(shaped[0]!.color).not.toBe(shaped[2]!.color);
    expect(shaped[1]!.color).toBe(shaped[3]!.color);
  });

  it("shapes an average and a longest duration line per pipeline, in one colour", () => {
    const lines = durationSeries(s);
    expect(lines.map((d) => [d.label, d.stat])).toEqual([
      ["ingest avg", "avg"],
      ["ingest max", "max"],
    ]);
    expect(lines[0]!.color).toBe(lines[1]!.color);
  });

  it("sums each chart up in a line", () => {
    expect(rowsSummary(s)).toBe("95 loaded · 10 quarantined (10 % of 100 read)");
    expect(rowsSummary(new Series([]))).toBe("no rows");
    // with the split ingest counts: new, changed and loaded again as they were
    const split = new Series([
      point({ name: "RowsLoaded", pipeline: "ingest", t: t0, sum: 95 }),
      point({ name: "RowsInserted", pipeline: "ingest", t: t0, sum: 60 }),
      point({ name: "RowsUpdated", pipeline: "ingest", t: t0, sum: 5 }),
      point({ name: "RowsUnchanged", pipeline: "ingest", t: t0, sum: 30 }),
    ]);
    expect(rowsSummary(split)).toBe(
      "95 loaded (60 new · 5 updated · 30 unchanged) · 0 quarantined",
    );
    expect(failedSummary(s)).toBe("1 failed of 3 runs");
    expect(failedSummary(new Series([]))).toBe("no runs");
    expect(durationSummary(s)).toBe("ingest avg 1.3 s · max 2.0 s");
  });

  it("leaves a failure a retry resolved out of the failed runs, and says how many were", () => {
    const r = new Series([
      point({ name: "RunFailed", pipeline: "ingest", t: t0, sum: 3 }),
      point({ name: "RunResolved", pipeline: "ingest", t: t0, sum: 2 }),
      point({ name: "RunFailed", pipeline: "ingest", t: t1, sum: 1 }),
      point({ name: "RunSucceeded", pipeline: "ingest", t: t1, sum: 4 }),
    ]);
    expect(unresolvedFailures(r, xs, "ingest")).toEqual([1, 1, 0]);
    expect(failedSummary(r)).toBe("2 failed of 8 runs · 2 more resolved by a retry");
  });

  it("formats counts whole when whole, else to one decimal", () => {
    expect(count(12)).toBe("12");
    expect(count(2.25)).toBe("2.3");
  });
});
