// The run page's maths: the quarantined share against the reject threshold and its bar, where
// the file went in the lake, the timeline's events, the retry chain and the stats' labels.
import { describe, expect, it } from "vitest";
import type { RunDetail } from "../src/api/client";
import { factEntries } from "../src/pages/run/Facts";
import { humanize } from "../src/pages/run/factLabels";
import { lakeFiles } from "../src/pages/run/ingest/lakeFiles";
import { quarantineShare } from "../src/pages/run/ingest/quarantineShare";
import { chainOf } from "../src/pages/run/retryChain";
import { timelineEvents } from "../src/pages/run/timelineEvents";

describe("quarantine share", () => {
  it("puts the threshold marker at 80 % of the bar, so a small share still shows", () => {
    const q = quarantineShare({ rowsRead: 100, rowsQuarantined: 10, rejectThreshold: 0.2 });
    expect(q.share).toBeCloseTo(0.1);
    expect(q.over).toBe(false);
    expect(q.markerPercent).toBeCloseTo(80);
    expect(q.barPercent).toBeCloseTo(40);
  });

  it("fills the bar past the threshold and says the file is over it", () => {
    const q = quarantineShare({ rowsRead: 10, rowsQuarantined: 9, rejectThreshold: 0.2 });
    expect(q.over).toBe(true);
    expect(q.barPercent).toBe(100);
    expect(q.markerPercent).toBeCloseTo((0.2 / 0.9) * 100);
  });

  it("has no marker without a threshold, and no share without rows", () => {
    const q = quarantineShare({ rowsRead: 0, rowsQuarantined: 0, rejectThreshold: null });
    expect(q).toMatchObject({ share: 0, over: false, markerPercent: null, barPercent: 0 });
  });
});

describe("lake files", () => {
  it("a loaded file: where it arrived, where it is now, where its rejected rows are", () => {
    const rows = lakeFiles(
      { args: { sourceKey: "inbox/customers/a.csv" } },
      { sourceKey: "processed/customers/a.csv", errorKey: "error/customers/a.rejects.csv" },
    );
    expect(rows).toEqual([
      { label: "Arrived as", key: "inbox/customers/a.csv" },
      { label: "Now at", key: "processed/customers/a.csv", note: "loaded, moved to processed/" },
      {
        label: "Rejected rows",
        key: "error/customers/a.rejects.csv",
        note: "CSV, the failed rule on each row",
      },
    ]);
  });

  it("a file whose rejected rows failed it: its reason and its rejects file", () => {
    const rows = lakeFiles(
      { args: {} },
      {
        sourceKey: "error/c/a.csv",
        errorKey: "error/c/a.csv",
        rejectsKey: "error/c/a.rejects.csv",
      },
    );
    expect(rows.map((r) => [r.label, r.key])).toEqual([
      ["Now at", "error/c/a.csv"],
      ["Why it failed", "error/c/a.csv.reason.txt"],
      ["Rejected rows", "error/c/a.rejects.csv"],
    ]);
  });

  it("a clean file: no rejected rows to point at", () => {
    const rows = lakeFiles(
      { args: { sourceKey: "inbox/c/a.csv" } },
      { sourceKey: "processed/c/a.csv", errorKey: null, rejectsKey: null },
    );
    expect(rows.map((r) => r.label)).toEqual(["Arrived as", "Now at"]);
  });

  it("a failed file: moved to error/, with its reason beside it", () => {
    const rows = lakeFiles({ args: {} }, { sourceKey: "error/c/a.csv", errorKey: "error/c/a.csv" });
    expect(rows).toEqual([
      { label: "Now at", key: "error/c/a.csv", note: "moved to error/, not loaded" },
      { label: "Why it failed", key: "error/c/a.csv.reason.txt" },
    ]);
    expect(lakeFiles({ args: {} }, { sourceKey: null, errorKey: null })).toEqual([]);
  });
});

describe("timeline", () => {
  const base: Omit<Parameters<typeof timelineEvents>[0], "status"> = {
    createdAt: "2026-01-01T10:00:00Z",
    startedAt: "2026-01-01T10:00:01Z",
    finishedAt: null,
    stats: { timeline: [{ at: "2026-01-01T10:00:02Z", step: "staged" }, { bad: true }] },
  };

  it("lists created, started, the engine's steps and how the run ended", () => {
    const events = timelineEvents({
      ...base,
      status: "TIMED_OUT",
      finishedAt: "2026-01-01T10:05:00Z",
    });
    expect(events.map((e) => [e.label, e.tone])).toEqual([
      ["Created", "done"],
      ["Started", "done"],
      ["staged", "done"],
      ["Finished: timed out", "fail"],
    ]);
  });

  it("ends with what an unfinished run is waiting for", () => {
    const queued = timelineEvents({ ...base, startedAt: null, status: "QUEUED" });
    expect(queued.map((e) => [e.label, e.tone])).toEqual([
      ["Created", "done"],
      ["Started", "wait"],
      ["staged", "done"],
      ["Waiting to start…", "wait"],
    ]);
    const running = timelineEvents({ ...base, status: "RUNNING" });
    expect(running.at(-1)?.label).toBe("Running…");
  });
});

describe("retry chain", () => {
  const summary = (id: string, createdAt: string) =>
    ({ id, createdAt }) as RunDetail["chain"][number];

  it("adds the run itself when the API left it out, after the runs before it", () => {
    const run = {
      id: "run_b",
      createdAt: "2026-01-01T10:01:00Z",
      chain: [summary("run_a", "2026-01-01T10:00:00Z"), summary("run_c", "2026-01-01T10:02:00Z")],
      retry: {},
      engineDetail: {},
      links: [],
    } as unknown as RunDetail;
    expect(chainOf(run).map((r) => r.id)).toEqual(["run_a", "run_b"]);
  });

  it("keeps the API's chain when the run is in it", () => {
    const run = {
      id: "run_a",
      createdAt: "2026-01-01T10:00:00Z",
      chain: [summary("run_a", "2026-01-01T10:00:00Z"), summary("run_b", "2026-01-01T10:01:00Z")],
    } as unknown as RunDetail;
    expect(chainOf(run)).toBe(run.chain);
  });
});

describe("fact labels", () => {
  it("uses the known labels, else splits camelCase into a sentence", () => {
    expect(humanize("rowsRead")).toBe("Rows read");
    expect(humanize("checkedTables")).toBe("Checked tables");
    expect(humanize("tablesWithNewColumns")).toBe("Tables with new columns");
  });

  it('lists only the facts a run has: a null fact is absent, not "null"', () => {
    const stats = { rowsRead: 3, rejectsKey: null, planKey: undefined, table: "c", ok: false };
    expect(factEntries(stats, new Set(["table"]))).toEqual([
      ["rowsRead", 3],
      ["ok", false],
    ]);
  });
});
