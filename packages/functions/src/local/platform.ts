// The local runtime's composition root: every port bound to its local adapter under a data dir.
import { join } from "node:path";
import { localNotifier } from "@cdp/core/alert/alert";
import { audited } from "@cdp/core/audit/audit";
import { housekeepingJob } from "@cdp/core/housekeeping/job";
import { ingestJob } from "@cdp/core/ingest/job";
import { localLake } from "@cdp/core/lake/local";
import { localMetrics, runPoints } from "@cdp/core/metric/metric";
import { openOps } from "@cdp/core/ops/db";
import type { Platform } from "@cdp/core/platform";
import { localOperations } from "@cdp/core/run/local-operations";
import { type Job, LocalRunner } from "@cdp/core/run/local-runner";
import type { Info } from "@cdp/core/run/run";
import { selftestJob } from "@cdp/core/run/selftest";
import { openPglite, pgliteWarehouse } from "@cdp/core/warehouse/pglite";
import { postgresWarehouse } from "@cdp/core/warehouse/postgres";
import type { Warehouse } from "@cdp/core/warehouse/warehouse";
import type { DataDir } from "./data-dir";

export interface LocalConfig {
  /** PostgreSQL instead of PGlite for the warehouse (CDP_WAREHOUSE_URL). */
  warehouseUrl?: string;
  /** PostgreSQL instead of PGlite for the ops store (CDP_OPS_URL). */
  opsUrl?: string;
  alertWebhookUrl?: string;
  concurrency?: number;
}

export function configFromEnv(env = process.env): LocalConfig {
  return {
    warehouseUrl: env.CDP_WAREHOUSE_URL || undefined,
    opsUrl: env.CDP_OPS_URL || undefined,
    alertWebhookUrl: env.CDP_ALERT_WEBHOOK_URL || undefined,
  };
}

export type LocalPlatform = Platform & {
  runner: LocalRunner;
  dir: DataDir;
  lake: ReturnType<typeof localLake>;
};

export async function openLocalPlatform(
  dir: DataDir,
  config: LocalConfig = {},
): Promise<LocalPlatform> {
  const ops = await openOps(config.opsUrl ? { url: config.opsUrl } : { dir: dir.ops });
  const lake = localLake(dir.lake);
  const notifier = localNotifier(ops.db, { webhookUrl: config.alertWebhookUrl });
  const metrics = localMetrics(ops.db);

  let warehouse: Promise<Warehouse> | undefined;
  const openWarehouse = () => {
    warehouse ??= config.warehouseUrl
      ? Promise.resolve(postgresWarehouse(config.warehouseUrl))
      : openPglite(join(dir.warehouse)).then(pgliteWarehouse);
    return warehouse;
  };

  const jobs: Record<string, Job> = {
    selftest: selftestJob({ warehouse: openWarehouse, lake }),
    ingest: ingestJob(async () => ({
      lake,
      warehouse: await openWarehouse(),
      ops: ops.db,
      notifier,
    })),
    housekeeping: housekeepingJob({ lake, ops: ops.db, warehouse: openWarehouse }),
  };

  const onFinished = async (run: Info) => {
    await metrics.record(runPoints(run));
    if (run.status !== "SUCCEEDED") {
      await notifier.notify({
        kind: "run_failed",
        severity: "error",
        title: `${run.pipeline} run ${run.status.toLowerCase().replace("_", " ")}`,
        message: run.error ?? "no error message",
        runId: run.id,
      });
    }
  };
  const runner = new LocalRunner(ops.db, jobs, { onFinished, concurrency: config.concurrency });
  await runner.recover();

  return {
    runtime: "local",
    pipelines: runner.pipelines,
    dir,
    ops,
    lake,
    notifier,
    metrics,
    runner,
    operations: audited(localOperations(ops.db, runner), ops.db),
    warehouse: openWarehouse,
    async close() {
      await runner.idle();
      if (warehouse) await (await warehouse).close();
      await ops.close();
    },
  };
}
