// A segmentation environment: a lake folder and a warehouse on one engine, a customers table of
// known users (three groups that k-means should find), and a way to run the segment pipeline.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localLake } from "../../packages/core/src/lake/local";
import type { SegmentArgs } from "../../packages/core/src/segment/model";
import { runSegment, type SegmentResult } from "../../packages/core/src/segment/segment";
import { createId } from "../../packages/core/src/util/id";
import type { Warehouse } from "../../packages/core/src/warehouse/warehouse";
import { type EngineName, makeWarehouse } from "./engines";

/** "Days since" features are measured to this instant in these tests. */
export const AS_OF = "2026-12-01T00:00:00.000Z";

export interface Customer {
  id: number;
  /** Days before AS_OF, or null. */
  lastPurchaseDaysAgo: number | null;
  orders: number | null;
  spend: number | null;
  subscribed: boolean | null;
  tenureDays: number | null;
}

const day = (daysAgo: number) => new Date(Date.parse(AS_OF) - daysAgo * 86_400_000).toISOString();

/**
 * Three groups of `per` users: big recent spenders (ids 1…), lapsed small spenders, and a middle
 * group; values vary a little inside a group, deterministically.
 */
export function threeGroups(per = 20): Customer[] {
  const out: Customer[] = [];
  for (let i = 0; i < per; i++) {
    const w = (i % 5) - 2; // −2 … 2
    out.push(
      {
        id: 1 + i,
        lastPurchaseDaysAgo: 3 + w,
        orders: 30 + w,
        spend: 6000 + 50 * w,
        subscribed: true,
        tenureDays: 2000 + 10 * w,
      },
      {
        id: 101 + i,
        lastPurchaseDaysAgo: 200 + 5 * w,
        orders: 1,
        spend: 30 + w,
        subscribed: false,
        tenureDays: 400 + 10 * w,
      },
      {
        id: 201 + i,
        lastPurchaseDaysAgo: 60 + 2 * w,
        orders: 10 + w,
        spend: 800 + 20 * w,
        subscribed: i % 2 === 0,
        tenureDays: 1200 + 10 * w,
      },
    );
  }
  return out;
}

const sqlValue = (v: unknown) =>
  v === null ? "NULL" : typeof v === "string" ? `'${v.replace(/'/g, "''")}'` : String(v);

/** (Re)creates public.customers with these users, typed as the CSV ingest types the sample. */
export async function loadCustomers(wh: Warehouse, users: Customer[], table = "customers") {
  await wh.query(`DROP TABLE IF EXISTS public.${table}`);
  await wh.query(
    `CREATE TABLE public.${table} (user_id integer PRIMARY KEY, email text, last_purchase_at timestamp, orders_count integer, total_spend numeric, is_subscribed boolean, signup_date date)`,
  );
  const rows = users.map((u) =>
    [
      u.id,
      `u${u.id}@example.com`,
      u.lastPurchaseDaysAgo === null
        ? null
        : day(u.lastPurchaseDaysAgo).replace("T", " ").replace("Z", ""),
      u.orders,
      u.spend,
      u.subscribed,
      u.tenureDays === null ? null : day(u.tenureDays).slice(0, 10),
    ]
      .map(sqlValue)
      .join(", "),
  );
  await wh.query(`INSERT INTO public.${table} VALUES ${rows.map((r) => `(${r})`).join(", ")}`);
}

export interface SegmentEnv {
  root: string;
  lake: ReturnType<typeof localLake>;
  warehouse: Warehouse;
  /** Runs the pipeline as the runner would (a new run id each time, created `createdAt`). */
  run(args?: SegmentArgs, createdAt?: string): Promise<SegmentResult & { runId: string }>;
  rows(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function makeSegmentEnv(engine: EngineName): Promise<SegmentEnv> {
  const root = mkdtempSync(join(tmpdir(), "cdp-segment-"));
  const lake = localLake(join(root, "lake"));
  const warehouse = await makeWarehouse(engine);
  let clock = Date.parse(AS_OF);
  return {
    root,
    lake,
    warehouse,
    async run(args = {}, createdAt) {
      const id = createId("run");
      clock += 60_000;
      const at = createdAt ?? new Date(clock).toISOString();
      const r = await runSegment(
        { lake, warehouse },
        { id, createdAt: at, startedAt: at },
        { asOf: AS_OF, ...args },
      );
      return { ...r, runId: id };
    },
    rows: (sql) => warehouse.query(sql),
    async close() {
      await warehouse.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
