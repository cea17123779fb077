// The console's one-click retry of a failed Step Functions execution does what its preview says,
// for every state machine in the registry: each Task state fails in turn, the execution fails,
// the console's retry runs through the AWS operations adapter the API uses (its SFN client mocked,
// answered by the local executor with Step Functions' StartExecution / RedriveExecution semantics:
// test/support/local-sfn-service.ts), and the work is done again — for ingest: the file
// re-ingested, in processed/ with its rows in the warehouse (PGlite), not a re-entered Fail state;
// for cdc, the table's file applied (test/support/cdc-machine.ts has its harness); for segment,
// the users segmented into _cdp.segments (test/support/segment-machine.ts); for sync, the latest
// segmentation's users written to the retry's dry-run outbox (test/support/sync-machine.ts).
// A machine needs a harness below (its parameters, local handlers, a piece of work and what "done"
// means); a pipeline that gains a state machine without one fails the first test.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { credentials } from "../../../test/support/aws";
import { cdcRetryHarness } from "../../../test/support/cdc-machine";
import { makeOps, makeWarehouse } from "../../../test/support/engines";
import { asLambdaInvoke, type Json, type TaskHandler } from "../../../test/support/local-sfn";
import { LocalStepFunctions } from "../../../test/support/local-sfn-service";
import { segmentRetryHarness } from "../../../test/support/segment-machine";
import { syncRetryHarness } from "../../../test/support/sync-machine";
import { listAlerts, localNotifier } from "../src/alert/alert";
import { failureStep } from "../src/ingest/failure-step";
import { runIngestJob } from "../src/ingest/job-runner";
import type { MachineDeps } from "../src/ingest/machine";
import { planStep } from "../src/ingest/plan-step";
import { reportStep } from "../src/ingest/report-step";
import { localLake } from "../src/lake/local";
import { localMetrics } from "../src/metric/metric";
import type { OpsStore } from "../src/ops/db";
import type { Pipeline } from "../src/pipeline";
import { operatedMachine, pipelines } from "../src/pipelines";
import { sfnRunId } from "../src/run/aws/ids";
import { awsOperations } from "../src/run/aws/operations";
import { redriveWhenAllowed } from "../src/run/aws/sfn-retry";
import { runTable } from "../src/run/run.sql";
import { createAwsClients } from "../src/util/aws";
import type { Warehouse } from "../src/warehouse/warehouse";

const region = "eu-west-1";
const account = "123456789012";

/** What a test needs around one pipeline's state machine. */
interface Harness {
  /** The definition builder's parameters. */
  params: object;
  make(world: World): Promise<Work>;
}

interface World {
  lake: ReturnType<typeof localLake>;
  warehouse: Warehouse;
  ops: OpsStore;
}

interface Work {
  /** A local handler for every Task state. */
  handlers: Record<string, TaskHandler>;
  /** Lay out a piece of work for case `id`; the execution's input. */
  start(id: number): Promise<Json>;
  /** Where that work is now (a retry's preview names it). */
  where(id: number): Promise<string>;
  /** What the preview says the retry does with it. */
  previewSays(where: string): string;
  /** The work was done again by `executionArn`, from `where`. */
  expectDone(id: number, where: string, executionArn: string): Promise<void>;
  /** The work was not done. */
  expectNotDone(id: number): Promise<void>;
  /** Take the place a failure parks case `id`'s work in, with other work (ingest: error/ has a file of that name). */
  crowd?(id: number): Promise<void>;
}

const ingestParams = {
  planFunctionArn: `arn:aws:lambda:${region}:${account}:function:cdp-test-IngestPlan`,
  reportFunctionArn: `arn:aws:lambda:${region}:${account}:function:cdp-test-IngestReport`,
  failureFunctionArn: `arn:aws:lambda:${region}:${account}:function:cdp-test-IngestFailure`,
  glueJobName: "cdp-test-ingest",
};

/** The ingest machine: Plan, Load (its Glue job's TypeScript twin), Report, ReportFailure. */
const ingestHarness: Harness = {
  params: ingestParams,
  async make({ lake, warehouse, ops }) {
    const deps: MachineDeps = {
      lake,
      warehouse,
      ops: ops.db,
      notifier: localNotifier(ops.db),
      metrics: localMetrics(ops.db),
    };
    /** executionArn → the file its Plan step read. */
    const planned = new Map<string, string>();
    const payload = (i: Json) => (i as { Payload: never }).Payload;
    const inbox = (id: number) => `inbox/customers/retry-${id}.csv`;
    const parkedAs = (id: number) => `error/customers/retry-${id}.csv`;
    /** Cases whose error/ name an older file already had. */
    const crowded = new Set<number>();
    return {
      handlers: {
        Plan: (i) =>
          asLambdaInvoke(
            planStep(deps, payload(i)).then((out) => {
              planned.set((payload(i) as { executionArn: string }).executionArn, out.sourceKey);
              return out;
            }),
          ),
        Load: async (i) => {
          const { JobName, Arguments } = i as {
            JobName: string;
            Arguments: Record<string, string>;
          };
          await runIngestJob({ lake, warehouse }, { planKey: Arguments["--plan_key"]! });
          return { Id: `jr_${randomUUID()}`, JobName, JobRunState: "SUCCEEDED" };
        },
        Report: (i) => asLambdaInvoke(reportStep(deps, payload(i))),
        ReportFailure: (i) => asLambdaInvoke(failureStep(deps, payload(i))),
      },
      async start(id) {
        const rows = [0, 1].map((k) => `${id + k},N${id + k},u${id + k}@example.com,${k + 1}`);
        await lake.put(inbox(id), `user_id,name,email,total_spend\n${rows.join("\n")}\n`);
        return {
          version: "0",
          id: randomUUID(),
          "detail-type": "Object Created",
          source: "aws.s3",
          account,
          time: new Date().toISOString(),
          region,
          resources: ["arn:aws:s3:::cdp-lake"],
          detail: { bucket: { name: "cdp-lake" }, object: { key: inbox(id), size: 1 } },
        };
      },
      async where(id) {
        if (await lake.exists(inbox(id))) return inbox(id);
        // In error/<table>/, under its name (or its name with a run id when that was taken).
        const parked = (await lake.list("error/customers/"))
          .map((o) => o.key)
          .filter((k) => posix.basename(k).startsWith(`retry-${id}.`) && k.endsWith(".csv"))
          .filter((k) => !k.endsWith(".rejects.csv"))
          .filter((k) => !(crowded.has(id) && k === parkedAs(id)));
        expect(parked, `retry-${id}.csv in error/customers/`).toHaveLength(1);
        return parked[0]!;
      },
      previewSays: (where) => `re-ingests ${where}`,
      async expectDone(id, where, executionArn) {
        // The retry's Plan read the file the preview named, and the file ended in processed/.
        expect(planned.get(executionArn)).toBe(where);
        expect(await lake.exists(`processed/customers/${posix.basename(where)}`)).toBe(true);
        expect(await lake.exists(where)).toBe(false);
        expect(await lake.exists(inbox(id))).toBe(false);
        if (crowded.has(id)) {
          // The older file of the same name stays where it was, not loaded.
          expect(await lake.exists(parkedAs(id))).toBe(true);
          expect(
            await warehouse.query(`select 1 from customers where user_id = ${id + 5}`),
          ).toEqual([]);
        }
        expect(
          await warehouse.query(
            `select user_id, name from customers where user_id in (${id}, ${id + 1}) order by 1`,
          ),
        ).toEqual([
          { user_id: id, name: `N${id}` },
          { user_id: id + 1, name: `N${id + 1}` },
        ]);
      },
      async expectNotDone(id) {
        expect(await lake.list("processed/customers/")).not.toContainEqual(
          expect.objectContaining({ key: expect.stringContaining(`/retry-${id}.`) }),
        );
      },
      async crowd(id) {
        crowded.add(id);
        await lake.put(
          parkedAs(id),
          `user_id,name,email,total_spend\n${id + 5},OLD,old@example.com,1\n`,
        );
      },
    };
  },
};

const harnesses: Record<string, Harness> = {
  ingest: ingestHarness,
  cdc: cdcRetryHarness,
  segment: segmentRetryHarness,
  sync: syncRetryHarness,
};

type WithMachine = Pipeline & { stateMachine: NonNullable<Pipeline["stateMachine"]> };
const machines = (pipelines as readonly Pipeline[]).filter(
  (p): p is WithMachine => !!p.stateMachine,
);

test("every pipeline's state machine has a retry harness here", () => {
  expect(machines.length).toBeGreaterThan(0);
  for (const p of machines) expect(harnesses[p.name], p.name).toBeDefined();
});

test("a state machine with a Fail state never redrives: a redrive of an execution that ended there would only re-enter it", () => {
  for (const p of machines) {
    const params = harnesses[p.name]?.params ?? {};
    const states = Object.values(
      (p.stateMachine.definition(params as never) as { States: Record<string, { Type: string }> })
        .States,
    );
    if (states.some((s) => s.Type === "Fail"))
      expect(p.stateMachine.retry.redrive, p.name).toBe(false);
  }
});

/** The Task states of a definition (top level: the machines have no Parallel or Map states yet). */
function taskStates(definition: object): string[] {
  const states = (definition as { States: Record<string, { Type: string }> }).States;
  return Object.entries(states)
    .filter(([, s]) => s.Type === "Task")
    .map(([name]) => name);
}

describe.each(machines.filter((p) => harnesses[p.name]))(
  "$name state machine: the console's retry of a failed execution (mocked SFN client, answered by the local executor)",
  (p) => {
    const harness = harnesses[p.name]!;
    const definition = p.stateMachine.definition(harness.params as never);
    const tasks = taskStates(definition);
    const machineName = `cdp-test-${p.name}`;
    const arn = `arn:aws:states:${region}:${account}:stateMachine:${machineName}`;
    let root: string;
    let world: World;
    let work: Work;
    let sfn: LocalStepFunctions;
    /** States whose next call throws (once). */
    const failNext = new Set<string>();
    const clients = createAwsClients(region, { credentials });
    const stub = mockClient(clients.sfn);
    /** The console's operations as the API has them: the machine with its descriptor's retry. */
    let operations: ReturnType<typeof awsOperations>;
    /** The same, for a machine that redrives when Step Functions allows it (the old behaviour). */
    let redriving: ReturnType<typeof awsOperations>;
    let happyTasks: string[];
    let nextId = 1000;

    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), "cdp-sfn-retry-"));
      world = {
        lake: localLake(join(root, "lake")),
        warehouse: await makeWarehouse("pglite"),
        ops: await makeOps("pglite"),
      };
      work = await harness.make(world);
      const handlers = Object.fromEntries(
        tasks.map((state) => {
          const handler = work.handlers[state];
          if (!handler) throw new Error(`${p.name}: no local handler for Task state ${state}`);
          const failing: TaskHandler = async (input) => {
            if (failNext.delete(state)) {
              // A task's own failure (not one of the transient errors its Retry covers).
              throw Object.assign(new Error(`${state} failed on purpose`), {
                name: "States.TaskFailed",
              });
            }
            return handler(input);
          };
          return [state, failing];
        }),
      );
      sfn = new LocalStepFunctions([{ arn, definition, handlers }]);
      sfn.bind(stub);
      const config = { region, glueJobs: [] };
      operations = awsOperations({
        clients,
        db: world.ops.db,
        config: { ...config, stateMachines: [operatedMachine({ arn, pipeline: p.name })] },
      });
      redriving = awsOperations({
        clients,
        db: world.ops.db,
        config: {
          ...config,
          stateMachines: [{ arn, pipeline: p.name, retry: redriveWhenAllowed }],
        },
      });

      // The path with no failure: which tasks run when all goes well.
      const id = nextId;
      nextId += 10;
      const name = `happy-${id}`;
      sfn.startExecution({
        stateMachineArn: arn,
        name,
        input: JSON.stringify(await work.start(id)),
      });
      await sfn.settled();
      const happy = sfn.execution(name);
      expect(happy.status, happy.cause).toBe("SUCCEEDED");
      happyTasks = happy.attempts[0]!.path.filter((s) => tasks.includes(s));
    });
    afterAll(async () => {
      stub.restore();
      await world.warehouse.close();
      await world.ops.close();
      rmSync(root, { recursive: true, force: true });
    });

    /** Fail `task` once (and, for a task only failures reach, the first task too); run; return the failed execution. */
    async function failedExecution(task: string) {
      const id = nextId;
      nextId += 10;
      failNext.add(task);
      if (!happyTasks.includes(task)) failNext.add(happyTasks[0]!);
      const name = `x-${id}`;
      sfn.startExecution({
        stateMachineArn: arn,
        name,
        input: JSON.stringify(await work.start(id)),
      });
      await sfn.settled();
      expect(failNext, "every injected failure happened").toEqual(new Set());
      const x = sfn.execution(name);
      expect(x.status).toBe("FAILED");
      return { id, name, runId: sfnRunId(machineName, name), x };
    }

    test.each(tasks)(
      "%s fails: the retry starts a new execution that does the work again — the preview says so (mocked SFN client)",
      async (task) => {
        const { id, name, runId } = await failedExecution(task);
        const where = await work.where(id);

        const detail = await operations.get(runId);
        expect(detail.status).toBe("FAILED");
        expect(detail.retry).toEqual({
          action: "restart",
          description: expect.stringContaining(
            `Starts a new execution ${name}-retry-1 of ${machineName} (StartExecution) that ${work.previewSays(where)}`,
          ),
          blockedReason: null,
        });

        const retry = await operations.retry(runId, "operator@example.com");
        expect(retry).toMatchObject({
          id: sfnRunId(machineName, `${name}-retry-1`),
          status: "RUNNING",
          retryOf: runId,
        });
        await sfn.settled();

        // What happened is what the preview said: a new execution, no redrive, the work done.
        expect(sfn.started.filter((s) => s.name.startsWith(name))).toEqual([
          { command: "StartExecution", name },
          { command: "StartExecution", name: `${name}-retry-1` },
        ]);
        const again = sfn.execution(`${name}-retry-1`);
        expect(again.status, `${again.error}: ${again.cause}`).toBe("SUCCEEDED");
        await work.expectDone(id, where, again.executionArn);
        expect(await operations.get(retry.id)).toMatchObject({
          status: "SUCCEEDED",
          retryOf: runId,
        });
        expect((await operations.get(runId)).retriedBy).toBe(retry.id);
        // The retry's last task finished it: the failed run is resolved, so are its alerts (none
        // when the failure step failed too). A task's failure is not the data's: no fix needed.
        const resolved = await operations.get(runId);
        expect(resolved.resolvedBy).toBe(retry.id);
        expect(resolved.failureClass).not.toBe("needs_fix");
        const [row] = await world.ops.db
          .select({ resolvedBy: runTable.resolvedBy })
          .from(runTable)
          .where(eq(runTable.id, runId));
        // Recorded when the retry finished; derived from the chain (above) where the failed run
        // has no row at all (Plan failed and ReportFailure too: nothing of ours recorded it).
        if (task !== "ReportFailure") {
          expect(row?.resolvedBy, "recorded when the retry finished").toBe(retry.id);
        }
        const alerts = (await listAlerts(world.ops.db, { limit: 500 })).filter(
          (a) => a.runId === runId,
        );
        for (const a of alerts) {
          expect(a.resolution).toBe(`resolved by run ${retry.id} (retry succeeded)`);
        }
      },
    );

    test("the first task fails for work whose parking place is taken: the retry does this work, from where it was parked (mocked SFN client)", async () => {
      if (!work.crowd) return;
      const id = nextId;
      await work.crowd(id);
      const { name, runId } = await failedExecution(happyTasks[0]!);
      const where = await work.where(id);
      const detail = await operations.get(runId);
      expect(detail.retry.description).toContain(work.previewSays(where));
      await operations.retry(runId, "operator@example.com");
      await sfn.settled();
      const again = sfn.execution(`${name}-retry-1`);
      expect(again.status, `${again.error}: ${again.cause}`).toBe("SUCCEEDED");
      await work.expectDone(id, where, again.executionArn);
    });

    test.each(tasks)(
      "%s fails: a redrive (what the console did before) re-enters the state the execution failed in and does not redo the work (mocked SFN client)",
      async (task) => {
        const { id, name, runId, x } = await failedExecution(task);
        const failedIn = x.attempts[0]!.path.at(-1)!;
        const detail = await redriving.get(runId);
        expect(detail.retry.action).toBe("redrive");
        expect(detail.retry.description).toContain(`(${failedIn})`);

        await redriving.retry(runId, "operator@example.com");
        await sfn.settled();
        expect(sfn.started.at(-1)).toEqual({ command: "RedriveExecution", name });
        expect(x.redriveCount).toBe(1);
        expect(x.attempts[1]!.path[0]).toBe(failedIn);
        expect(x.status).toBe("FAILED");
        await work.expectNotDone(id);
      },
    );
  },
);
