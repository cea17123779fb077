// The Sync page's pure parts: why a run ended as it did (failed, waiting for the API budget, a dry
// run), when "Retry failed records" is refused before it is asked, a payload as readable fields,
// a retry's outcome, and what the operator is told when the API refuses a retry.
import { describe, expect, it } from "vitest";
import {
  countsLine,
  payloadFields,
  retryBlocked,
  retryOutcome,
  retryRefusal,
  runNote,
  type SyncRunFacts,
} from "../src/pages/sync/syncView";

const run = (over: Partial<SyncRunFacts> = {}): SyncRunFacts => ({
  runId: "run_1",
  status: "SUCCEEDED",
  error: null,
  dryRun: false,
  dryRunReason: null,
  outboxKey: null,
  waitingForBudget: false,
  failed: 0,
  unsent: 0,
  ...over,
});

/** An ApiError as the client makes one (the client module itself needs a browser). */
const apiError = (error: string, message: string, body: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { error, body });

describe("a sync run's reason", () => {
  it("says why a failed run failed, in the run's own words", () => {
    expect(
      runNote(run({ status: "FAILED", failed: 1, error: "1 of 4 records refused by Salesforce" })),
    ).toEqual({ tone: "error", label: "Failed", text: "1 of 4 records refused by Salesforce" });
  });

  it("says a run waits for the API budget rather than calling it a failure", () => {
    const error = "waiting for API budget: the org has 40 daily API requests left";
    expect(runNote(run({ status: "FAILED", waitingForBudget: true, error }))).toEqual({
      tone: "wait",
      label: "Waiting for API budget",
      text: error,
    });
  });

  it("says why a run was a dry run and where its records went; nothing for a clean live run", () => {
    const note = runNote(
      run({
        dryRun: true,
        dryRunReason: "no Salesforce credentials",
        outboxKey: "sync/outbox/run_1/contacts.jsonl",
      }),
    );
    expect(note).toEqual({
      tone: "info",
      label: "Dry run",
      text: "no Salesforce credentials; written to sync/outbox/run_1/contacts.jsonl",
    });
    expect(runNote(run())).toBeNull();
  });
});

describe("Retry failed records", () => {
  const failed = run({ runId: "run_f", status: "FAILED", failed: 2 });

  it("can go for a finished run with records Salesforce did not accept, refused or never sent", () => {
    expect(retryBlocked(failed, [failed])).toBeNull();
    expect(retryBlocked(run({ status: "FAILED", unsent: 3 }), [])).toBeNull();
  });

  it("is disabled when nothing failed, saying so", () => {
    expect(retryBlocked(run(), [])).toMatch(/accepted every record.*nothing failed/);
    expect(retryBlocked(run({ dryRun: true }), [])).toMatch(/dry run/);
  });

  it("is disabled while the run or another sync is going: one sync runs at a time", () => {
    expect(retryBlocked({ ...failed, status: "RUNNING" }, [])).toBe("run_f is still running");
    const going = run({ runId: "run_g", status: "QUEUED" });
    expect(retryBlocked(failed, [going, failed])).toBe(
      "sync run run_g is queued: one sync runs at a time",
    );
  });

  it("tells what a retry did once it has ended, and that it is going until then", () => {
    const stats = { sent: 1, created: 1, updated: 0, failed: 0, unsent: 0 };
    expect(retryOutcome({ id: "run_r", status: "RUNNING", error: null, stats: {} }).tone).toBe(
      "pending",
    );
    expect(retryOutcome({ id: "run_r", status: "SUCCEEDED", error: null, stats })).toEqual({
      tone: "ok",
      text: "1 sent · 1 created · 0 updated · 0 failed",
    });
    expect(
      retryOutcome({
        id: "run_r",
        status: "FAILED",
        error: "1 of 1 records refused",
        stats: { ...stats, created: 0, failed: 1, unsent: 2 },
      }),
    ).toEqual({
      tone: "error",
      text: "1 sent · 0 created · 0 updated · 1 failed · 2 not sent — 1 of 1 records refused",
    });
    expect(countsLine({})).toBe("0 sent · 0 created · 0 updated · 0 failed");
  });

  it("tells the operator why the API refused, with the running sync to look at when busy", () => {
    const nothing = apiError("sync.nothing_to_retry", "run_f has no records to retry");
    expect(retryRefusal(nothing)).toEqual({
      title: "Nothing to retry",
      message: "run_f has no records to retry",
    });
    const busy = apiError("sync.busy", "sync run run_g is running", { runId: "run_g" });
    expect(retryRefusal(busy)).toMatchObject({ title: "A sync is running", runId: "run_g" });
    expect(retryRefusal(apiError("network", "cannot reach the API")).message).toBe(
      "cannot reach the API",
    );
  });
});

describe("the payload sent", () => {
  it("reads field by field, by name; a null is shown as a cleared field", () => {
    expect(
      payloadFields({
        External_Id__c: "u0000002",
        Email: "user2@example.com",
        FirstName: null,
        Segment_Score__c: 0.247,
        Extra: { a: 1 },
      }),
    ).toEqual([
      { field: "Email", value: "user2@example.com", empty: false },
      { field: "External_Id__c", value: "u0000002", empty: false },
      { field: "Extra", value: '{"a":1}', empty: false },
      { field: "FirstName", value: "null", empty: true },
      { field: "Segment_Score__c", value: "0.247", empty: false },
    ]);
    expect(payloadFields(null)).toEqual([]);
  });
});
