// The Segments page's pure parts: the sizes-over-runs series (oldest first, a gap where a run had
// fewer segments), a z-score as a bar, a feature's value in its unit, a run in a picker.
import { describe, expect, it } from "vitest";
import {
  inUnit,
  percent,
  runOption,
  sizeSeries,
  xRange,
  zBar,
} from "../src/pages/segments/segmentView";

describe("segment sizes over runs", () => {
  it("draws the runs oldest first, one line per segment, with a gap where a run had fewer", () => {
    const s = sizeSeries([
      {
        runId: "run_3",
        createdAt: "2026-11-03T00:00:00Z",
        sizes: [50, 30, 20],
        labels: ["Loyal", "Lapsed", "New"],
      },
      { runId: "run_2", createdAt: "2026-11-02T00:00:00Z", sizes: [60, 40], labels: ["A", "B"] },
    ]);
    expect(s.xs).toEqual([
      Date.parse("2026-11-02T00:00:00Z") / 1000,
      Date.parse("2026-11-03T00:00:00Z") / 1000,
    ]);
    expect(s.lines).toEqual([
      { segment: 0, label: "0 · Loyal", values: [60, 50] },
      { segment: 1, label: "1 · Lapsed", values: [40, 30] },
      { segment: 2, label: "2 · New", values: [null, 20] },
    ]);
  });

  it("spans at least an hour either side of one run, and 5 % either side of many", () => {
    expect(xRange(10_000, 10_000)).toEqual([6400, 13_600]);
    expect(xRange(0, 864_000)).toEqual([-43_200, 907_200]);
  });

  it("has no lines and no points before any run", () => {
    expect(sizeSeries([])).toEqual({ xs: [], lines: [] });
  });
});

describe("a z-score as a bar", () => {
  it("goes right for above the mean, left for below, full at 2.5 standard deviations", () => {
    expect(zBar(1.25)).toMatchObject({ side: "right", width: 50 });
    expect(zBar(-2.5)).toMatchObject({ side: "left", width: 100 });
    expect(zBar(-7)).toMatchObject({ side: "left", width: 100 });
    // Strong (|z| ≥ 1) is darker than a lean.
    expect(zBar(1.5).color).not.toBe(zBar(0.5).color);
    expect(zBar(-1.5).color).not.toBe(zBar(1.5).color);
  });

  it("draws nothing for a missing or non-finite z", () => {
    expect(zBar(undefined).width).toBe(0);
    expect(zBar(Number.NaN).width).toBe(0);
  });
});

describe("values in their unit", () => {
  it("keeps fewer decimals the larger the value", () => {
    expect(inUnit(1204.37, "spend")).toBe("1,204 spend");
    expect(inUnit(12.345, "days")).toBe("12.3 days");
    expect(inUnit(0.4217, "share subscribed")).toBe("0.42 share subscribed");
    expect(inUnit(3, "")).toBe("3");
    expect(inUnit(null, "days")).toBe("—");
    expect(percent(0.3333)).toBe("33.3 %");
  });

  it("names a run in a picker by its start and k, the newest marked latest", () => {
    const r = { runId: "run_1", createdAt: "2026-11-03T09:05:12Z", k: 4 };
    expect(runOption(r, 0)).toBe("2026-11-03 09:05 UTC · k=4 (latest)");
    expect(runOption(r, 2)).toBe("2026-11-03 09:05 UTC · k=4");
  });
});
