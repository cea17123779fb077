// The sync state machine, as infra deploys it: valid ASL that calls only its two Lambdas, and the
// same JSON executed locally (aws-local-stepfunctions) with the Lambdas bound to their real steps,
// on PostgreSQL, jsforce and the Salesforce HTTP double. A loaded segmentation's marker starts it; an
// operator sees the users in Salesforce, a recorded run, and — when records are refused or the
// Lambda fails — a failed run that says why, with an alert. One sync runs at a time.
import { createRequire } from "node:module";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { executeLocally, type Json } from "../../../test/support/local-sfn";
import {
  FAST,
  makeSyncEnv,
  makeUsers,
  mapSecrets,
  type SyncEnv,
  writeCustomers,
  writeSegmentRun,
} from "../../../test/support/sync";
import {
  syncDefinition as definition,
  loadedEvent,
  SYNC_MACHINE_NAME,
  syncHandlers,
  syncParams,
} from "../../../test/support/sync-machine";
import { listAlerts, localNotifier } from "../src/alert/alert";
import { taskResources } from "../src/ingest/asl";
import { localMetrics } from "../src/metric/metric";
import { runIdOfExecution } from "../src/run/aws/ids";
import { runTable } from "../src/run/run.sql";
import { finishRun, getRun, insertRun } from "../src/run/store";
import { SyncState as S, SyncError, syncIntegrations } from "../src/sync/aws/asl";
import { type SyncMachineDeps, syncRetry } from "../src/sync/aws/machine";
import { STALE_AFTER_MS } from "../src/sync/aws/turn";
import { SYNC_WORK_KEY, SyncStats } from "../src/sync/model";
import type { Warehouse } from "../src/warehouse/warehouse";

// asl-validator ships no types.
const aslValidator = createRequire(import.meta.url)("asl-validator") as (definition: object) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
};

interface StateView {
  Type: string;
  Parameters?: { FunctionName?: string };
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
}
const states = definition.States as unknown as Record<string, StateView>;

describe("the sync state machine's definition", () => {
  test("is valid Amazon States Language", () => {
    const { isValid, errorsText } = aslValidator(definition as never);
    expect(errorsText("\n"), "asl-validator").toBe("");
    expect(isValid).toBe(true);
  });

  test("calls only its two Lambdas, each retried on Lambda's own transient errors; a failing Sync is caught into ReportFailure", () => {
    expect(new Set(taskResources(definition))).toEqual(new Set(Object.values(syncIntegrations)));
    expect(states[S.sync]!.Parameters!.FunctionName).toBe(syncParams.syncFunctionArn);
    expect(states[S.reportFailure]!.Parameters!.FunctionName).toBe(syncParams.failureFunctionArn);
    for (const name of [S.sync, S.reportFailure]) {
      expect(states[name]!.Retry![0]!.ErrorEquals).toContain("Lambda.ServiceException");
      expect(states[name]!.Retry![0]!.ErrorEquals).not.toContain("States.ALL");
    }
    expect(states[S.sync]!.Catch).toEqual([
      expect.objectContaining({ ErrorEquals: ["States.ALL"], Next: S.reportFailure }),
    ]);
    // Every failure ends in a Fail state: the console starts a new execution, never a redrive.
    expect(syncRetry.redrive).toBe(false);
  });
});

describe("the sync state machine executed locally (PostgreSQL, jsforce, the Salesforce double)", () => {
  let env: SyncEnv;
  let deps: SyncMachineDeps;
  let n = 0;
  const users = makeUsers(5);
  const execute = (input: Json, opts: { waitMs?: number; deps?: () => SyncMachineDeps } = {}) =>
    executeLocally(definition, input, syncHandlers(opts.deps ?? (() => deps)), {
      stateMachineName: SYNC_MACHINE_NAME,
      executionName: `x-${++n}`,
      ...(opts.waitMs === undefined ? {} : { waitMs: opts.waitMs }),
    });
  const statsOf = async (executionArn: string) => {
    const run = await getRun(env.ops.db, runIdOfExecution(executionArn));
    return { run: run!, stats: SyncStats.parse(run!.stats) };
  };
  const alertsOf = async (runId: string) =>
    (await listAlerts(env.ops.db, { limit: 100 })).filter((a) => a.runId === runId);

  beforeAll(async () => {
    env = await makeSyncEnv("postgres");
    deps = {
      ops: env.ops.db,
      lake: env.lake,
      warehouse: env.wh,
      notifier: localNotifier(env.ops.db),
      metrics: localMetrics(env.ops.db),
      secrets: mapSecrets(env.secrets),
      options: FAST,
    };
    await writeCustomers(env.wh, users);
    await writeSegmentRun(env.wh, {
      runId: "seg_1",
      createdAt: "2026-11-01T08:00:00.000Z",
      users,
    });
  });
  afterAll(() => env.close());

  test("a loaded segmentation's marker starts a sync: every user upserted into Salesforce, the run recorded with what started it", async () => {
    const x = await execute(loadedEvent("ml/segments/_loaded/seg_1.json"));
    expect(x.path, x.cause ?? "").toEqual([S.sync, S.turn, S.done]);
    const { run, stats } = await statsOf(x.executionArn);
    expect(run).toMatchObject({ status: "SUCCEEDED", pipeline: "sync", engine: "sfn" });
    expect(stats).toMatchObject({
      segmentRunId: "seg_1",
      sent: 5,
      created: 5,
      failed: 0,
      trigger: "ml/segments/_loaded/seg_1.json",
    });
    expect(env.sf.records().size).toBe(5);
    expect(x.output).toMatchObject({
      sync: { action: "done", status: "SUCCEEDED", summary: { sent: 5, created: 5 } },
    });
  });

  test("the same segmentation loaded again: the execution succeeds, sends nothing and makes no API call", async () => {
    env.sf.resetCalls();
    const x = await execute(loadedEvent("ml/segments/_loaded/seg_1.json"));
    expect(x.path.at(-1)).toBe(S.done);
    const { stats } = await statsOf(x.executionArn);
    expect(stats).toMatchObject({ sent: 0, skippedUnchanged: 5, apiCalls: 0 });
    expect(env.sf.calls).toEqual([]);
  });

  test("a record Salesforce refuses: the execution fails in SyncFailed with the run's error, the run is FAILED and alerted, the record kept for the next run", async () => {
    const changed = users.map((u) => ({ ...u, label: `${u.label} (new)` }));
    await writeSegmentRun(env.wh, {
      runId: "seg_2",
      createdAt: "2026-11-02T08:00:00.000Z",
      users: changed,
    });
    env.sf.inject({
      kind: "record",
      externalId: users[2]!.id,
      statusCode: "REQUIRED_FIELD_MISSING",
      message: "Required fields are missing: [LastName]",
      times: 1,
    });
    const x = await execute(loadedEvent("ml/segments/_loaded/seg_2.json"));
    expect(x.path).toEqual([S.sync, S.turn, S.syncFailed]);
    expect(x.error).toBe(SyncError.runFailed);
    expect(x.cause).toContain(
      "1 of 5 records were not accepted by Salesforce (REQUIRED_FIELD_MISSING ×1)",
    );
    const { run, stats } = await statsOf(x.executionArn);
    expect(run.status).toBe("FAILED");
    expect(run.error).toBe(x.cause);
    expect(stats).toMatchObject({ updated: 4, failed: 1 });
    expect(await alertsOf(run.id)).toHaveLength(1);

    // The next execution owes that record only, and it goes through.
    const again = await execute(loadedEvent("ml/segments/_loaded/seg_2.json"));
    expect(again.path.at(-1)).toBe(S.done);
    expect((await statsOf(again.executionArn)).stats).toMatchObject({ sent: 1, updated: 1 });
  });

  test("the Sync Lambda fails (the warehouse unreachable): ReportFailure records the run FAILED with the reason and alerts", async () => {
    const unreachable: Warehouse = new Proxy(env.wh, {
      get(target, prop, receiver) {
        if (prop === "query") {
          return async () => {
            throw new Error("connect ETIMEDOUT 10.0.3.7:5439");
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const x = await execute({}, { deps: () => ({ ...deps, warehouse: unreachable }) });
    expect(x.path).toEqual([S.sync, S.reportFailure, S.failed]);
    expect(x.cause).toBe("syncing to Salesforce failed: connect ETIMEDOUT 10.0.3.7:5439");
    const run = await getRun(env.ops.db, runIdOfExecution(x.executionArn));
    expect(run).toMatchObject({
      status: "FAILED",
      error: "syncing to Salesforce failed: connect ETIMEDOUT 10.0.3.7:5439",
      failureClass: "transient",
    });
    expect(await alertsOf(run!.id)).toHaveLength(1);
    // The run let the sync go: the next execution takes it at once.
    const next = await execute({});
    expect(next.path).toEqual([S.sync, S.turn, S.done]);
  });

  test("no credentials in the secret: a dry run writes the outbox and says why", async () => {
    const changed = users.map((u) => ({ ...u, distance: u.distance + 1 }));
    await writeSegmentRun(env.wh, {
      runId: "seg_3",
      createdAt: "2026-11-03T08:00:00.000Z",
      users: changed,
    });
    env.sf.resetCalls();
    const x = await execute(loadedEvent("ml/segments/_loaded/seg_3.json"), {
      deps: () => ({ ...deps, secrets: mapSecrets({}) }),
    });
    expect(x.path.at(-1)).toBe(S.done);
    const { stats } = await statsOf(x.executionArn);
    expect(stats).toMatchObject({ mode: "dry_run", sent: 5, apiCalls: 0 });
    expect(stats.dryRunReason).toBe(
      "no Salesforce credentials (SALESFORCE_* in the test's secrets)",
    );
    expect(await env.lake.exists(stats.outboxKey!)).toBe(true);
    expect(env.sf.calls).toEqual([]);
  });

  test("one sync at a time: an execution that finds another run holding the sync waits, and syncs once that run is over", async () => {
    const holder = await insertRun(env.ops.db, {
      pipeline: "sync",
      args: {},
      status: "RUNNING",
      workKey: SYNC_WORK_KEY,
    });
    let calls = 0;
    const handlers = syncHandlers(() => deps);
    const x = await executeLocally(
      definition,
      {},
      {
        ...handlers,
        [S.sync]: async (input) => {
          // The holder finishes while this execution waits.
          if (++calls === 2) await finishRun(env.ops.db, holder.id, { status: "SUCCEEDED" });
          return handlers[S.sync]!(input);
        },
      },
      { stateMachineName: SYNC_MACHINE_NAME, executionName: `x-${++n}`, waitMs: 5 },
    );
    expect(x.path).toEqual([S.sync, S.turn, S.waitForTurn, S.sync, S.turn, S.done]);
    expect(x.output).toMatchObject({ sync: { action: "done", status: "SUCCEEDED" } });
  });

  test("a holder whose Lambda ended without finishing its run is taken over: its run is failed as interrupted", async () => {
    const holder = await insertRun(env.ops.db, {
      pipeline: "sync",
      args: {},
      status: "RUNNING",
      workKey: SYNC_WORK_KEY,
    });
    const longAgo = new Date(Date.now() - STALE_AFTER_MS - 60_000);
    await env.ops.db
      .update(runTable)
      .set({ startedAt: longAgo, createdAt: longAgo })
      .where(eq(runTable.id, holder.id));
    const x = await execute({});
    expect(x.path).toEqual([S.sync, S.turn, S.done]);
    const old = await getRun(env.ops.db, holder.id);
    expect(old?.status).toBe("FAILED");
    expect(old?.error).toContain(
      `Interrupted: its sync ended without finishing the run; run ${runIdOfExecution(x.executionArn)} took the sync over`,
    );
  });
});
