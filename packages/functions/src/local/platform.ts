// The local runtime's composition root: every port bound to its local adapter under a data dir.
import { join } from "node:path";
import { localNotifier } from "@cdp/core/alert/alert";
import { audited } from "@cdp/core/audit/audit";
import { localLake } from "@cdp/core/lake/local";
import { localMetrics } from "@cdp/core/metric/metric";
import { openOps } from "@cdp/core/ops/db";
import type { PipelineDeps } from "@cdp/core/pipeline";
import { checkArgs, mustFindPipeline, pipelines, subjectOf } from "@cdp/core/pipelines";
import type { Platform } from "@cdp/core/platform";
import type { Job } from "@cdp/core/run/job";
import { runLifecycle } from "@cdp/core/run/lifecycle";
import { localOperations } from "@cdp/core/run/local-operations";
import { LocalRunner } from "@cdp/core/run/local-runner";
import type { Info } from "@cdp/core/run/run";
import { envSecrets, fileSecrets, layeredSecrets } from "@cdp/core/secrets/secrets";
import { openPglite, pgliteWarehouse } from "@cdp/core/warehouse/pglite";
import { postgresWarehouse } from "@cdp/core/warehouse/postgres";
import type { Warehouse } from "@cdp/core/warehouse/warehouse";
import { type DataDir, makePrivate } from "./data-dir";

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
  /** Be told of every run that finishes (any pipeline, any way it started); returns an unsubscribe. */
  onRunFinished(listener: (run: Info) => void): () => void;
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
      : openPglite(join(dir.warehouse)).then((db) => {
          makePrivate(dir); // PGlite sets its files' modes itself (0666): take them back
          return pgliteWarehouse(db);
        });
    return warehouse;
  };

  // The environment first, then the data dir's git-ignored secrets.env.
  const secrets = layeredSecrets(envSecrets(), fileSecrets(dir.secretsFile));
  const deps: PipelineDeps = { ops: ops.db, lake, notifier, warehouse: openWarehouse, secrets };
  const jobs: Record<string, Job> = Object.fromEntries(pipelines.map((p) => [p.name, p.job(deps)]));
  const lifecycle = runLifecycle({ ops: ops.db, metrics, notifier, subject: subjectOf });
  const listeners = new Set<(run: Info) => void>();
  const runner = new LocalRunner(lifecycle, jobs, {
    concurrency: config.concurrency,
    onFinished(run) {
      for (const l of listeners) {
        try {
          l(run);
        } catch (err) {
          console.error("run listener:", err);
        }
      }
    },
  });
  await runner.recover();

  return {
    runtime: "local",
    pipelines,
    dir,
    ops,
    lake,
    notifier,
    metrics,
    runner,
    onRunFinished(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    starter: {
      startable: true,
      start: (pipeline, args) =>
        runner.submit(pipeline, checkArgs(pipeline, args), {
          byHand: mustFindPipeline(pipeline).start === "button",
        }),
      wait: (id) => runner.wait(id),
    },
    operations: audited(localOperations(ops.db, runner), ops.db),
    warehouse: openWarehouse,
    async close() {
      await runner.idle();
      if (warehouse) await (await warehouse).close();
      await ops.close();
      makePrivate(dir);
    },
  };
}
