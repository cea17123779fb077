// The cdc state machine run locally: its definition with test ARNs, every Task bound to the real
// step (the Lambdas' verbs, and the Glue job's TypeScript twin on the same stored plan), and S3
// Object Created events for keys under dms/. Shared by the machine's tests and the console-retry
// test.
import { randomUUID } from "node:crypto";
import { CdcState, cdcStateMachine } from "../../packages/core/src/cdc/asl";
import { failureStep } from "../../packages/core/src/cdc/failure-step";
import { runCdcJob } from "../../packages/core/src/cdc/job-runner";
import type { CdcMachineDeps } from "../../packages/core/src/cdc/machine";
import { planStep } from "../../packages/core/src/cdc/plan-step";
import { reportStep } from "../../packages/core/src/cdc/report-step";
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
