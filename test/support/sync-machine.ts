// The sync state machine run locally: its definition with test ARNs and its Lambdas bound to their
// real steps. Shared by the machine's tests, with the harness the console-retry test needs.
import { join } from "node:path";
import { text } from "node:stream/consumers";
import { expect } from "vitest";
import { localNotifier } from "../../packages/core/src/alert/alert";
import type { ObjectStore } from "../../packages/core/src/lake/lake";
import { localMetrics } from "../../packages/core/src/metric/metric";
import type { OpsStore } from "../../packages/core/src/ops/db";
import { runIdOfExecution } from "../../packages/core/src/run/aws/ids";
import { SyncState, syncStateMachine } from "../../packages/core/src/sync/aws/asl";
import { syncFailureStep } from "../../packages/core/src/sync/aws/failure-step";
import type { SyncMachineDeps } from "../../packages/core/src/sync/aws/machine";
import { syncStep } from "../../packages/core/src/sync/aws/sync-step";
import { outboxKey } from "../../packages/core/src/sync/outbox";
import type { Warehouse } from "../../packages/core/src/warehouse/warehouse";
import { asLambdaInvoke, type Json, type TaskHandler } from "./local-sfn";
import { makeUsers, mapSecrets, writeCustomers, writeSegmentRun } from "./sync";

const region = "eu-west-1";
const account = "123456789012";

export const syncParams = {
  syncFunctionArn: `arn:aws:lambda:${region}:${account}:function:cdp-test-Sync`,
  failureFunctionArn: `arn:aws:lambda:${region}:${account}:function:cdp-test-SyncFailure`,
};

export const syncDefinition = syncStateMachine(syncParams);

export const SYNC_MACHINE_NAME = "cdp-test-sync";

/** A local handler for every Task state: the two steps. */
export function syncHandlers(deps: () => SyncMachineDeps): Record<string, TaskHandler> {
  const payload = (i: Json) => (i as { Payload: never }).Payload;
  return {
    [SyncState.sync]: (i) => asLambdaInvoke(syncStep(deps(), payload(i))),
    [SyncState.reportFailure]: (i) => asLambdaInvoke(syncFailureStep(deps(), payload(i))),
  };
}

/** The Object Created event EventBridge starts the machine with, for a run's loaded marker. */
export const loadedEvent = (key: string, bucket = "cdp-lake"): Json => ({
  version: "0",
  source: "aws.s3",
  "detail-type": "Object Created",
  detail: { bucket: { name: bucket }, object: { key, size: 80 } },
});

/**
 * The machine in packages/core/test/state-machine-retry.test.ts: a piece of work is a new
 * segmentation run of three users of its own, with no Salesforce credentials (a dry run); done
 * means the retry's run wrote those users to its outbox.
 */
export const syncRetryHarness = {
  params: syncParams,
  async make(world: { lake: ObjectStore; warehouse: Warehouse; ops: OpsStore }) {
    const { lake, warehouse, ops } = world;
    const deps: SyncMachineDeps = {
      lake,
      warehouse,
      ops: ops.db,
      notifier: localNotifier(ops.db),
      metrics: localMetrics(ops.db),
      secrets: mapSecrets({}),
    };
    const usersOf = (id: number) =>
      makeUsers(3, id * 10).map((u) => ({ ...u, id: `r${id}-${u.id}` }));
    const textOf = (key: string) => lake.get(key).then(text, () => null);
    const outboxIds = async (runId: string) => {
      const t = await textOf(outboxKey(runId, "Contact"));
      return t
        ? t
            .trim()
            .split("\n")
            .map((l) => (JSON.parse(l) as { External_Id__c: string }).External_Id__c)
        : [];
    };
    return {
      handlers: syncHandlers(() => deps),
      async start(id: number): Promise<Json> {
        const users = usersOf(id);
        await writeCustomers(warehouse, users);
        await writeSegmentRun(warehouse, {
          runId: `seg-${id}`,
          createdAt: new Date(Date.UTC(2026, 10, 1) + id * 60_000).toISOString(),
          users,
        });
        return loadedEvent(join("ml/segments/_loaded", `seg-${id}.json`));
      },
      where: async (id: number) => `segmentation seg-${id}`,
      previewSays: () => "diffs the latest segmentation against what Salesforce accepted",
      async expectDone(id: number, _where: string, executionArn: string) {
        expect(await outboxIds(runIdOfExecution(executionArn))).toEqual(
          usersOf(id).map((u) => u.id),
        );
      },
      async expectNotDone(id: number) {
        const keys = (await lake.list("sync/outbox/")).map((o) => o.key);
        for (const key of keys.filter((k) => k.endsWith(".jsonl"))) {
          expect((await textOf(key)) ?? "").not.toContain(`r${id}-`);
        }
      },
    };
  },
};
