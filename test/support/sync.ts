// The sync's world for tests: the segmentation's output contract (`_cdp.segments`,
// `_cdp.segment_runs`) and a customers table written directly — no segmentation code — plus an
// ops store, a lake, settable secrets, and the Salesforce double.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localLake } from "../../packages/core/src/lake/local";
import type { OpsStore } from "../../packages/core/src/ops/db";
import { finishRun, insertRun } from "../../packages/core/src/run/store";
import type { Secrets } from "../../packages/core/src/secrets/secrets";
import { SyncArgs, type SyncStats } from "../../packages/core/src/sync/model";
import { runSync, type SyncOptions } from "../../packages/core/src/sync/sync";
import type { Warehouse } from "../../packages/core/src/warehouse/warehouse";
import { type EngineName, makeOps, makeWarehouse } from "./engines";
import { SalesforceDouble } from "./salesforce-double";

export interface User {
  id: string;
  first: string | null;
  last: string | null;
  email: string | null;
  segment: number;
  label: string;
  distance: number;
}

export function makeUsers(n: number, from = 1): User[] {
  return Array.from({ length: n }, (_, i) => {
    const k = from + i;
    return {
      id: `u${String(k).padStart(7, "0")}`,
      first: `First${k}`,
      last: `Last${k}`,
      email: `user${k}@example.com`,
      segment: k % 4,
      label: ["Loyal big spenders", "New, one order", "Lapsed", "Bargain hunters"][k % 4]!,
      distance: Math.round(((k * 7919) % 1000) * 1.2345) / 1000,
    };
  });
}

const q = (v: string | number | null) =>
  v === null ? "NULL" : typeof v === "number" ? String(v) : `'${v.replace(/'/g, "''")}'`;

/** The customers table (the source) with these users, replacing rows of the same ids. */
export async function writeCustomers(wh: Warehouse, users: User[], table = "public.customers") {
  await wh.query(
    `CREATE TABLE IF NOT EXISTS ${table} (user_id text PRIMARY KEY, first_name text, last_name text, email text, city text)`,
  );
  for (let i = 0; i < users.length; i += 1000) {
    const part = users.slice(i, i + 1000);
    await wh.query(`DELETE FROM ${table} WHERE user_id IN (${part.map((u) => q(u.id)).join(",")})`);
    await wh.query(
      `INSERT INTO ${table} (user_id, first_name, last_name, email) VALUES ${part
        .map((u) => `(${q(u.id)}, ${q(u.first)}, ${q(u.last)}, ${q(u.email)})`)
        .join(",")}`,
    );
  }
}

/** One segmentation run in the output contract's tables (created when missing). */
export async function writeSegmentRun(
  wh: Warehouse,
  run: { runId: string; createdAt: string; users: User[]; source?: string; k?: number },
) {
  await wh.query(`CREATE SCHEMA IF NOT EXISTS _cdp`);
  await wh.query(
    `CREATE TABLE IF NOT EXISTS _cdp.segments (user_id text NOT NULL, segment integer NOT NULL, label varchar(80) NOT NULL, distance double precision NOT NULL, run_id varchar(128) NOT NULL, created_at timestamp NOT NULL)`,
  );
  await wh.query(
    `CREATE TABLE IF NOT EXISTS _cdp.segment_runs (run_id varchar(128) NOT NULL, created_at timestamp NOT NULL, k integer NOT NULL, users bigint NOT NULL, source varchar(256) NOT NULL)`,
  );
  const at = `CAST(${q(run.createdAt.replace("T", " ").replace("Z", ""))} AS timestamp)`;
  for (let i = 0; i < run.users.length; i += 1000) {
    await wh.query(
      `INSERT INTO _cdp.segments VALUES ${run.users
        .slice(i, i + 1000)
        .map(
          (u) => `(${q(u.id)}, ${u.segment}, ${q(u.label)}, ${u.distance}, ${q(run.runId)}, ${at})`,
        )
        .join(",")}`,
    );
  }
  await wh.query(
    `INSERT INTO _cdp.segment_runs VALUES (${q(run.runId)}, ${at}, ${run.k ?? 4}, ${run.users.length}, ${q(run.source ?? "public.customers")})`,
  );
}

/** Secrets from a plain object the test edits. */
export function mapSecrets(values: Record<string, string | undefined>): Secrets {
  return { describe: "the test's secrets", get: async (n) => values[n] || undefined };
}

/** Between tests: no faults, no API usage, no calls; the double's credentials (plus `extra`) only. */
export function resetSyncEnv(env: SyncEnv, extra: Record<string, string> = {}) {
  env.sf.faults.length = 0;
  env.sf.limits.used = 0;
  env.sf.resetCalls();
  for (const k of Object.keys(env.secrets)) delete env.secrets[k];
  Object.assign(env.secrets, doubleSecrets(env.sf), extra);
}

export function doubleSecrets(
  d: SalesforceDouble,
  flow: "password" | "client_credentials" = "password",
) {
  const base = {
    SALESFORCE_LOGIN_URL: d.url,
    SALESFORCE_CLIENT_ID: d.options.clientId,
    SALESFORCE_CLIENT_SECRET: d.options.clientSecret,
  };
  if (flow === "client_credentials") return base;
  return {
    ...base,
    SALESFORCE_USERNAME: d.options.username,
    SALESFORCE_PASSWORD: d.options.password.replace(/TOKEN$/, ""),
    SALESFORCE_SECURITY_TOKEN: "TOKEN",
  };
}

/** Quick retries and polls: tests wait milliseconds where a live run waits seconds. */
export const FAST: SyncOptions = {
  retry: { attempts: 3, baseMs: 5, maxMs: 20 },
  poll: { initialMs: 5, maxMs: 20, timeoutMs: 10_000 },
};

export interface SyncEnv {
  ops: OpsStore;
  wh: Warehouse;
  lake: ReturnType<typeof localLake>;
  sf: SalesforceDouble;
  secrets: Record<string, string | undefined>;
  /** A sync run recorded in the ops store (as the runner would), run, and finished. */
  sync(args?: Record<string, unknown>, opts?: SyncOptions): Promise<SyncRun>;
  close(): Promise<void>;
}

export interface SyncRun {
  id: string;
  status: "SUCCEEDED" | "FAILED";
  error?: string;
  failureClass?: string;
  stats: SyncStats;
  steps: string[];
}

export async function makeSyncEnv(engine: EngineName): Promise<SyncEnv> {
  const [ops, wh, sf] = await Promise.all([
    makeOps(engine),
    makeWarehouse(engine),
    SalesforceDouble.start(),
  ]);
  const root = mkdtempSync(join(tmpdir(), "cdp-sync-"));
  const lake = localLake(root);
  const secrets: Record<string, string | undefined> = doubleSecrets(sf);
  return {
    ops,
    wh,
    lake,
    sf,
    secrets,
    async sync(args = {}, opts = {}) {
      const run = await insertRun(ops.db, { pipeline: "sync", args, status: "RUNNING" });
      const steps: string[] = [];
      const r = await runSync(
        { ops: ops.db, lake, warehouse: async () => wh, secrets: mapSecrets(secrets) },
        run,
        SyncArgs.parse(args),
        async (name) => {
          steps.push(name);
        },
        { ...FAST, ...opts },
      );
      await finishRun(ops.db, run.id, {
        status: r.status ?? "SUCCEEDED",
        error: r.error,
        stats: r.stats,
        failure: r.failure,
      });
      return {
        id: run.id,
        status: r.status ?? "SUCCEEDED",
        error: r.error,
        failureClass: r.failure?.failureClass,
        stats: r.stats as unknown as SyncStats,
        steps,
      };
    },
    async close() {
      await sf.close();
      await wh.close();
      await ops.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
