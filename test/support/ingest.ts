// An ingest environment: a lake folder, a warehouse and an ops store on one engine.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listAlerts, localNotifier } from "../../packages/core/src/alert/alert";
import { type IngestDeps, ingestFile } from "../../packages/core/src/ingest/ingest";
import type { IngestArgs, QualityConfig } from "../../packages/core/src/ingest/model";
import { localLake } from "../../packages/core/src/lake/local";
import type { OpsStore } from "../../packages/core/src/ops/db";
import { createId } from "../../packages/core/src/util/id";
import type { Warehouse } from "../../packages/core/src/warehouse/warehouse";
import { type EngineName, makeOps, makeWarehouse } from "./engines";

export interface IngestEnv {
  root: string;
  lake: ReturnType<typeof localLake>;
  warehouse: Warehouse;
  ops: OpsStore;
  deps: IngestDeps;
  /** Drop `content` into inbox/<table>/<name> and ingest it. */
  ingest(
    name: string,
    content: string | Buffer,
    args?: Partial<IngestArgs> & { quality?: QualityConfig },
  ): ReturnType<typeof ingestFile>;
  rows(sql: string): Promise<Record<string, unknown>[]>;
  alerts(): ReturnType<typeof listAlerts>;
  close(): Promise<void>;
}

export async function makeIngestEnv(engine: EngineName): Promise<IngestEnv> {
  const root = mkdtempSync(join(tmpdir(), "cdp-ingest-"));
  const lake = localLake(join(root, "lake"));
  const warehouse = await makeWarehouse(engine);
  const ops = await makeOps(engine);
  const deps: IngestDeps = { lake, warehouse, ops: ops.db, notifier: localNotifier(ops.db) };
  return {
    root,
    lake,
    warehouse,
    ops,
    deps,
    async ingest(name, content, args = {}) {
      const { quality, ...rest } = args;
      const table = rest.table ?? "customers";
      const sourceKey = rest.sourceKey ?? `inbox/${table}/${name}`;
      await lake.put(sourceKey, content);
      return ingestFile({ ...deps, ...(quality ? { quality } : {}) }, createId("run"), {
        ...rest,
        sourceKey,
      });
    },
    rows: (sql) => warehouse.query(sql),
    alerts: () => listAlerts(ops.db),
    async close() {
      await warehouse.close();
      await ops.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export function csv(lines: string[]): string {
  return `${lines.join("\n")}\n`;
}
