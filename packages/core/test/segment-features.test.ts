import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames } from "../../../test/support/engines";
import {
  AS_OF,
  type Customer,
  loadCustomers,
  makeSegmentEnv,
  type SegmentEnv,
  threeGroups,
} from "../../../test/support/segment";
import { dropFeatures, readFeatures } from "../src/segment/feature-read";
import { fillSql, planFeatures, scratchSql, scratchTable } from "../src/segment/feature-sql";
import { featureNames } from "../src/segment/features";
import { SegmentArgs } from "../src/segment/model";
import { loadSql, segmentsDdl, transitionsSql } from "../src/segment/store";
import { VisibleError } from "../src/util/error";

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof VisibleError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return "no error";
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

describe.each(engineNames)("segment features on %s", (engine) => {
  let env: SegmentEnv;
  const users: Customer[] = threeGroups(10);
  // Two users miss a value: no spend on record, never bought.
  users.find((u) => u.id === 5)!.spend = null;
  users.find((u) => u.id === 105)!.lastPurchaseDaysAgo = null;
  beforeAll(async () => {
    env = await makeSegmentEnv(engine);
    await loadCustomers(env.warehouse, users);
  });
  afterAll(() => env.close());

  const read = async (o: Partial<Parameters<typeof planFeatures>[1]> = {}, runId = "run_feat") => {
    const plan = await planFeatures(env.warehouse, {
      asOf: AS_OF,
      dialect: env.warehouse.dialect,
      ...o,
    });
    try {
      return await readFeatures(env.warehouse, plan, runId);
    } finally {
      await dropFeatures(env.warehouse, runId);
    }
  };

  test("each user's features in key order, in the features' units: days to asOf, orders, spend, a flag as 0/1", async () => {
    const m = await read();
    expect(m.plan.features.map((f) => f.def.name)).toEqual([
      "recency_days",
      "frequency",
      "monetary",
      "engagement",
      "tenure_days",
    ]);
    expect(m.rowsRead).toBe(30);
    expect(m.n).toBe(30);
    // user 1 is the first row (keys in order): 1 day ago, 28 orders, 5900 spent, subscribed, 1980 days.
    expect(Array.from(m.data.subarray(0, 5))).toEqual([1, 28, 5900, 1, 1980]);
    const u101 = users.findIndex((u) => u.id === 101);
    expect(u101).toBeGreaterThan(0);
    const sorted = [...users].sort((a, b) => a.id - b.id);
    const row = sorted.findIndex((u) => u.id === 101);
    expect(Array.from(m.data.subarray(row * 5, row * 5 + 5))).toEqual([190, 1, 28, 0, 380]);
  });

  test("a missing value is filled with the feature's median over the rows kept, and counted per feature and per row", async () => {
    const m = await read();
    const spend = m.stats.find((s) => s.name === "monetary")!;
    const known = users.filter((u) => u.spend !== null).map((u) => u.spend!);
    expect(spend).toMatchObject({
      column: "customers.total_spend",
      missing: "median",
      missingCount: 1,
      imputed: 1,
      skipped: 0,
    });
    expect(spend.fill).toBeCloseTo(median(known), 9);
    const recency = m.stats.find((s) => s.name === "recency_days")!;
    expect(recency).toMatchObject({ missingCount: 1, imputed: 1 });
    expect(m.stats.find((s) => s.name === "frequency")).toMatchObject({
      missingCount: 0,
      imputed: 0,
      fill: null,
    });
    expect(m.rowsImputed).toBe(2);
    expect(m.rowsSkipped).toBe(0);
    const sorted = [...users].sort((a, b) => a.id - b.id);
    const row = sorted.findIndex((u) => u.id === 5);
    expect(m.data[row * 5 + 2]).toBeCloseTo(median(known), 9);
    // mean and std are over the filled values, as fitted
    const vals = sorted.map((u) => u.spend ?? median(known));
    expect(spend.mean).toBeCloseTo(vals.reduce((a, b) => a + b) / vals.length, 6);
  });

  test("--missing mean fills with the mean; --missing skip leaves the rows out and counts them", async () => {
    const mean = await read({ missing: "mean" });
    const known = users.filter((u) => u.spend !== null).map((u) => u.spend!);
    expect(mean.stats.find((s) => s.name === "monetary")!.fill).toBeCloseTo(
      known.reduce((a, b) => a + b) / known.length,
      6,
    );
    const skip = await read({ missing: "skip" });
    expect(skip.rowsRead).toBe(30);
    expect(skip.n).toBe(28);
    expect(skip.rowsSkipped).toBe(2);
    expect(skip.rowsImputed).toBe(0);
    expect(skip.stats.find((s) => s.name === "monetary")).toMatchObject({
      missingCount: 1,
      skipped: 1,
      imputed: 0,
      fill: null,
    });
    expect(skip.stats.find((s) => s.name === "recency_days")).toMatchObject({
      missingCount: 1,
      skipped: 1,
    });
  });

  test("the Oracle-fed table: skipped and said when it does not exist; joined by key when it does, users without a CRM row filled; skipped when no user joins", async () => {
    const none = await read();
    expect(none.plan.skipped).toEqual([
      {
        name: "crm_spend",
        reason: "no table crm.customers (no Oracle data replicated yet: cdp cdc)",
      },
    ]);
    expect(none.plan.crm).toBeNull();

    await env.warehouse.query("CREATE SCHEMA IF NOT EXISTS crm");
    await env.warehouse.query(
      "CREATE TABLE crm.customers (customer_id bigint PRIMARY KEY, total_spend numeric)",
    );
    await env.warehouse.query(
      "INSERT INTO crm.customers VALUES (1, 100), (2, 200), (3, 300), (9999, 5)",
    );
    const joined = await read();
    expect(joined.plan.features.map((f) => f.def.name)).toContain("crm_spend");
    expect(joined.plan.skipped).toEqual([]);
    const crm = joined.stats.find((s) => s.name === "crm_spend")!;
    expect(crm).toMatchObject({
      column: "crm.customers.total_spend",
      missingCount: 27,
      imputed: 27,
      fill: 200,
    });
    const t = joined.plan.features.findIndex((f) => f.def.name === "crm_spend");
    expect(joined.data[0 * joined.d + t]).toBe(100); // user 1
    expect(joined.rowsRead).toBe(30); // the join adds no row

    await env.warehouse.query("DELETE FROM crm.customers WHERE customer_id < 1000");
    const unmatched = await read();
    expect(unmatched.plan.skipped).toEqual([
      {
        name: "crm_spend",
        reason: "no user of customers has a row in crm.customers (joined on customer_id = user_id)",
      },
    ]);
    await env.warehouse.query("DROP TABLE crm.customers");
  });

  test("--features picks configured features; an unknown name is refused with the list; a named feature that cannot be computed is an error, not a skip", async () => {
    const m = await read({ features: ["monetary", "frequency"] });
    expect(m.plan.features.map((f) => f.def.name)).toEqual(["monetary", "frequency"]);
    const bad = SegmentArgs.safeParse({ features: ["monetary", "lifetime_value"] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toBe(
      `unknown feature "lifetime_value" (configured: ${featureNames().join(", ")})`,
    );
    expect(await failure(read({ features: ["loyalty"] }))).toBe(
      "segment.feature_unavailable: feature loyalty: customers has no column loyalty_tier",
    );
    expect(await failure(read({ features: ["crm_spend"] }))).toBe(
      "segment.feature_unavailable: feature crm_spend: no table crm.customers (no Oracle data replicated yet: cdp cdc)",
    );
  });

  test("--table and --key choose the source; a missing table or key, or a key that repeats, is a clear error", async () => {
    await loadCustomers(env.warehouse, users.slice(0, 6), "people");
    const m = await read({ table: "people", key: "user_id" });
    expect(m.rowsRead).toBe(6);
    expect(await failure(read({ table: "nowhere" }))).toMatch(
      /^segment.no_table: no table nowhere in the warehouse/,
    );
    expect(await failure(read({ key: "customer_no" }))).toMatch(
      /^segment.no_key: customers has no column customer_no \(it has user_id, email, .*\): name the key with --key$/,
    );
    expect(await failure(read({ key: "is_subscribed", features: ["monetary"] }))).toMatch(
      /^segment.key_not_unique: is_subscribed is not unique in customers: 30 rows, 2 distinct keys/,
    );
    expect(await failure(read({ table: 'x"; DROP TABLE customers; --' }))).toMatch(
      /^sql.bad_identifier|segment.no_table/,
    );
  });

  test("a text column: values that do not parse count as missing, not as a failed run", async () => {
    await env.warehouse.query("DROP TABLE IF EXISTS public.raw_export");
    await env.warehouse.query(
      "CREATE TABLE public.raw_export (user_id text, total_spend text, orders_count text, last_purchase_at text, is_subscribed text)",
    );
    await env.warehouse.query(
      "INSERT INTO public.raw_export VALUES ('a', '10.5', '3', '2026-11-21', 'yes'), ('b', 'n/a', 'x', 'soon', 'maybe'), ('c', ' 7 ', '1', '2026-11-30T12:00:00', 'false'), (NULL, '1', '1', '2026-11-01', 'true')",
    );
    const m = await read({
      table: "raw_export",
      features: ["monetary", "frequency", "recency_days", "engagement"],
    });
    expect(m.rowsRead).toBe(3); // the row without a key is not a user
    expect(m.stats.map((s) => [s.name, s.missingCount])).toEqual([
      ["monetary", 1],
      ["frequency", 1],
      ["recency_days", 1],
      ["engagement", 1],
    ]);
    expect(Array.from(m.data.subarray(0, 4))).toEqual([10.5, 3, 10, 1]);
    expect(Array.from(m.data.subarray(8, 12))).toEqual([7, 1, 0.5, 0]);
  });
});

describe("feature SQL for Redshift", () => {
  let env: SegmentEnv;
  beforeAll(async () => {
    env = await makeSegmentEnv("pglite");
    await loadCustomers(env.warehouse, threeGroups(2));
  });
  afterAll(() => env.close());

  test("no UNLOGGED scratch table, keys as VARCHAR(65535), one PERCENTILE_CONT per statement (Redshift's rule for sort-based aggregates)", async () => {
    const plan = await planFeatures(env.warehouse, { asOf: AS_OF, dialect: "redshift" });
    const [, , create] = scratchSql(plan, scratchTable("run_X"));
    expect(create).toMatch(
      /^CREATE TABLE "cdp_stage"\."m_run_x" AS SELECT ROW_NUMBER\(\) OVER \(ORDER BY b\."user_id"\) AS "_rn", CAST\(b\."user_id" AS varchar\(65535\)\) AS "_key", /,
    );
    expect(create).not.toMatch(/UNLOGGED|::|ON CONFLICT/);
    for (const f of plan.features) {
      const sql = fillSql(plan, scratchTable("run_X"), f)!;
      expect(sql.match(/PERCENTILE_CONT/g)).toHaveLength(1);
    }
    expect(
      scratchSql(await planFeatures(env.warehouse, { asOf: AS_OF, dialect: "postgres" }), "t")[2],
    ).toMatch(/^CREATE UNLOGGED TABLE t AS/);
  });

  test("the segments tables: labels of 80 characters in bytes, rows of a user on one slice; labels written as Redshift reads literals; drift by a FULL OUTER JOIN", () => {
    const ddl = segmentsDdl("redshift").join(";\n");
    expect(ddl).toMatch(/"label" VARCHAR\(320\) NOT NULL/);
    expect(ddl).toMatch(/DISTKEY\("user_id"\) COMPOUND SORTKEY\("run_id", "user_id"\)/);
    expect(ddl).not.toMatch(/CREATE INDEX/);
    expect(segmentsDdl("postgres").join(";")).toMatch(/"label" VARCHAR\(80\)/);
    const load = loadSql({
      runId: "run_X",
      createdAt: AS_OF,
      k: 2,
      labels: ["it's \\ odd", "b"],
      source: "customers",
      dialect: "redshift",
    });
    expect(load[2]).toContain("WHEN 0 THEN 'it''s \\\\ odd' WHEN 1 THEN 'b'");
    expect(load[2]).toContain("CAST('2026-12-01 00:00:00.000' AS TIMESTAMP)");
    expect(load.join(";")).not.toMatch(/ON CONFLICT|::/);
    expect(transitionsSql()).toMatch(/FULL OUTER JOIN/);
  });
});
