// The ML state machine run locally: its definition with test ARNs, the Lambdas bound to their real
// steps, and the SageMaker tasks bound to the local k-means twin (local-sagemaker.ts), which reads
// and writes the files SageMaker would. Shared by the machine's tests, with the harness the
// console-retry test needs.
import { expect } from "vitest";
import { localNotifier } from "../../packages/core/src/alert/alert";
import type { ObjectStore } from "../../packages/core/src/lake/lake";
import { localMetrics } from "../../packages/core/src/metric/metric";
import type { OpsStore } from "../../packages/core/src/ops/db";
import { runIdOfExecution } from "../../packages/core/src/run/aws/ids";
import { SegmentState, segmentStateMachine } from "../../packages/core/src/segment/sagemaker/asl";
import { exportStep } from "../../packages/core/src/segment/sagemaker/export-step";
import { failureStep } from "../../packages/core/src/segment/sagemaker/failure-step";
import { loadStep } from "../../packages/core/src/segment/sagemaker/load-step";
import {
  type LocalSageMaker,
  localSageMaker,
} from "../../packages/core/src/segment/sagemaker/local-sagemaker";
import type { SegmentMachineDeps } from "../../packages/core/src/segment/sagemaker/machine";
import type { Warehouse } from "../../packages/core/src/warehouse/warehouse";
import { asLambdaInvoke, type Json, type TaskHandler } from "./local-sfn";

const region = "eu-west-1";
const account = "123456789012";

export const segmentParams = {
  exportFunctionArn: `arn:aws:lambda:${region}:${account}:function:cdp-test-SegmentExport`,
  loadFunctionArn: `arn:aws:lambda:${region}:${account}:function:cdp-test-SegmentLoad`,
  failureFunctionArn: `arn:aws:lambda:${region}:${account}:function:cdp-test-SegmentFailure`,
  sagemakerRoleArn: `arn:aws:iam::${account}:role/cdp-test-SegmentSageMakerRole`,
  kmeansImage: `438346466558.dkr.ecr.${region}.amazonaws.com/kmeans:1`,
  jobPrefix: "cdp-test-segment",
};

export const segmentDefinition = segmentStateMachine(segmentParams);

export const SEGMENT_MACHINE_NAME = "cdp-test-segment";

/** A local handler for every Task state: the steps, and the SageMaker twin for SageMaker. */
export function segmentHandlers(
  deps: () => SegmentMachineDeps,
  sagemaker: LocalSageMaker,
): Record<string, TaskHandler> {
  const S = SegmentState;
  const payload = (i: Json) => (i as { Payload: never }).Payload;
  return {
    [S.export]: (i) => asLambdaInvoke(exportStep(deps(), payload(i))),
    [S.train]: async (i) => (await sagemaker.createTrainingJob(i as never)) as Json,
    [S.createModel]: async (i) => (await sagemaker.createModel(i as never)) as Json,
    [S.transform]: async (i) => (await sagemaker.createTransformJob(i as never)) as Json,
    [S.load]: (i) => asLambdaInvoke(loadStep(deps(), payload(i))),
    [S.reportFailure]: (i) => asLambdaInvoke(failureStep(deps(), payload(i))),
  };
}

/**
 * The machine in packages/core/test/state-machine-retry.test.ts: a piece of work is a small table
 * of users in two clear groups, segmented on two of features.ts's features (the execution names
 * the table, the key and the features, as `cdp segment` does); done means its users have rows in
 * `_cdp.segments` from the retry's run.
 */
export const segmentRetryHarness = {
  params: segmentParams,
  async make(world: { lake: ObjectStore; warehouse: Warehouse; ops: OpsStore }) {
    const { lake, warehouse, ops } = world;
    const deps: SegmentMachineDeps = {
      lake,
      warehouse,
      ops: ops.db,
      notifier: localNotifier(ops.db),
      metrics: localMetrics(ops.db),
      bucket: "cdp-lake",
    };
    const table = (id: number) => `crm.seg_${id}`;
    const segmentsOf = (id: number, runId?: string) =>
      warehouse
        .query<{ n: number }>(
          `SELECT COUNT(*) AS n FROM _cdp.segments WHERE user_id LIKE $1${runId ? " AND run_id = $2" : ""}`,
          runId ? [`s${id}-%`, runId] : [`s${id}-%`],
        )
        .catch(() => [{ n: 0 }])
        .then(([r]) => Number(r?.n ?? 0));
    return {
      handlers: segmentHandlers(() => deps, localSageMaker({ lake, bucket: "cdp-lake" })),
      async start(id: number): Promise<Json> {
        await warehouse.query("CREATE SCHEMA IF NOT EXISTS crm");
        await warehouse.query(
          `CREATE TABLE ${table(id)} (user_id text PRIMARY KEY, total_spend double precision, orders_count integer)`,
        );
        for (let i = 0; i < 6; i++) {
          await warehouse.query(`INSERT INTO ${table(id)} VALUES ($1, $2, $3)`, [
            `s${id}-${i}`,
            i < 3 ? 10 + i : 900 + i,
            i < 3 ? 1 : 30,
          ]);
        }
        return { table: table(id), key: "user_id", features: ["monetary", "frequency"], k: 2 };
      },
      where: async (id: number) => table(id),
      previewSays: () => "exports the features again, trains and scores anew",
      async expectDone(id: number, _where: string, executionArn: string) {
        expect(await segmentsOf(id, runIdOfExecution(executionArn))).toBe(6);
      },
      async expectNotDone(id: number) {
        expect(await segmentsOf(id)).toBe(0);
      },
    };
  },
};
