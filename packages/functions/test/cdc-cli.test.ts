import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { dmsCsv, seq } from "../../../test/support/cdc";
import { cdp, startServer } from "../../../test/support/cli";

const dirs: string[] = [];
function tmp(prefix = "cdp-cdc-cli-") {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const COLS = ["CUSTOMER_ID", "NAME", "EMAIL"];

function put(root: string, rel: string, content: string) {
  const p = join(root, rel);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, content);
  return p;
}

// biome-ignore lint/suspicious/noExplicitAny: test reads of API JSON
type Json = any;
const get = async (url: string, token: string): Promise<Json> =>
  (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json();

describe("cdp cdc", () => {
  test("applies a folder of DMS files in order and prints per-table counts as JSON; a replay is skipped; deleted rows do not show", async () => {
    const data = tmp();
    const files = tmp();
    put(
      files,
      "CRM/CUSTOMERS/LOAD00000001.csv",
      dmsCsv(COLS, [
        ["I", null, "1", "Ann", "ann@example.com"],
        ["I", null, "2", "Bob", "bob@example.com"],
        ["I", null, "3", "Cy", "cy@example.com"],
      ]),
    );
    put(
      files,
      "CRM/CUSTOMERS/20261101-1200000000.csv",
      dmsCsv(COLS, [
        ["U", seq(2), "1", "Ann B", "ann@example.com"],
        ["D", seq(1), "2"],
        ["I", seq(3), "4", "Di", "di@example.com"],
      ]),
    );
    put(
      files,
      "CRM/ORDERS/LOAD00000001.csv",
      dmsCsv(["ORDER_ID", "CUSTOMER_ID"], [["I", null, "10", "1"]]),
    );
    const r = await cdp(["cdc", files, "--json", "--data-dir", data]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      runId: expect.stringMatching(/^run_/),
      status: "SUCCEEDED",
      tables: [
        {
          table: "crm.customers",
          filesApplied: 2,
          filesSkipped: 0,
          inserted: 4,
          updated: 1,
          deleted: 1,
          skippedStale: 0,
          quarantined: 0,
        },
        {
          table: "crm.orders",
          filesApplied: 1,
          filesSkipped: 0,
          inserted: 1,
          updated: 0,
          deleted: 0,
          skippedStale: 0,
          quarantined: 0,
        },
      ],
    });
    const rows = await cdp([
      "sql",
      "select customer_id, name from crm.customers order by 1",
      "--json",
      "--data-dir",
      data,
    ]);
    expect(JSON.parse(rows.stdout)).toEqual([
      { customer_id: 1, name: "Ann B" },
      { customer_id: 3, name: "Cy" },
      { customer_id: 4, name: "Di" },
    ]);

    // the same files again: applied before, so skipped; the table is unchanged
    const again = await cdp(["cdc", join(files, "CRM", "CUSTOMERS"), "--data-dir", data]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^run_\w+ cdc SUCCEEDED in \S+: crm\.customers ← 2 files$/m);
    expect(again.stdout).toMatch(
      /crm\.customers: 0 files applied, 2 skipped \(applied before\) · 0 inserted · 0 updated · 0 deleted/,
    );

    // one late file, older than what the table holds for customer 1
    const late = put(
      files,
      "CRM/CUSTOMERS/20261101-1100000000.csv",
      dmsCsv(COLS, [["U", seq(0), "1", "Ann (old)", "ann@example.com"]]),
    );
    const one = await cdp(["cdc", late, "--json", "--data-dir", data]);
    expect(JSON.parse(one.stdout).tables[0]).toMatchObject({ skippedStale: 1, updated: 0 });

    // a file that is not DMS output: the run fails, and --json says which file, where it went and why
    const bad = put(files, "CRM/CUSTOMERS/20261101-1300000000.csv", "id,name\n1,Ann\n");
    const failed = await cdp(["cdc", bad, "--json", "--data-dir", data]);
    expect(failed.code).toBe(1);
    const report = JSON.parse(failed.stdout);
    expect(report.status).toBe("FAILED");
    expect(report.failedFiles).toEqual([
      {
        key: "dms/CRM/CUSTOMERS/20261101-1300000000.csv",
        errorKey: "error/dms/CRM/CUSTOMERS/20261101-1300000000.csv",
        reason: expect.stringMatching(/no Op column .*IncludeOpForFullLoad=true/),
      },
    ]);
    expect(existsSync(join(data, "lake", report.failedFiles[0].errorKey))).toBe(true);

    const missing = await cdp(["cdc", join(files, "nope"), "--data-dir", data]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file or folder/);
  }, 300_000);
});

describe("cdp start and DMS files", () => {
  test("the first start applies the sample DMS full load and its two change batches; a file dropped into dms/ is applied; cdp cdc goes through the running server", async () => {
    const data = tmp();
    const server = await startServer(["--data-dir", data]);
    try {
      expect(server.output()).toMatch(/dropped a sample DMS full load and two change batches/);
      const waitFor = async (n: number) => {
        for (let i = 0; i < 240; i++) {
          const page = await get(`${server.url}/api/runs?pipeline=cdc`, server.token);
          if (
            page.items.length >= n &&
            page.items.every((r: Json) => r.status !== "QUEUED" && r.status !== "RUNNING")
          )
            return page.items;
          await new Promise((r) => setTimeout(r, 250));
        }
        throw new Error("timed out waiting for cdc runs");
      };
      const [first] = await waitFor(1);
      expect(first.status).toBe("SUCCEEDED");
      expect(first.subject).toBe("crm.customers ← 3 files");
      expect(first.stats.tables).toEqual([
        expect.objectContaining({
          table: "crm.customers",
          filesApplied: 3,
          inserted: 24,
          updated: 6,
          deleted: 2,
          quarantined: 1,
        }),
      ]);
      put(
        join(data, "lake", "dms"),
        "CRM/CUSTOMERS/20261101-1000000000.csv",
        dmsCsv(
          ["CUSTOMER_ID", "FIRST_NAME", "LAST_NAME", "EMAIL", "CITY", "TOTAL_SPEND"],
          [["D", seq(1, "2026110110000000"), "1001"]],
        ),
      );
      const [latest] = await waitFor(2);
      expect(latest.status).toBe("SUCCEEDED");
      expect(latest.stats.tables[0]).toMatchObject({ filesApplied: 1, deleted: 1 });
      const line =
        /cdc crm\.customers ← 1 file SUCCEEDED in \S+ · 1 changes · 0 inserted · 0 updated · 1 deleted · http/;
      for (let i = 0; i < 40 && !line.test(server.output()); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(server.output()).toMatch(line);

      // `cdp cdc` while the server runs: the files go to its lake, the run to its API
      const files = tmp();
      const late = put(
        files,
        "CRM/CUSTOMERS/20261101-1100000000.csv",
        dmsCsv(
          ["CUSTOMER_ID", "FIRST_NAME", "LAST_NAME", "EMAIL", "CITY", "TOTAL_SPEND"],
          [
            [
              "I",
              seq(2, "2026110111000000"),
              "1001",
              "Back",
              "Again",
              "b@example.com",
              "Rome",
              "1",
            ],
          ],
        ),
      );
      const r = await cdp(["cdc", late, "--json", "--data-dir", data]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).tables).toEqual([
        expect.objectContaining({ table: "crm.customers", filesApplied: 1, inserted: 1 }),
      ]);
      const runs = await get(`${server.url}/api/runs?pipeline=cdc`, server.token);
      expect(runs.items[0].id).toBe(JSON.parse(r.stdout).runId);
    } finally {
      await server.stop();
    }
  }, 180_000);
});
