// Applies the ops-store migrations to Aurora; infra invokes it on every deploy, before anything
// that writes to the ops store runs. The migrations folder is copied next to the bundle. After the
// cluster has been idle it is paused: the migration waits up to a minute for it to resume (a
// resume takes about 15 s, longer after a long pause) instead of failing the deploy.
import { join } from "node:path";
import { migrateAwsOps } from "@cdp/core/ops/aws";
import { Resource } from "sst";

const linked = () =>
  Resource as unknown as { OpsStore: { clusterArn: string; secretArn: string; database: string } };

export const handler = async () => {
  const { OpsStore } = linked();
  await migrateAwsOps(
    {
      resourceArn: OpsStore.clusterArn,
      secretArn: OpsStore.secretArn,
      database: OpsStore.database,
    },
    join(process.env.LAMBDA_TASK_ROOT ?? ".", "migrations"),
    undefined,
    { maxWaitMs: 60_000 },
  );
  return { migrated: true };
};
