// A failed run whose retry chain ends in success is resolved — recorded when the successful retry
// finishes (the lifecycle's `completed`), derived from the chain when listing (older data), with
// its alerts resolved and its failure left out of the metrics' failures. And a failure that needs
// a fix is classed so, and its retry must be confirmed. On PGlite and on PostgreSQL.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames, makeOps } from "../../../test/support/engines";
import { listAlerts, localNotifier } from "../src/alert/alert";
import { localMetrics, querySeries } from "../src/metric/metric";
import type { OpsStore } from "../src/ops/db";
import { needsFix } from "../src/run/failure";
import type { Job } from "../src/run/job";
import { runLifecycle } from "../src/run/lifecycle";
import { LocalRunner } from "../src/run/local-runner";
import { runTable } from "../src/run/run.sql";
import { getRun, insertRun, listRuns } from "../src/run/store";
import { VisibleError } from "../src/util/error";

/** Fails its first `failures` attempts of one piece of work (transiently), then succeeds. */
const failuresSeen = new Map<string, number>();
const flaky: Job = {
  async run({ run }) {
    const work = String(run.args.work);
    const seen = failuresSeen.get(work) ?? 0;
    if (seen < Number(run.args.failures ?? 0)) {
      failuresSeen.set(work, seen + 1);
      return { status: "FAILED", error: `warehouse unreachable (attempt ${seen + 1})` };
    }
    if (run.args.noKey) {
      return {
        status: "FAILED",
        error: 'leads.csv has no key column "user_id"',
        failure: needsFix("correct the file and drop it into inbox/ again"),
      };
    }
    if (run.args.inputError) {
      throw new VisibleError("input", "ingest.key_mismatch", "table leads is keyed by id");
    }
    return {};
  },
};

describe.each(engineNames)("run resolution on %s", (engine) => {
  let ops: OpsStore;
  let runner: LocalRunner;
  let n = 0;
  beforeAll(async () => {
    ops = await makeOps(engine);
    const lifecycle = runLifecycle({
      ops: ops.db,
      metrics: localMetrics(ops.db),
      notifier: localNotifier(ops.db),
    });
    runner = new LocalRunner(lifecycle, { flaky }, { concurrency: 2 });
  });
  afterAll(async () => {
    await runner.idle();
    await ops.close();
  });

  const finished = async (args: Record<string, unknown>) =>
    runner.wait((await runner.submit("flaky", { work: `${engine}-w${++n}`, ...args })).id);
  const retried = async (id: string, confirm?: boolean) =>
    runner.wait((await runner.retry(id, { confirm })).id);
  const alertsOf = async (runId: string) =>
    (await listAlerts(ops.db, { limit: 500 })).filter((a) => a.runId === runId);

  test("a failed run whose retry succeeds is resolved when the retry finishes: the run, its alert, the metrics", async () => {
    const failed = await finished({ failures: 1 });
    expect(failed).toMatchObject({ status: "FAILED", failureClass: "transient", resolvedBy: null });
    const [alert] = await alertsOf(failed.id);
    expect(alert).toMatchObject({ kind: "run_failed", resolvedAt: null, resolution: null });
    expect((await listAlerts(ops.db, { open: true })).map((a) => a.id)).toContain(alert!.id);

    const retry = await retried(failed.id);
    expect(retry.status).toBe("SUCCEEDED");

    const after = await getRun(ops.db, failed.id);
    expect(after).toMatchObject({ status: "FAILED", resolvedBy: retry.id });
    expect(after?.resolvedAt).toBe(retry.finishedAt);
    const [resolved] = await alertsOf(failed.id);
    expect(resolved?.resolution).toBe(`resolved by run ${retry.id} (retry succeeded)`);
    expect(resolved?.resolvedAt).not.toBeNull();
    // No longer open, though nobody acknowledged it.
    expect(resolved?.acknowledgedAt).toBeNull();
    expect((await listAlerts(ops.db, { open: true })).map((a) => a.id)).not.toContain(alert!.id);
    expect((await listAlerts(ops.db, { resolved: true })).map((a) => a.id)).toContain(alert!.id);

    // Needs attention: failed and not resolved. Kept in the history of failed runs.
    const attention = await listRuns(ops.db, { status: ["FAILED"], resolved: false, limit: 500 });
    expect(attention.items.map((r) => r.id)).not.toContain(failed.id);
    const history = await listRuns(ops.db, { status: ["FAILED"], limit: 500 });
    expect(history.items.find((r) => r.id === failed.id)?.resolvedBy).toBe(retry.id);
    const onlyResolved = await listRuns(ops.db, { resolved: true, limit: 500 });
    expect(onlyResolved.items.map((r) => r.id)).toContain(failed.id);
    expect(onlyResolved.items.every((r) => r.resolvedBy)).toBe(true);

    // The failure stays in the series, and a resolution beside it in the same bucket.
    const series = await querySeries(ops.db, {
      names: ["RunFailed", "RunResolved"],
      since: new Date(Date.now() - 3_600_000),
      bucketMinutes: 60,
    });
    const sum = (name: string) =>
      series
        .filter((s) => s.name === name && s.pipeline === "flaky")
        .reduce((a, s) => a + s.sum, 0);
    expect(sum("RunFailed")).toBeGreaterThanOrEqual(1);
    const failedBucket = series.find((s) => s.name === "RunFailed")?.t;
    expect(series.find((s) => s.name === "RunResolved")?.t).toBe(failedBucket);
  });

  test("a chain of failed retries ending in success resolves every failed run in it", async () => {
    const first = await finished({ failures: 2 });
    const second = await retried(first.id);
    expect(second.status).toBe("FAILED");
    expect((await getRun(ops.db, first.id))?.resolvedBy).toBeNull();
    const page = await listRuns(ops.db, { status: ["FAILED"], resolved: false, limit: 500 });
    expect(page.items.map((r) => r.id)).toEqual(expect.arrayContaining([first.id, second.id]));

    const third = await retried(second.id);
    expect(third.status).toBe("SUCCEEDED");
    for (const id of [first.id, second.id]) {
      expect((await getRun(ops.db, id))?.resolvedBy).toBe(third.id);
      for (const a of await alertsOf(id)) {
        expect(a.resolution).toBe(`resolved by run ${third.id} (retry succeeded)`);
      }
    }
  });

  test("runs resolved before resolutions were recorded are derived from their chain when listed", async () => {
    const old = await insertRun(ops.db, { pipeline: "flaky", args: {}, status: "FAILED" });
    const retry = await insertRun(ops.db, {
      pipeline: "flaky",
      args: {},
      status: "SUCCEEDED",
      retryOf: old.id,
    });
    const stillFailed = await insertRun(ops.db, { pipeline: "flaky", args: {}, status: "FAILED" });
    expect((await getRun(ops.db, old.id))?.resolvedBy).toBe(retry.id);
    const attention = await listRuns(ops.db, { status: ["FAILED"], resolved: false, limit: 500 });
    expect(attention.items.map((r) => r.id)).toContain(stillFailed.id);
    expect(attention.items.map((r) => r.id)).not.toContain(old.id);
    // A succeeded run is never "resolved": it never needed it.
    expect((await getRun(ops.db, retry.id))?.resolvedBy).toBeNull();
  });

  test("the migration records the resolutions of older chains and resolves their alerts", async () => {
    const sql = readFileSync(new URL("../migrations/0003_resolution.sql", import.meta.url), "utf8");
    const backfill = sql
      .split("--> statement-breakpoint")
      .map((s) => s.trim())
      .filter((s) => /^(--[^\n]*\n)*UPDATE/.test(s));
    expect(backfill).toHaveLength(2);
    const old = await insertRun(ops.db, { pipeline: "flaky", args: {}, status: "FAILED" });
    const again = await insertRun(ops.db, {
      pipeline: "flaky",
      args: {},
      status: "FAILED",
      retryOf: old.id,
    });
    const ok = await insertRun(ops.db, {
      pipeline: "flaky",
      args: {},
      status: "SUCCEEDED",
      retryOf: again.id,
    });
    await localNotifier(ops.db).notify({
      kind: "run_failed",
      severity: "error",
      title: "flaky run failed",
      message: "x",
      runId: old.id,
    });
    const { sql: raw } = await import("drizzle-orm");
    for (const statement of backfill) await ops.db.execute(raw.raw(statement));
    const [row] = await ops.db
      .select({ resolvedBy: runTable.resolvedBy })
      .from(runTable)
      .where((await import("drizzle-orm")).eq(runTable.id, old.id));
    expect(row?.resolvedBy).toBe(ok.id);
    expect((await alertsOf(old.id))[0]?.resolution).toBe(
      `resolved by run ${ok.id} (retry succeeded)`,
    );
  });

  test("a failure that needs a fix says what must change, and its retry must be confirmed", async () => {
    const failed = await finished({ noKey: true });
    expect(failed).toMatchObject({
      status: "FAILED",
      failureClass: "needs_fix",
      failureHint: "correct the file and drop it into inbox/ again",
    });
    const err = (await runner.retry(failed.id).catch((e: unknown) => e)) as VisibleError;
    expect(err).toBeInstanceOf(VisibleError);
    expect(err).toMatchObject({ kind: "conflict", code: "run.needs_fix" });
    expect(err.message).toMatch(/will fail the same way until that is fixed: correct the file/);
    expect(err.message).toMatch(/confirm=true/);
    expect((await getRun(ops.db, failed.id))?.retriedBy).toBeNull();

    const retry = await retried(failed.id, true);
    expect(retry).toMatchObject({ retryOf: failed.id, status: "FAILED" });
    expect((await getRun(ops.db, failed.id))?.resolvedBy).toBeNull();
  });

  test("an input error thrown by a job is classed as needing a fix; anything else as transient", async () => {
    const input = await finished({ inputError: true });
    expect(input).toMatchObject({ failureClass: "needs_fix", status: "FAILED" });
    expect(input.failureHint).toMatch(/rules\.ts/);
    const transient = await finished({ failures: 1 });
    expect(transient).toMatchObject({ failureClass: "transient", failureHint: null });
  });
});
