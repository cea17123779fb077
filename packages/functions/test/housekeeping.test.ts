import { utimesSync } from "node:fs";
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
});
