// The list pages' pure parts: the runs filter read from the URL and what to start, the bulk retry
// filter in words, schema changes grouped into steps, audit detail in a line, alert kinds.
import { describe, expect, it } from "vitest";
import type { SchemaChange } from "../src/api/client";
import { outcomeWords, problemLabel } from "../src/lib/bulkRetry";
import { hidesResolved } from "../src/lib/status";
import { kindLabel } from "../src/pages/alerts/kindLabel";
import { auditDetail } from "../src/pages/audit/auditDetail";
import { describeBulkFilter, hasFailedStatus } from "../src/pages/runs/bulk-retry/bulkFilter";
import { isFiltered, PAGE_SIZE, pipelineChoices, runFilterOf } from "../src/pages/runs/runFilter";
import { pipelineToStart, startTitle } from "../src/pages/runs/startable";
import { columnCount, kindOf, renamedFrom, stepsOf } from "../src/pages/schema/schemaSteps";
import { ACTIVE_POLL_MS, IDLE_POLL_MS, runsPollMs } from "../src/queries/runsPoll";

describe("runs list polling", () => {
  it("follows a page closely while a run on it is going", () => {
    expect(runsPollMs([{ status: "SUCCEEDED" }, { status: "RUNNING" }], undefined)).toBe(
      ACTIVE_POLL_MS,
    );
    expect(runsPollMs([{ status: "QUEUED" }], "older")).toBe(ACTIVE_POLL_MS);
  });

  it("keeps looking at the newest page every few seconds when nothing on it runs", () => {
    // A file dropped into the inbox starts a run the page has not seen: it must show up.
    expect(runsPollMs([{ status: "FAILED" }], undefined)).toBe(IDLE_POLL_MS);
    expect(runsPollMs([], undefined)).toBe(IDLE_POLL_MS);
    expect(IDLE_POLL_MS).toBeLessThanOrEqual(5000);
  });

  it("leaves an older page alone when nothing on it runs", () => {
    expect(runsPollMs([{ status: "SUCCEEDED" }], "older")).toBe(false);
  });
});

describe("runs filter", () => {
  it("reads statuses, pipelines, dates, cursor and a bounded page size from the URL", () => {
    const f = runFilterOf(
      new URLSearchParams("status=failed,bogus&pipeline=a,b&cursor=c&limit=20"),
    );
    expect(f).toEqual({
      status: ["FAILED"],
      pipeline: ["a", "b"],
      from: undefined,
      to: undefined,
      showResolved: false,
      cursor: "c",
      limit: 20,
    });
    expect(runFilterOf(new URLSearchParams("status=FAILED&resolved=show")).showResolved).toBe(true);
    expect(runFilterOf(new URLSearchParams("limit=5000")).limit).toBe(PAGE_SIZE);
    expect(runFilterOf(new URLSearchParams("limit=x")).limit).toBe(PAGE_SIZE);
  });

  it("a failed status means needs attention: resolved runs are left out unless shown", () => {
    expect(hidesResolved(runFilterOf(new URLSearchParams("status=FAILED")))).toBe(true);
    expect(hidesResolved(runFilterOf(new URLSearchParams("status=TIMED_OUT,SUCCEEDED")))).toBe(
      true,
    );
    expect(hidesResolved(runFilterOf(new URLSearchParams("status=FAILED&resolved=show")))).toBe(
      false,
    );
    // No status filter: every run, resolved ones shown as resolved.
    expect(hidesResolved(runFilterOf(new URLSearchParams("")))).toBe(false);
    expect(hidesResolved(runFilterOf(new URLSearchParams("status=SUCCEEDED")))).toBe(false);
  });

  it("counts a filter by what narrows the list, not by the page", () => {
    expect(isFiltered(runFilterOf(new URLSearchParams("cursor=c&limit=10")))).toBe(false);
    expect(isFiltered(runFilterOf(new URLSearchParams("from=2026-01-01")))).toBe(true);
  });

  it("offers every pipeline the platform, the runs and the URL name, once, sorted", () => {
    expect(pipelineChoices(["selftest", "ingest"], ["ingest", "old"], ["zz"])).toEqual([
      "ingest",
      "old",
      "selftest",
      "zz",
    ]);
  });

  it("starts the chosen pipeline if it can, else selftest, else the first", () => {
    expect(pipelineToStart("housekeeping", ["selftest", "housekeeping"])).toBe("housekeeping");
    expect(pipelineToStart("gone", ["housekeeping", "selftest"])).toBe("selftest");
    expect(pipelineToStart(null, ["housekeeping"])).toBe("housekeeping");
    expect(pipelineToStart(null, [])).toBeNull();
    expect(startTitle("selftest")).toMatch(/^Start selftest: checks the ops store/);
    expect(startTitle("other")).toBe("Start other");
  });
});

describe("bulk retry filter", () => {
  const f = (q: string) => runFilterOf(new URLSearchParams(q));

  it("says which failed statuses and pipelines the server will retry", () => {
    expect(describeBulkFilter(f("status=FAILED,SUCCEEDED&pipeline=selftest&from=2026-01-01"))).toBe(
      "status failed · pipeline selftest · created from 2026-01-01",
    );
    expect(describeBulkFilter(f(""))).toMatch(/^status failed, .* · every pipeline$/);
  });

  it("has nothing to retry when the status filter names no failed status", () => {
    expect(hasFailedStatus(f("status=SUCCEEDED"))).toBe(false);
    expect(hasFailedStatus(f("status=SUCCEEDED,TIMED_OUT"))).toBe(true);
    expect(hasFailedStatus(f(""))).toBe(true);
  });
});

describe("schema steps", () => {
  const change = (c: Partial<SchemaChange>) =>
    ({
      id: `${c.tableName}.${c.columnName}`,
      tableName: "customers",
      runId: "run_1",
      sourceKey: "a.csv",
      createdAt: "2026-01-01T00:00:00Z",
      change: "add",
      columnName: "x",
      originalName: null,
      ...c,
    }) as SchemaChange;

  it("groups changes per table and file, newest file first, by kind", () => {
    const steps = stepsOf([
      change({ columnName: "id", change: "create" }),
      change({ columnName: "email", change: "create" }),
      change({ runId: "run_2", createdAt: "2026-01-02T00:00:00Z", columnName: "tier" }),
      change({
        runId: "run_2",
        createdAt: "2026-01-02T00:00:00Z",
        columnName: "id",
        change: "widen",
      }),
      change({ tableName: "orders", columnName: "id", change: "create" }),
    ]);
    expect([...steps.keys()]).toEqual(["customers", "orders"]);
    const customers = steps.get("customers")!;
    expect(customers.map((s) => s.runId)).toEqual(["run_2", "run_1"]);
    expect(customers[0]!.added.map((c) => c.columnName)).toEqual(["tier"]);
    expect(customers[0]!.widened.map((c) => c.columnName)).toEqual(["id"]);
    expect(columnCount(customers)).toBe(3);
  });

  it("reads an unknown change as an addition, and notes a renamed header", () => {
    expect(kindOf("rename")).toBe("add");
    expect(renamedFrom(change({ columnName: "loyalty_tier", originalName: "Loyalty Tier" }))).toBe(
      "Loyalty Tier",
    );
    expect(renamedFrom(change({ columnName: "id", originalName: "id" }))).toBeNull();
  });
});

describe("audit and alerts", () => {
  it("puts an audit entry's set details in one line", () => {
    expect(auditDetail({ engine: "glue", skipped: null, reason: "", ids: ["a"] })).toBe(
      'engine glue · ids ["a"]',
    );
  });

  it("names why a bulk retry skipped a run in words, never by its code", () => {
    expect(problemLabel("run.already_retried")).toBe("Already retried");
    expect(problemLabel("run.needs_fix")).toBe("Needs a fix first");
    expect(problemLabel("something.new")).toBe("Could not be retried");
    expect(outcomeWords({ succeeded: 2, failed: 1, stillRunning: 0 })).toBe(
      "2 succeeded, 1 failed again",
    );
  });

  it("names every alert kind", () => {
    expect(kindLabel("run_failed")).toBe("Run failed");
    expect(kindLabel("file_rejected")).toBe("File rejected");
  });
});
