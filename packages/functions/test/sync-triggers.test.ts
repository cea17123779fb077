// Under `cdp start`: the sync starts after each segmentation that succeeded, and a sync that
// failed on a passing fault (waiting for API budget) is retried later — on a real local platform
// and its runner; the finished segmentation run is handed to the trigger as the runner would.

import type { Info } from "@cdp/core/run/run";
import { finishRun, insertRun, mustGetRun } from "@cdp/core/run/store";
import { SYNC_RETRY_AFTER_MS } from "@cdp/core/sync/pipeline";
import { afterAll, beforeAll, expect, test } from "vitest";
import { makePlatform, type TestPlatform } from "../../../test/support/platform";
import { followUps, startTriggers } from "../src/local/triggers";

let t: TestPlatform;
beforeAll(async () => {
  t = await makePlatform("pglite");
});
afterAll(() => t.close());

const run = (pipeline: string, status: Info["status"], failureClass: Info["failureClass"] = null) =>
  ({ pipeline, status, failureClass }) as const;

test("what follows a finished run: the sync after a segmentation that succeeded; a retry in 30 minutes for a sync that failed on a passing fault; nothing else", () => {
  expect(followUps(run("segment", "SUCCEEDED"))).toEqual({ start: ["sync"], retryAfterMs: null });
  expect(followUps(run("segment", "FAILED", "transient"))).toEqual({
    start: [],
    retryAfterMs: null,
  });
  expect(followUps(run("sync", "FAILED", "transient"))).toEqual({
    start: [],
    retryAfterMs: SYNC_RETRY_AFTER_MS,
  });
  expect(followUps(run("sync", "FAILED", "needs_fix"))).toEqual({ start: [], retryAfterMs: null });
  expect(followUps(run("ingest", "FAILED", "transient"))).toEqual({
    start: [],
    retryAfterMs: null,
  });
  expect(SYNC_RETRY_AFTER_MS).toBe(30 * 60_000);
});

test("a segmentation run that succeeded starts a sync run (another after a sync still going); a sync waiting for API budget is retried (a run with retryOf)", async () => {
  let listener: ((r: Info) => void) | undefined;
  const waits: number[] = [];
  const lines: string[] = [];
  const triggers = startTriggers(
    {
      onRunFinished: (l) => {
        listener = l;
        return () => {
          listener = undefined;
        };
      },
      runner: t.platform.runner,
    },
    {
      log: (l) => lines.push(l),
      later: (fn, ms) => {
        waits.push(ms);
        return setTimeout(fn, 0);
      },
    },
  );
  const segment = await insertRun(t.platform.ops.db, { pipeline: "segment", args: {} });
  listener!({ ...segment, status: "SUCCEEDED" });
  await expect
    .poll(
      async () => (await t.platform.operations.list({ pipeline: ["sync"], limit: 5 })).items.length,
    )
    .toBe(1);
  const [sync] = (await t.platform.operations.list({ pipeline: ["sync"], limit: 5 })).items;
  const done = await t.platform.runner.wait(sync!.id);
  // No segmentation tables in this warehouse: the sync had nothing to do.
  expect(done.status).toBe("SUCCEEDED");
  expect(lines[0]).toMatch(new RegExp(`^${sync!.id} sync started after segment run ${segment.id}`));

  // A segmentation that ends while a sync is still going: that sync read the older run, so
  // another starts when it ends.
  const going = await insertRun(t.platform.ops.db, {
    pipeline: "sync",
    args: {},
    status: "RUNNING",
    workKey: "sync:salesforce",
  });
  const segment2 = await insertRun(t.platform.ops.db, { pipeline: "segment", args: {} });
  listener!({ ...segment2, status: "SUCCEEDED" });
  await expect
    .poll(() => lines.at(-1))
    .toMatch(new RegExp(`^sync run ${going.id} is still going: another starts when it ends`));
  await finishRun(t.platform.ops.db, going.id, { status: "SUCCEEDED" });
  listener!(await mustGetRun(t.platform.ops.db, going.id));
  await expect.poll(() => lines.at(-1)).toMatch(/^run_\w+ sync started after sync run /);
  const after = (await t.platform.operations.list({ pipeline: ["sync"], limit: 1 })).items[0]!;
  expect(after.id).not.toBe(going.id);
  await t.platform.runner.wait(after.id);

  const waiting = await insertRun(t.platform.ops.db, {
    pipeline: "sync",
    args: {},
    status: "RUNNING",
  });
  await finishRun(t.platform.ops.db, waiting.id, {
    status: "FAILED",
    error: "waiting for API budget: …",
    failure: { failureClass: "transient", failureHint: null },
  });
  listener!(await mustGetRun(t.platform.ops.db, waiting.id));
  expect(waits).toEqual([SYNC_RETRY_AFTER_MS]);
  await expect
    .poll(async () => (await mustGetRun(t.platform.ops.db, waiting.id)).retriedBy)
    .toEqual(expect.any(String));
  const retry = await mustGetRun(
    t.platform.ops.db,
    (await mustGetRun(t.platform.ops.db, waiting.id)).retriedBy!,
  );
  expect(retry).toMatchObject({ pipeline: "sync", retryOf: waiting.id });
  await t.platform.runner.wait(retry.id);
  triggers.stop();
  expect(listener).toBeUndefined();
});
