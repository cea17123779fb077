import { utimesSync } from "node:fs";
import { insertRun } from "@cdp/core/run/store";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames } from "../../../test/support/engines";
import { makePlatform, type TestPlatform } from "../../../test/support/platform";

describe.each(engineNames)("housekeeping on %s", (engine) => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await makePlatform(engine);
  });
  afterAll(() => t.close());

  test("expires lake objects past retention and drops staging tables that no running run owns", async () => {
    const { lake } = t.platform;
    await lake.put("processed/customers/old.csv", "user_id\n1\n");
    await lake.put("processed/customers/new.csv", "user_id\n2\n");
    const threeYearsAgo = new Date(Date.now() - 3 * 365 * 86_400_000);
    utimesSync(lake.path("processed/customers/old.csv"), threeYearsAgo, threeYearsAgo);
    const wh = await t.platform.warehouse();
    await wh.query(`create schema if not exists cdp_stage`);
    await wh.query(`create table cdp_stage.s_run_01gone0000000000000000000 (a int)`);

    const res = await t.request("/api/runs?wait=true", {
      method: "POST",
      body: JSON.stringify({ pipeline: "housekeeping" }),
    });
    const { run } = (await res.json()) as {
      run: { status: string; stats: Record<string, unknown> };
    };
    expect(run.status).toBe("SUCCEEDED");
    expect(run.stats).toMatchObject({ expired: 1, stagingTablesDropped: 1 });
    expect(await lake.exists("processed/customers/old.csv")).toBe(false);
    expect(await lake.exists("processed/customers/new.csv")).toBe(true);
    expect(
      await wh.query(
        `select table_name from information_schema.tables where table_schema = 'cdp_stage'`,
      ),
    ).toEqual([]);
  });

  test("keeps the scratch tables of a run still going, those it stages side by side (cdc) too", async () => {
    const running = await insertRun(t.platform.ops.db, {
      pipeline: "cdc",
      args: { path: "dms/" },
      status: "RUNNING",
    });
    const id = running.id.toLowerCase();
    const wh = await t.platform.warehouse();
    await wh.query(`create schema if not exists cdp_stage`);
    await wh.query(`create table cdp_stage.s_${id}_0 (a int)`);
    await wh.query(`create table cdp_stage.c_${id}_1 (a int)`);
    await wh.query(`create table cdp_stage.s_run_01gone0000000000000000000_1 (a int)`);
    const res = await t.request("/api/runs?wait=true", {
      method: "POST",
      body: JSON.stringify({ pipeline: "housekeeping" }),
    });
    const { run } = (await res.json()) as { run: { stats: Record<string, unknown> } };
    expect(run.stats).toMatchObject({ stagingTablesDropped: 1 });
    const left = await wh.query<{ t: string }>(
      `select table_name as t from information_schema.tables where table_schema = 'cdp_stage' order by 1`,
    );
    expect(left.map((r) => r.t)).toEqual([`c_${id}_1`, `s_${id}_0`]);
  });
});
