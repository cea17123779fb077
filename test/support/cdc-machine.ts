// The cdc state machine run locally: its definition with test ARNs, every Task bound to the real
// step (the Lambdas' verbs, and the Glue job's TypeScript twin on the same stored plan), and S3
// Object Created events for keys under dms/. Shared by the machine's tests and the console-retry
// test.
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { localNotifier } from "../../packages/core/src/alert/alert";
import { CdcState, cdcStateMachine } from "../../packages/core/src/cdc/asl";
import { failureStep } from "../../packages/core/src/cdc/failure-step";
import { runCdcJob } from "../../packages/core/src/cdc/job-runner";
import type { CdcMachineDeps } from "../../packages/core/src/cdc/machine";
import { planStep } from "../../packages/core/src/cdc/plan-step";
import { reportStep } from "../../packages/core/src/cdc/report-step";
import type { ObjectStore } from "../../packages/core/src/lake/lake";
import { localMetrics } from "../../packages/core/src/metric/metric";
import type { OpsStore } from "../../packages/core/src/ops/db";
import type { Warehouse } from "../../packages/core/src/warehouse/warehouse";
import { dmsCsv } from "./cdc";
import { asLambdaInvoke, type Json, type TaskHandler } from "./local-sfn";

const region = "eu-west-1";
const account = "123456789012";

export const cdcParams = {
  planFunctionArn: `arn:aws:lambda:${region}:${account}:function:cdp-test-CdcPlan`,
  reportFunctionArn: `arn:aws:lambda:${region}:${account}:function:cdp-test-CdcReport`,
  failureFunctionArn: `arn:aws:lambda:${region}:${account}:function:cdp-test-CdcFailure`,
  glueJobName: "cdp-test-cdc",
};

export const cdcDefinition = cdcStateMachine(cdcParams);

export const LAKE_BUCKET = "cdp-lake";

/** The event EventBridge hands the machine for an object written under dms/. */
export function objectCreated(key: string): Json {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Object Created",
    source: "aws.s3",
    account,
    time: new Date().toISOString(),
    region,
    resources: [`arn:aws:s3:::${LAKE_BUCKET}`],
    detail: {
      version: "0",
      bucket: { name: LAKE_BUCKET },
      object: { key, size: 1, etag: "x", sequencer: "1" },
      "request-id": "r",
      requester: account,
      reason: "PutObject",
    },
  };
}

export interface CdcHandlerHooks {
  /** Runs before the Glue job runs a plan (another writer meddling, say). */
  beforeApply?: (planKey: string) => Promise<void>;
  /** Called with each plan the job runs, when it starts and when it ends. */
  onApply?: (planKey: string, phase: "start" | "end") => void;
}

/** A local handler for every Task state: the steps themselves, and the job's twin for Glue. */
export function cdcHandlers(
  deps: () => CdcMachineDeps,
  hooks: CdcHandlerHooks = {},
): Record<string, TaskHandler> {
  const S = CdcState;
  const payload = (i: Json) => (i as { Payload: never }).Payload;
  return {
    [S.plan]: (i) => asLambdaInvoke(planStep(deps(), payload(i))),
    [S.apply]: async (i) => {
      const { JobName, Arguments } = i as { JobName: string; Arguments: Record<string, string> };
      const planKey = Arguments["--plan_key"]!;
      const id = `jr_${randomUUID().replace(/-/g, "")}`;
      hooks.onApply?.(planKey, "start");
      try {
        await hooks.beforeApply?.(planKey);
        await runCdcJob(deps(), { planKey });
      } catch (err) {
        // What glue:startJobRun.sync reports for a failed job run.
        throw Object.assign(
          new Error(
            JSON.stringify({
              Id: id,
              JobName,
              JobRunState: "FAILED",
              ErrorMessage: err instanceof Error ? err.message : String(err),
            }),
          ),
          { name: "States.TaskFailed" },
        );
      } finally {
        hooks.onApply?.(planKey, "end");
      }
      return { Id: id, JobName, JobRunState: "SUCCEEDED", Arguments };
    },
    [S.report]: (i) => asLambdaInvoke(reportStep(deps(), payload(i))),
    [S.reportFailure]: (i) => asLambdaInvoke(failureStep(deps(), payload(i))),
  };
}

/**
 * The console-retry test's harness for the cdc machine (state-machine-retry.test.ts): each case
 * is a table of its own with one full-load file; done means its row is in the table and the file
 * in processed/dms/.
 */
export const cdcRetryHarness = {
  params: cdcParams,
  async make(world: { lake: ObjectStore; warehouse: Warehouse; ops: OpsStore }) {
    const { lake, warehouse, ops } = world;
    const deps: CdcMachineDeps = {
      lake,
      warehouse,
      ops: ops.db,
      notifier: localNotifier(ops.db),
      metrics: localMetrics(ops.db),
    };
    const folder = (id: number) => `dms/CRM/RETRY_${id}/`;
    const key = (id: number) => `${folder(id)}LOAD00000001.csv`;
    return {
      handlers: cdcHandlers(() => deps),
      async start(id: number): Promise<Json> {
        await lake.put(key(id), dmsCsv(["ID", "NAME"], [["I", null, String(id), `N${id}`]]));
        return objectCreated(key(id));
      },
      /** In error/dms/ when the job or Report failed; else still waiting in its folder. */
      async where(id: number) {
        const parked = `error/${key(id)}`;
        return (await lake.exists(parked)) ? parked : folder(id);
      },
      previewSays: (where: string) =>
        where.startsWith("error/")
          ? `puts ${where} back into dms/`
          : `applies the files waiting in ${where}`,
      async expectDone(id: number, where: string) {
        expect(await lake.exists(`processed/${key(id)}`)).toBe(true);
        expect(await lake.exists(key(id))).toBe(false);
        if (where.startsWith("error/")) expect(await lake.exists(where)).toBe(false);
        expect(await warehouse.query(`select id, name from crm.retry_${id}`)).toEqual([
          { id, name: `N${id}` },
        ]);
      },
      async expectNotDone(id: number) {
        expect(await lake.exists(`processed/${key(id)}`)).toBe(false);
      },
    };
  },
};
