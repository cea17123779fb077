// GET /api/cdc/tables through app.request() on a real local platform: the first-start sample's
// DMS files applied by the cdc pipeline, then a late stale change, a delete, a file that fails,
// and files left waiting — the counts, the newest change (tombstones included), the files
// pending and failed, and the lag behind the newest waiting file.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dmsCsv, seq } from "../../../test/support/cdc";
import { engineNames } from "../../../test/support/engines";
import { makePlatform, type TestPlatform } from "../../../test/support/platform";
import { dmsSampleFiles } from "../src/local/sample-data";

type Status = {
  table: string;
  source: string;
  lastChange: { seq: string; commitTs: string | null } | null;
  lag: number | null;
  newestPending: { name: string; at: string | null } | null;
  changes: number;
  inserted: number;
  updated: number;
  deleted: number;
  skippedStale: number;
  quarantined: number;
  filesApplied: number;
  filesPending: number;
  filesFailed: number;
  lastAppliedAt: string | null;
  lastRunId: string | null;
};

const COLS = ["CUSTOMER_ID", "FIRST_NAME", "LAST_NAME", "EMAIL", "CITY", "TOTAL_SPEND"];
const customer = (id: string, name: string) => [
  id,
  name,
  "Late",
  `${name}@example.com`,
  "Oslo",
  "1",
];

describe.each(engineNames)("CDC tables API on %s", (engine) => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await makePlatform(engine);
  });
  afterAll(() => t.close());

  const tables = async () => {
    const res = await t.request("/api/cdc/tables");
    expect(res.status).toBe(200);
    return ((await res.json()) as { tables: Status[] }).tables;
  };
  const put = (key: string, body: string) => t.platform.lake.put(key, body);
  const apply = async () => {
    const run = await t.platform.runner.submit("cdc", { path: "dms/" });
    return t.platform.runner.wait(run.id);
  };

  test("no DMS file and no CDC table yet: an empty list, not an error", async () => {
    expect(await tables()).toEqual([]);
    // Without the token, like every other route.
    const res = await t.api.request("/api/cdc/tables");
    expect(res.status).toBe(401);
  });

  test("the sample's full load and two change batches: counts from the ledger, the newest change, nothing pending", async () => {
    for (const f of dmsSampleFiles()) {
      await put(f.key, [...f.lines()].join(""));
    }
    const run = await apply();
    expect(run.status).toBe("SUCCEEDED");
    expect(await tables()).toEqual([
      {
        table: "crm.customers",
        source: "CRM/CUSTOMERS",
        // The last change of the second batch: U of 1008, change number 7 at 09:07:40.
        lastChange: { seq: seq(7, "2026110109074000"), commitTs: "2026-11-01T09:07:40.000Z" },
        lag: 0,
        newestPending: null,
        // 20 loaded; 7 + 7 changes: 1003 updated twice in one transaction (one update), an
        // update of 1030 the load never had (an insert), a broken email quarantined.
        changes: 34,
        inserted: 24,
        updated: 6,
        deleted: 2,
        skippedStale: 0,
        quarantined: 1,
        filesApplied: 3,
        filesPending: 0,
        // The quarantined row's rejects file under error/dms/ is not a failed file.
        filesFailed: 0,
        lastAppliedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        lastRunId: run.id,
      },
    ]);
  });

  test("a late stale change, a delete that is the newest change, a failed file, and files waiting", async () => {
    const dir = "dms/CRM/CUSTOMERS";
    // Named and sequenced before the batches already applied: 1001 holds a newer change.
    await put(
      `${dir}/20261101-0904000000.csv`,
      dmsCsv(
        COLS,
        [["U", seq(9, "2026110109000000"), ...customer("1001", "stale")]],
        "2026-11-01 09:00:00.000000",
      ),
    );
    // The newest change of all is a delete: its sequence lives in the tombstones only.
    await put(
      `${dir}/20261101-0912000000.csv`,
      dmsCsv(COLS, [["D", seq(1, "2026110109110000"), "1002"]], "2026-11-01 09:11:00.000000"),
    );
    // Not DMS CSV as the apply needs it (no Op column): moved to error/dms/.
    await put(`${dir}/20261101-0913000000.csv`, "CUSTOMER_ID,FIRST_NAME\n1009,Nope\n");
    const run = await apply();
    expect(run.status).toBe("FAILED");

    // Waiting, not applied (no watcher here): a change file of this table, and a full load of a
    // table nothing was applied to yet.
    await put(
      `${dir}/20261101-0920000000.csv`,
      dmsCsv(
        COLS,
        [["U", seq(1, "2026110109195900"), ...customer("1005", "later")]],
        "2026-11-01 09:19:59.000000",
      ),
    );
    await put(
      `${dir}/20261101-0918000000.csv`,
      dmsCsv(
        COLS,
        [["U", seq(1, "2026110109175900"), ...customer("1006", "l")]],
        "2026-11-01 09:17:59.000000",
      ),
    );
    await put(
      "dms/CRM/ORDERS/LOAD00000001.csv",
      dmsCsv(["ORDER_ID", "TOTAL"], [["I", null, "1", "5"]]),
    );

    const [customers, orders] = await tables();
    expect(customers).toMatchObject({
      table: "crm.customers",
      lastChange: { seq: seq(1, "2026110109110000"), commitTs: "2026-11-01T09:11:00.000Z" },
      changes: 36,
      inserted: 24,
      updated: 6,
      deleted: 3,
      skippedStale: 1,
      quarantined: 1,
      filesApplied: 5,
      filesPending: 2,
      filesFailed: 1,
      lastRunId: run.id,
      // The newest waiting file, by the time in its name, 09:20:00 — 9 min after 09:11:00.
      newestPending: { name: "20261101-0920000000.csv", at: "2026-11-01T09:20:00.000Z" },
      lag: 540,
    });
    expect(orders).toEqual({
      table: "crm.orders",
      source: "CRM/ORDERS",
      lastChange: null,
      lag: null,
      newestPending: { name: "LOAD00000001.csv", at: expect.stringMatching(/^\d{4}-/) },
      changes: 0,
      inserted: 0,
      updated: 0,
      deleted: 0,
      skippedStale: 0,
      quarantined: 0,
      filesApplied: 0,
      filesPending: 1,
      filesFailed: 0,
      lastAppliedAt: null,
      lastRunId: null,
    });

    // Applied: nothing waits, the lag is 0, the newest change is the one of 09:19:59.
    const caughtUp = await apply();
    expect(caughtUp.status).toBe("SUCCEEDED");
    const after = await tables();
    expect(after.map((s) => [s.table, s.filesPending, s.lag, s.lastRunId])).toEqual([
      ["crm.customers", 0, 0, caughtUp.id],
      ["crm.orders", 0, 0, caughtUp.id],
    ]);
    expect(after[0]!.lastChange).toEqual({
      seq: seq(1, "2026110109195900"),
      commitTs: "2026-11-01T09:19:59.000Z",
    });
    expect(after[0]).toMatchObject({ filesApplied: 7, filesFailed: 1, updated: 8 });
  });
});
