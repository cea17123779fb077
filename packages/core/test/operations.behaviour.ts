// The operations port's behaviour, written once: every adapter (local runner, AWS Glue + Step
// Functions) runs these scenarios through its own small fixture.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Operations, RetryAction, RetryProgress } from "../src/run/operations";
import { type Info, Info as InfoSchema, Statuses } from "../src/run/run";
import { statusOf, VisibleError } from "../src/util/error";

export interface OperationsFixture {
  operations: Operations;
  /** Two pipelines to make runs of (AWS: a Glue job's and a state machine's). */
  pipelines: readonly [string, string];
  /** A run that failed; retrying it succeeds. */
  failedRun(pipeline: string): Promise<Info>;
  succeededRun(pipeline: string): Promise<Info>;
  /** A run still going. */
  runningRun(pipeline: string): Promise<Info>;
  /** A run of the same work as `failed` (same job and arguments, same input), still going. */
  runningTwinOf(failed: Info): Promise<Info>;
  /** What a retry of a failed run of the pipeline does. */
  retryAction(pipeline: string): RetryAction;
  /** Make every engine call fail throttled (past the retry policy) until the returned undo runs. */
  throttle?: () => () => void;
  /** Let the runs started so far (retries included) finish. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface BehaviourOptions {
  /** Why the throttling scenario does not apply, for engines without an API to throttle. */
  throttlingNotApplicable?: string;
}

async function rejection(p: Promise<unknown>): Promise<VisibleError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VisibleError);
  return err as VisibleError;
}

async function conflict(p: Promise<unknown>, code: string): Promise<VisibleError> {
  const err = await rejection(p);
  expect({ kind: err.kind, code: err.code, message: err.message }).toMatchObject({
    kind: "conflict",
    code,
  });
  expect(statusOf(err.kind)).toBe(409);
  return err;
}

const now = () => new Date().toISOString();
const ids = (runs: { id: string }[]) => runs.map((r) => r.id);

export function operationsBehaviour(
  name: string,
  make: () => Promise<OperationsFixture>,
  options: BehaviourOptions = {},
) {
  describe(name, () => {
    let fx: OperationsFixture;
    let ops: Operations;
    let p0: string;
    let p1: string;
    beforeAll(async () => {
      fx = await make();
      ops = fx.operations;
      [p0, p1] = fx.pipelines;
    });
    afterAll(async () => {
      await fx?.settle();
      await fx?.close();
    });

    /** Every run listed from `from` on, following cursors with a small page size. */
    async function pageThrough(filter: Parameters<Operations["list"]>[0], limit = 2) {
      const seen: Info[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 200; i++) {
        const page = await ops.list({ ...filter, limit, cursor });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.items);
        if (!page.nextCursor) return seen;
        cursor = page.nextCursor;
      }
      throw new Error("the cursor never ended");
    }

    test("lists the runs of every pipeline newest first, in the one Run model", async () => {
      const since = now();
      const a = await fx.failedRun(p0);
      const b = await fx.succeededRun(p1);
      const c = await fx.succeededRun(p0);
      const page = await ops.list({ from: since, limit: 500 });
      expect(page.nextCursor).toBeNull();
      const listed = ids(page.items);
      expect(listed).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
      expect(listed.indexOf(c.id)).toBeLessThan(listed.indexOf(b.id));
      expect(listed.indexOf(b.id)).toBeLessThan(listed.indexOf(a.id));
      for (const run of page.items) {
        expect(() => InfoSchema.parse(run)).not.toThrow();
        expect(Statuses).toContain(run.status);
      }
      const times = page.items.map((r) => Date.parse(r.createdAt));
      expect([...times].sort((x, y) => y - x)).toEqual(times);
      expect(page.items.find((r) => r.id === a.id)).toMatchObject({
        status: "FAILED",
        pipeline: p0,
      });
      expect(page.items.find((r) => r.id === b.id)).toMatchObject({
        status: "SUCCEEDED",
        pipeline: p1,
      });
    });

    test("filters by status, pipeline and time", async () => {
      const since = now();
      const failed = await fx.failedRun(p0);
      const ok1 = await fx.succeededRun(p1);
      const ok0 = await fx.succeededRun(p0);
      const until = now();

      const failedOnly = await ops.list({ status: ["FAILED"], from: since });
      expect(failedOnly.items.every((r) => r.status === "FAILED")).toBe(true);
      expect(ids(failedOnly.items)).toEqual([failed.id]);

      const onlyP1 = await ops.list({ pipeline: [p1], from: since });
      expect(onlyP1.items.every((r) => r.pipeline === p1)).toBe(true);
      expect(ids(onlyP1.items)).toEqual([ok1.id]);

      const both = await ops.list({ status: ["SUCCEEDED"], pipeline: [p0], from: since });
      expect(ids(both.items)).toEqual([ok0.id]);

      const window = await ops.list({ from: since, to: until });
      expect(ids(window.items)).toEqual([ok0.id, ok1.id, failed.id]);
      const before = await ops.list({ to: new Date(Date.parse(since) - 1).toISOString() });
      expect(ids(before.items)).not.toContain(failed.id);
      const future = await ops.list({ from: new Date(Date.now() + 3_600_000).toISOString() });
      expect(future.items).toEqual([]);
      expect((await ops.list({ pipeline: ["no-such-pipeline"] })).items).toEqual([]);
    });

    test("pages with one cursor across pipelines: no repeats, no gaps, newest first", async () => {
      const since = now();
      const made: Info[] = [];
      for (let i = 0; i < 3; i++) {
        made.push(await fx.failedRun(i % 2 ? p1 : p0));
        made.push(await fx.succeededRun(i % 2 ? p0 : p1));
      }
      const all = await ops.list({ from: since, limit: 500 });
      expect(all.nextCursor).toBeNull();
      expect(new Set(ids(all.items))).toEqual(new Set(ids(made)));

      const paged = await pageThrough({ from: since });
      expect(ids(paged)).toEqual(ids(all.items));
      expect(new Set(ids(paged)).size).toBe(paged.length);

      // The same holds with a status filter, and over everything ever listed.
      const failedPaged = await pageThrough({ status: ["FAILED"], from: since }, 1);
      expect(ids(failedPaged)).toEqual(ids(all.items.filter((r) => r.status === "FAILED")));
      const everything = await pageThrough({}, 3);
      expect(ids(everything)).toEqual(ids(await pageThrough({}, 500)));
    });

    test("explains a failed run: its error, what a retry will do, nothing blocking it", async () => {
      for (const pipeline of [p0, p1]) {
        const failed = await fx.failedRun(pipeline);
        const detail = await ops.get(failed.id);
        expect(detail).toMatchObject({
          id: failed.id,
          pipeline,
          status: "FAILED",
          retryOf: null,
          retriedBy: null,
        });
        expect(detail.error).toBeTruthy();
        expect(detail.retry).toMatchObject({
          action: fx.retryAction(pipeline),
          blockedReason: null,
        });
        expect(detail.retry.description.length).toBeGreaterThan(10);
        expect(ids(detail.chain)).toEqual([failed.id]);
      }
      const missing = await rejection(ops.get("no-such-run"));
      expect(missing).toMatchObject({ kind: "not_found", code: "run.not_found" });
    });

    test("retries a failed run: a new run linked to it by retryOf", async () => {
      for (const pipeline of [p0, p1]) {
        const failed = await fx.failedRun(pipeline);
        const retry = await ops.retry(failed.id, "tester");
        expect(retry.id).not.toBe(failed.id);
        expect(retry).toMatchObject({ pipeline, retryOf: failed.id });
        expect(["QUEUED", "RUNNING", "SUCCEEDED"]).toContain(retry.status);

        const detail = await ops.get(failed.id);
        expect(detail.retriedBy).toBe(retry.id);
        expect(detail.retry.blockedReason).toMatch(/already retried/);
        expect(ids(detail.chain)).toEqual([failed.id, retry.id]);
        expect((await ops.get(retry.id)).retryOf).toBe(failed.id);
      }
      await fx.settle();
    });

    test("a failed run whose retry succeeded is resolved: its detail says by which run, and what needs attention leaves it out", async () => {
      const since = now();
      const resolved: [Info, Info][] = [];
      const open: Info[] = [];
      for (const pipeline of [p0, p1]) {
        const failed = await fx.failedRun(pipeline);
        resolved.push([failed, await ops.retry(failed.id, "tester")]);
        open.push(await fx.failedRun(pipeline));
      }
      await fx.settle();
      for (const [failed, retry] of resolved) {
        expect((await ops.get(retry.id)).status).toBe("SUCCEEDED");
        const detail = await ops.get(failed.id);
        expect(detail).toMatchObject({ status: failed.status, resolvedBy: retry.id });
      }
      const failedStatuses = ["FAILED", "TIMED_OUT", "STOPPED"] as const;
      const attention = await ops.list({
        from: since,
        status: [...failedStatuses],
        resolved: false,
        limit: 500,
      });
      expect(ids(attention.items).sort()).toEqual(ids(open).sort());
      // Kept in the history, marked resolved. (A redriven execution lists as its latest attempt:
      // the failed attempt is not a row of its own there, so not every engine lists both.)
      const by = new Map(resolved.map(([f, r]) => [f.id, r.id]));
      const history = await ops.list({ from: since, limit: 500 });
      const listed = history.items.filter((r) => by.has(r.id));
      expect(listed.length).toBeGreaterThan(0);
      for (const r of listed) expect(r.resolvedBy).toBe(by.get(r.id));
      const onlyResolved = await ops.list({ from: since, resolved: true, limit: 500 });
      expect(ids(onlyResolved.items).sort()).toEqual(ids(listed).sort());
    });

    test("retrying twice starts one run; the second call says which", async () => {
      for (const pipeline of [p0, p1]) {
        const since = now();
        const failed = await fx.failedRun(pipeline);
        const first = await ops.retry(failed.id, "tester");
        const again = await conflict(ops.retry(failed.id, "tester"), "run.already_retried");
        expect(again.details?.runId).toBe(first.id);

        // Two clicks at the same moment: one run, and the loser names the winner.
        const other = await fx.failedRun(pipeline);
        const results = await Promise.allSettled([
          ops.retry(other.id, "tester"),
          ops.retry(other.id, "tester"),
        ]);
        const won = results.filter((r) => r.status === "fulfilled");
        const lost = results.filter((r) => r.status === "rejected");
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        const winner = (won[0] as PromiseFulfilledResult<Info>).value;
        const loser = (lost[0] as PromiseRejectedResult).reason as VisibleError;
        expect(loser).toMatchObject({ code: "run.already_retried", details: { runId: winner.id } });

        const listed = await ops.list({ from: since, limit: 500 });
        expect(listed.items.filter((r) => r.retryOf === other.id)).toHaveLength(1);
        expect(listed.items.filter((r) => r.retryOf === failed.id)).toHaveLength(1);
      }
      await fx.settle();
    });

    test("refuses to retry a run that did not fail (409 conflict)", async () => {
      const ok = await fx.succeededRun(p0);
      const err = await conflict(ops.retry(ok.id, "tester"), "run.not_failed");
      expect(err.message).toMatch(/SUCCEEDED/);
      expect((await ops.get(ok.id)).retry.blockedReason).toMatch(/only failed runs/);

      const running = await fx.runningRun(p1);
      await conflict(ops.retry(running.id, "tester"), "run.not_failed");
      expect((await ops.get(running.id)).retry.blockedReason).toMatch(/still going/);
      await fx.settle();
    });

    test("refuses to retry while an identical run is still going, naming it", async () => {
      const failed = await fx.failedRun(p0);
      const twin = await fx.runningTwinOf(failed);
      const err = await conflict(ops.retry(failed.id, "tester"), "run.already_running");
      expect(err.details?.runId).toBe(twin.id);
      expect(err.message).toContain(twin.id);
      // Refused before anything was started or recorded.
      expect((await ops.get(failed.id)).retriedBy).toBeNull();
      await fx.settle();
    });

    if (options.throttlingNotApplicable) {
      test.skip(`throttled: not applicable — ${options.throttlingNotApplicable}`, () => {});
    } else {
      test("throttled past the retry policy: a clear 503-kind error, nothing half-done", async () => {
        const failed = await fx.failedRun(p0);
        const undo = fx.throttle!();
        try {
          for (const attempt of [
            ops.list({}),
            ops.get(failed.id),
            ops.retry(failed.id, "tester"),
          ]) {
            const err = await rejection(attempt);
            expect(err).toMatchObject({ kind: "unavailable", code: "aws.throttled" });
            expect(statusOf(err.kind)).toBe(503);
            expect(err.message).toMatch(/throttling/);
            expect(err.message).toMatch(/try again/);
          }
        } finally {
          undo();
        }
        const retry = await ops.retry(failed.id, "tester");
        expect(retry.retryOf).toBe(failed.id);
        await fx.settle();
      });
    }

    test("retries every failed run matching a filter once, skipping runs already retried", async () => {
      const since = now();
      const f1 = await fx.failedRun(p0);
      const f2 = await fx.failedRun(p1);
      const f3 = await fx.failedRun(p0);
      const ok = await fx.succeededRun(p1);
      const earlier = await ops.retry(f1.id, "tester");

      const progress: RetryProgress[] = [];
      const result = await ops.retryMatching({ from: since }, "tester", (p) => progress.push(p));
      expect(result.failed).toEqual([]);
      expect(result.stoppedEarly).toBeNull();
      expect(result.retried.map((r) => r.id).sort()).toEqual([f2.id, f3.id].sort());
      for (const r of result.retried) expect(r.retry.retryOf).toBe(r.id);
      expect(ids(result.skipped)).not.toContain(ok.id);
      expect(progress.length).toBe(result.retried.length + result.skipped.length);
      expect(progress.at(-1)).toMatchObject({ retried: 2, failed: 0 });

      const again = await ops.retryMatching({ from: since }, "tester");
      expect(again.retried).toEqual([]);
      expect((await ops.get(f1.id)).retriedBy).toBe(earlier.id);
      for (const f of [f1, f2, f3]) expect((await ops.get(f.id)).chain).toHaveLength(2);
      const onlyOk = await ops.retryMatching({ from: since, status: ["SUCCEEDED"] }, "tester");
      expect(onlyOk.retried).toEqual([]);
      await fx.settle();
    });
  });
}
