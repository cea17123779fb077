// A CDC environment: a lake folder, a warehouse and an ops store on one engine, and DMS files as
// the DMS S3 target writes them (AddColumnName, IncludeOpForFullLoad, TimestampColumnName
// dms_commit_ts, the dms_change_seq column added by the table mapping).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localNotifier } from "../../packages/core/src/alert/alert";
import type { CdcDeps } from "../../packages/core/src/cdc/apply";
import { applyDms, type CdcResult } from "../../packages/core/src/cdc/cdc";
import type { QualityConfig } from "../../packages/core/src/ingest/model";
import { localLake } from "../../packages/core/src/lake/local";
import type { OpsStore } from "../../packages/core/src/ops/db";
import { finishRun, insertRun } from "../../packages/core/src/run/store";
import type { Warehouse } from "../../packages/core/src/warehouse/warehouse";
import { type EngineName, makeOps, makeWarehouse } from "./engines";

/** A 35-digit change sequence: 16 digits of time, then the change number (19 digits). */
export function seq(n: number, time = "2026110112000000"): string {
  return `${time}${String(n).padStart(19, "0")}`;
}

export type Change = [
  op: "I" | "U" | "D" | string,
  seq: string | null,
  ...values: (string | null)[],
];

/**
 * A DMS CSV file: `Op,dms_commit_ts,<columns>,dms_change_seq`. A delete's data columns are
 * written empty, as DMS writes them for a table logged by primary key only.
 */
export function dmsCsv(
  columns: string[],
  changes: Change[],
  commitTs = "2026-11-01 12:00:00.000000",
): string {
  const field = (v: string | null) =>
    v === null ? "" : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  const lines = [["Op", "dms_commit_ts", ...columns, "dms_change_seq"].join(",")];
  for (const [op, s, ...values] of changes) {
    const data = op === "D" ? columns.map((_, i) => (i === 0 ? values[0]! : null)) : values;
    lines.push([op, commitTs, ...data, s].map(field).join(","));
  }
  return `${lines.join("\n")}\n`;
}

export interface CdcEnv {
  lake: ReturnType<typeof localLake>;
  warehouse: Warehouse;
  ops: OpsStore;
  deps: CdcDeps;
  /** Put a file at dms/<source>/<name>. */
  drop(source: string, name: string, content: string | Buffer): Promise<string>;
  /** Apply everything under a lake path (default: dms/). */
  apply(
    path?: string,
    opts?: { key?: string; quality?: QualityConfig; retryOf?: string },
  ): Promise<CdcResult & { runId: string }>;
  rows(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function makeCdcEnv(engine: EngineName): Promise<CdcEnv> {
  const root = mkdtempSync(join(tmpdir(), "cdp-cdc-"));
  const lake = localLake(join(root, "lake"));
  const warehouse = await makeWarehouse(engine);
  const ops = await makeOps(engine);
  const deps: CdcDeps = { lake, warehouse, ops: ops.db, notifier: localNotifier(ops.db) };
  return {
    lake,
    warehouse,
    ops,
    deps,
    async drop(source, name, content) {
      const key = `dms/${source}/${name}`;
      await lake.put(key, content);
      return key;
    },
    async apply(path = "dms/", opts = {}) {
      const { quality, retryOf, ...rest } = opts;
      const args = { path, ...rest };
      // Recorded like a run of the runner's: a retry reads what its failed run did.
      const run = await insertRun(ops.db, { pipeline: "cdc", args, retryOf, status: "RUNNING" });
      const d = { ...deps, ...(quality ? { quality } : {}) };
      const r = await applyDms(d, run, args);
      await finishRun(ops.db, run.id, r);
      return { ...r, runId: run.id };
    },
    rows: (sql) => warehouse.query(sql),
    async close() {
      await warehouse.close();
      await ops.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
