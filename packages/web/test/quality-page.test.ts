// The Quality page's maths: the filter read from the URL, the selects' choices, failures per UTC
// day for the bar strip, and sample rows grouped by table with the failing column found.
import { describe, expect, it } from "vitest";
import type { QualityFailure, QualitySummary } from "../src/api/client";
import { days, peak } from "../src/pages/quality/dayBuckets";
import {
  failingRows,
  filterChoices,
  isFiltered,
  qualityFilterOf,
  totalFailures,
} from "../src/pages/quality/qualityFilter";
import { failingColumn, groupSamples } from "../src/pages/quality/sampleGroups";
import { qualityLink } from "../src/pages/run/ingest/qualityLink";

type Day = QualitySummary["overTime"][number];
const day = (d: string, table: string, rule: string, count: number) =>
  ({ day: d, table, rule, count }) as Day;

describe("quality filter", () => {
  it("reads table, rule, run, window and status from the URL, 7 days and open failures unless told", () => {
    expect(qualityFilterOf(new URLSearchParams("table=customers&run=run_1&window=30d"))).toEqual({
      table: "customers",
      rule: undefined,
      runId: "run_1",
      window: "30d",
      status: "open",
    });
    expect(qualityFilterOf(new URLSearchParams("window=1y&rule=")).window).toBe("7d");
    expect(qualityFilterOf(new URLSearchParams("status=fixed")).status).toBe("fixed");
    expect(qualityFilterOf(new URLSearchParams("status=closed")).status).toBe("open");
    expect(isFiltered(qualityFilterOf(new URLSearchParams("window=all")))).toBe(false);
    expect(isFiltered(qualityFilterOf(new URLSearchParams("rule=x")))).toBe(true);
    expect(isFiltered(qualityFilterOf(new URLSearchParams("status=all")))).toBe(true);
  });

  it("counts failing rows in words, saying open or fixed", () => {
    expect(failingRows(1, "open")).toBe("1 open failing row");
    expect(failingRows(1200, "fixed")).toBe("1,200 fixed failing rows");
    expect(failingRows(0, "all")).toBe("0 failing rows");
  });

  it("links a run to all its failing rows, open or fixed since", () => {
    const url = new URL(qualityLink("run_1", "email_format"), "http://x");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      run: "run_1",
      window: "all",
      status: "all",
      rule: "email_format",
    });
  });

  it("offers every table, and the rules of the chosen table", () => {
    const byRule = [
      { table: "orders", rule: "neg" },
      { table: "customers", rule: "email" },
      { table: "customers", rule: "type_age" },
      { table: "orders", rule: "email" },
    ];
    expect(filterChoices(byRule)).toEqual({
      tables: ["customers", "orders"],
      rules: ["email", "neg", "type_age"],
    });
    expect(filterChoices(byRule, "orders").rules).toEqual(["email", "neg"]);
    expect(totalFailures([{ count: 3 }, { count: 4 }])).toBe(7);
  });
});

describe("failures per day", () => {
  const now = Date.parse("2026-03-10T15:00:00Z");

  it("covers the window to today, summing rules per day, biggest rule first", () => {
    const data = days(
      [
        day("2026-03-09", "c", "a", 1),
        day("2026-03-09", "c", "b", 3),
        day("2026-03-10", "c", "a", 2),
      ],
      "2026-03-08T15:00:00Z",
      now,
    );
    expect(data.map((d) => [d.day, d.total])).toEqual([
      ["2026-03-08", 0],
      ["2026-03-09", 4],
      ["2026-03-10", 2],
    ]);
    expect(data[1]!.rules).toEqual([
      ["c.b", 3],
      ["c.a", 1],
    ]);
    expect(peak(data)).toBe(4);
    expect(peak([])).toBe(0);
  });

  it("shows at least two weeks when the window is all time, and at most three months", () => {
    expect(days([day("2026-03-09", "c", "a", 1)], undefined, now)).toHaveLength(14);
    expect(days([day("2025-01-01", "c", "a", 1)], undefined, now)).toHaveLength(90);
  });
});

describe("sample rows", () => {
  const failure = (f: Partial<QualityFailure>) =>
    ({ id: "f", tableName: "t", rule: "r", description: "", row: null, ...f }) as QualityFailure;

  it("groups samples per table with the union of their columns, in first-seen order", () => {
    const groups = groupSamples([
      failure({ id: "1", tableName: "customers", row: { id: "1", email: "x" } }),
      failure({ id: "2", tableName: "orders", row: { id: "9" } }),
      failure({ id: "3", tableName: "customers", row: { id: "2", age: "old" } }),
    ]);
    expect(groups.map(([t, g]) => [t, g.columns, g.rows.map((r) => r.id)])).toEqual([
      ["customers", ["id", "email", "age"], ["1", "3"]],
      ["orders", ["id"], ["2"]],
    ]);
  });

  it("finds the failing column from the rule's name or its description", () => {
    const columns = ["id", "email", "total_spend", "age"];
    expect(failingColumn({ rule: "type_age", description: "" }, columns)).toBe("age");
    expect(failingColumn({ rule: "not_null_id", description: "" }, columns)).toBe("id");
    expect(failingColumn({ rule: "email_format", description: "" }, columns)).toBe("email");
    expect(
      failingColumn({ rule: "negative_spend", description: "total_spend is below 0" }, columns),
    ).toBe("total_spend");
    expect(failingColumn({ rule: "malformed", description: "wrong field count" }, columns)).toBe(
      undefined,
    );
  });
});
