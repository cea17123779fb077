import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames, makeOps } from "../../../test/support/engines";
import { localMetrics, querySeries } from "../src/metric/metric";
import type { OpsStore } from "../src/ops/db";
import { runPoints } from "../src/run/points";
import { type Info, noFailureFacts } from "../src/run/run";

describe.each(engineNames)("metrics on %s", (engine) => {
  let ops: OpsStore;
  beforeAll(async () => {
    ops = await makeOps(engine);
  });
  afterAll(() => ops.close());

  const run = (over: Partial<Info>): Info => ({
    id: "run_x",
    pipeline: "ingest",
    engine: "local",
    status: "SUCCEEDED",
    createdAt: "2026-11-26T10:00:00.000Z",
    startedAt: "2026-11-26T10:00:00.000Z",
    finishedAt: "2026-11-26T10:00:02.000Z",
    args: {},
    error: null,
    stats: { rowsRead: 10, rowsLoaded: 8, rowsQuarantined: 2 },
    retryOf: null,
    retriedBy: null,
    ...noFailureFacts,
    ...over,
  });

  test("a finished run's points are bucketed into series per pipeline", async () => {
    const m = localMetrics(ops.db);
    // Noon UTC today: the points 30 to 10 minutes before it fall in one daily bucket whatever
    // time the suite runs (Date.now() near midnight split them across two days).
    const now = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 43_200_000;
    const at = (minsAgo: number) => new Date(now - minsAgo * 60_000).toISOString();
    await m.record(runPoints(run({ startedAt: at(30), finishedAt: at(29.9) })));
    await m.record(
      runPoints(
        run({
          startedAt: at(20),
          finishedAt: at(19.5),
          stats: { rowsRead: 5, rowsLoaded: 5, rowsQuarantined: 0 },
        }),
      ),
    );
    await m.record(
      runPoints(
        run({
          pipeline: "selftest",
          status: "FAILED",
          stats: {},
          startedAt: at(10),
          finishedAt: at(9.9),
        }),
      ),
    );
    const series = await querySeries(ops.db, {
      names: ["RowsLoaded", "RowsQuarantined", "RunFailed", "RunDuration"],
      since: new Date(now - 3_600_000),
      bucketMinutes: 60 * 24,
    });
    const get = (name: string, pipeline: string) =>
      series.filter((s) => s.name === name && s.pipeline === pipeline);
    expect(get("RowsLoaded", "ingest").map((s) => s.sum)).toEqual([13]);
    expect(get("RowsQuarantined", "ingest").map((s) => s.sum)).toEqual([2]);
    expect(get("RunFailed", "selftest").map((s) => s.sum)).toEqual([1]);
    expect(get("RunDuration", "ingest")[0]).toMatchObject({ max: 30_000, avg: 18_000 });
    const fine = await querySeries(ops.db, {
      names: ["RowsLoaded"],
      since: new Date(now - 3_600_000),
      bucketMinutes: 5,
    });
    expect(fine.map((s) => s.sum)).toEqual([8, 5]);
  });
});
