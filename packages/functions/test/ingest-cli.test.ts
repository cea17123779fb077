import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { cdp, startServer } from "../../../test/support/cli";
import { pgServerUrl } from "../../../test/support/engines";
import { createDatabase } from "../../../test/support/postgres";

const dirs: string[] = [];
function tmp(prefix = "cdp-ingest-cli-") {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function file(dir: string, name: string, lines: string[]) {
  const p = join(dir, name);
  writeFileSync(p, `${lines.join("\n")}\n`);
  return p;
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

// biome-ignore lint/suspicious/noExplicitAny: test reads of API JSON
type Json = any;
async function get(url: string, token: string): Promise<Json> {
  return (await fetch(url, { headers: auth(token) })).json();
}

describe("cdp ingest", () => {
  test("loads a file and prints the result as JSON; a bad file exits 1 and says where it went; a missing file exits 2", async () => {
    const data = tmp();
    const files = tmp();
    const good = file(files, "customers_2026-01-31.csv", [
      "user_id,email,total_spend",
      "1,a@example.com,1.5",
      "2,b@example.com,2",
      "3,nope,3",
      "4,d@example.com,4",
      "5,e@example.com,5",
      "6,f@example.com,6",
    ]);
    const r = await cdp(["ingest", good, "--json", "--data-dir", data]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toEqual({
      runId: expect.stringMatching(/^run_/),
      status: "SUCCEEDED",
      table: "customers",
      rowsRead: 6,
      rowsLoaded: 5,
      rowsQuarantined: 1,
      rowsInserted: 5,
      rowsUpdated: 0,
      rowsUnchanged: 0,
      columnsAdded: ["user_id", "email", "total_spend"],
      sourceKey: "processed/customers/customers_2026-01-31.csv",
      errorKey: "error/customers/customers_2026-01-31.rejects.csv",
      rejectsKey: "error/customers/customers_2026-01-31.rejects.csv",
    });
    // the user's own file is untouched; the lake keeps its copy
    expect(readFileSync(good, "utf8")).toMatch(/^user_id,email/);
    expect(readFileSync(join(data, "lake", out.sourceKey), "utf8")).toBe(
      readFileSync(good, "utf8"),
    );

    const rows = JSON.parse(
      (
        await cdp([
          "sql",
          "select user_id, email from customers order by 1 limit 3",
          "--json",
          "--data-dir",
          data,
        ])
      ).stdout,
    );
    expect(rows).toEqual([
      { user_id: 1, email: "a@example.com" },
      { user_id: 2, email: "b@example.com" },
      { user_id: 4, email: "d@example.com" },
    ]);

    const bad = file(files, "leads.csv", ["id,name", "1,x"]);
    const failed = await cdp(["ingest", bad, "--key", "user_id", "--data-dir", data]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/ingest FAILED/);
    expect(failed.stdout).toMatch(/error: leads\.csv has no key column "user_id"/);
    expect(failed.stdout).toMatch(/source kept at lake\/error\/leads\/leads\.csv/);

    const missing = await cdp(["ingest", join(files, "nope.csv"), "--data-dir", data]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.csv: no such file/);
  });

  test("with a PostgreSQL warehouse, two processes ingesting into one table at once both succeed with no lost update", async () => {
    const url = await createDatabase(pgServerUrl());
    const opsUrl = await createDatabase(pgServerUrl());
    const files = tmp();
    const seed = file(files, "seed.csv", ["user_id,a,b", "1,a0,b0", "2,a0,b0"]);
    const env = { CDP_WAREHOUSE_URL: url, CDP_OPS_URL: opsUrl };
    expect((await cdp(["ingest", seed, "--table", "people", "--data-dir", tmp()], env)).code).toBe(
      0,
    );
    const x = file(files, "x.csv", [
      "user_id,a,c",
      ...Array.from({ length: 3000 }, (_, i) => `${i + 1},a${i},c${i}`),
    ]);
    const y = file(files, "y.csv", [
      "user_id,b,d",
      ...Array.from({ length: 3000 }, (_, i) => `${i + 1},b${i},d${i}`),
    ]);
    const [rx, ry] = await Promise.all([
      cdp(["ingest", x, "--table", "people", "--data-dir", tmp()], env),
      cdp(["ingest", y, "--table", "people", "--data-dir", tmp()], env),
    ]);
    expect([rx.code, ry.code, rx.stderr, ry.stderr]).toEqual([0, 0, "", ""]);
    const check = await cdp(
      [
        "sql",
        "select count(*)::int as n, count(a)::int as a, count(b)::int as b, count(c)::int as c, count(d)::int as d from people",
        "--json",
        "--data-dir",
        tmp(),
      ],
      env,
    );
    expect(JSON.parse(check.stdout)).toEqual([{ n: 3000, a: 3000, b: 3000, c: 3000, d: 3000 }]);
  });
});

describe("cdp ingest keeps what the file says", () => {
  test("zip codes and phone numbers keep their leading zeros; an empty cell, quoted or not, is NULL", async () => {
    const data = tmp();
    const files = tmp();
    const f = file(files, "contacts.csv", [
      "id,zip,phone,visits,note",
      '1,08123,02095257564,"",""',
      "2,12345,12095257564,3,hi",
      "3,00501,+14155550100,,",
    ]);
    const r = await cdp(["ingest", f, "--key", "id", "--json", "--data-dir", data]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 3 });
    const rows = await cdp([
      "sql",
      "select zip, phone, visits, note from contacts order by id",
      "--json",
      "--data-dir",
      data,
    ]);
    expect(JSON.parse(rows.stdout)).toEqual([
      { zip: "08123", phone: "02095257564", visits: null, note: null },
      { zip: "12345", phone: "12095257564", visits: 3, note: "hi" },
      { zip: "00501", phone: "+14155550100", visits: null, note: null },
    ]);
  }, 120_000);

  test("when the warehouse cannot be reached the file goes to error/ with the reason, and the output says where", async () => {
    const data = tmp();
    const files = tmp();
    const f = file(files, "leads.csv", ["user_id,email", "1,a@example.com"]);
    const env = { CDP_WAREHOUSE_URL: "postgres://cdp:fake@127.0.0.1:1/none" };
    const r = await cdp(["ingest", f, "--json", "--data-dir", data], env);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      status: "FAILED",
      table: "leads",
      sourceKey: "error/leads/leads.csv",
      errorKey: "error/leads/leads.csv",
    });
    expect(readFileSync(join(data, "lake/error/leads/leads.csv"), "utf8")).toBe(
      "user_id,email\n1,a@example.com\n",
    );
    expect(readFileSync(join(data, "lake/error/leads/leads.csv.reason.txt"), "utf8")).toMatch(
      /unexpected error.*ECONNREFUSED/,
    );
    const human = await cdp(["ingest", f, "--data-dir", data], env);
    expect(human.stdout).toMatch(/source kept at lake\/error\/leads\/leads\.run_\w+\.csv/);
    expect(human.stdout).toMatch(/why: lake\/error\/leads\/leads\.run_\w+\.csv\.reason\.txt/);
    expect(human.stdout).not.toMatch(/rejects:/);
    expect(human.stdout).toMatch(/^run_\w+ ingest FAILED in \S+: leads ← leads\.csv$/m);
  }, 120_000);

  test("a file dropped into the inbox that crashes the run is parked in error/ once, not retried in a loop", async () => {
    const data = tmp();
    const server = await startServer(["--data-dir", data], {
      CDP_NO_SAMPLE: "1",
      CDP_WAREHOUSE_URL: "postgres://cdp:fake@127.0.0.1:1/none",
    });
    try {
      const inbox = join(data, "lake", "inbox", "leads");
      const { mkdirSync, existsSync } = await import("node:fs");
      mkdirSync(inbox, { recursive: true });
      writeFileSync(join(inbox, "leads.csv"), "user_id,email\n1,a@example.com\n");
      let runs: Json[] = [];
      for (let i = 0; i < 120 && !runs.some((r) => r.status === "FAILED"); i++) {
        await new Promise((r) => setTimeout(r, 250));
        runs = (await get(`${server.url}/api/runs?pipeline=ingest`, server.token)).items;
      }
      expect(runs).toHaveLength(1);
      expect(runs[0].status).toBe("FAILED");
      expect(runs[0].stats).toMatchObject({
        sourceKey: "error/leads/leads.csv",
        errorKey: "error/leads/leads.csv",
      });
      expect(existsSync(join(inbox, "leads.csv"))).toBe(false);
      expect(existsSync(join(data, "lake/error/leads/leads.csv.reason.txt"))).toBe(true);
      // the watcher polls every 500 ms: a few more rounds start nothing new
      await new Promise((r) => setTimeout(r, 2000));
      const after = (await get(`${server.url}/api/runs?pipeline=ingest`, server.token)).items;
      expect(after).toHaveLength(1);
    } finally {
      await server.stop();
    }
  }, 120_000);
});

describe("cdp start", () => {
  test("first start ingests the sample export: a load, a quarantine and a schema change, all in the console's API", async () => {
    const data = tmp();
    const server = await startServer(["--data-dir", data]);
    try {
      expect(server.output()).toMatch(/dropped a sample CRM export/);
      let runs: { status: string; stats: Record<string, unknown> }[] = [];
      for (let i = 0; i < 120; i++) {
        const page = await get(`${server.url}/api/runs?pipeline=ingest`, server.token);
        runs = page.items;
        if (runs.length === 2 && runs.every((r) => r.status === "SUCCEEDED")) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(runs.map((r) => r.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
      const [second, first] = runs;
      expect(first!.stats.rowsQuarantined).toBeGreaterThan(0);
      expect(second!.stats.columnsAdded).toEqual(["loyalty_tier"]);
      const schema = await get(`${server.url}/api/schema?table=customers`, server.token);
      expect(
        schema.changes.map(
          (c: { columnName: string; change: string }) => `${c.change}:${c.columnName}`,
        ),
      ).toContain("add:loyalty_tier");
      const quality = await get(`${server.url}/api/quality/summary?table=customers`, server.token);
      expect(quality.byRule.length).toBeGreaterThan(0);
      const alerts = await get(`${server.url}/api/alerts`, server.token);
      expect(alerts.items.map((a: { kind: string }) => a.kind)).toContain("quarantine");
    } finally {
      await server.stop();
    }
  });

  test("a file dropped into the inbox while it runs is ingested; a failed ingest is retried from where the file went", async () => {
    const data = tmp();
    const server = await startServer(["--data-dir", data], { CDP_NO_SAMPLE: "1" });
    try {
      const inbox = join(data, "lake", "inbox", "leads");
      const { mkdirSync } = await import("node:fs");
      mkdirSync(inbox, { recursive: true });
      writeFileSync(join(inbox, "leads.csv"), "user_id,email\n1,a@example.com\n2,bad\n3,bad\n");
      const waitFor = async (
        pred: (r: { status: string; stats: Record<string, unknown>; id: string }) => boolean,
      ) => {
        for (let i = 0; i < 120; i++) {
          const page = await get(`${server.url}/api/runs?pipeline=ingest`, server.token);
          const hit = page.items.find(pred);
          if (hit) return hit;
          await new Promise((r) => setTimeout(r, 250));
        }
        throw new Error("timed out waiting for a run");
      };
      const failed = await waitFor((r) => r.status === "FAILED");
      expect(failed.stats.sourceKey).toBe("error/leads/leads.csv");
      // the terminal says so too: one line per finished run, with what it was about and a link
      const line =
        /^\d\d:\d\d:\d\d ingest leads ← leads\.csv FAILED in \S+ · 2 of 3 records \(66\.7 %\) failed quality rules.* · http:\/\/127\.0\.0\.1:\d+\/runs\/run_\w+$/m;
      for (let i = 0; i < 40 && !line.test(server.output()); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(server.output()).toMatch(line);
      // Too many bad rows needs a fix: a plain retry is refused, saying what must change.
      const refused = await fetch(`${server.url}/api/runs/${failed.id}/retry`, {
        method: "POST",
        headers: auth(server.token),
      });
      expect(refused.status).toBe(409);
      expect(((await refused.json()) as Json).message).toMatch(/raise rejectThreshold for leads/);
      const retry = await fetch(
        `${server.url}/api/runs/${failed.id}/retry?wait=true&confirm=true`,
        {
          method: "POST",
          headers: auth(server.token),
        },
      );
      expect(retry.status).toBe(201);
      const { run } = (await retry.json()) as Json;
      // the same data fails the same rules again, but the retry found the file in error/
      expect(run.status).toBe("FAILED");
      expect(run.error).toMatch(/2 of 3 records \(66\.7 %\) failed quality rules/);
      expect(run.stats.sourceKey).toMatch(/^error\/leads\/leads\.(run_[0-9A-Z]+\.)?csv$/);
      // a good file's line carries its counts
      writeFileSync(
        join(inbox, "leads_2.csv"),
        "user_id,email\n7,g@example.com\n8,h@example.com\n",
      );
      const counts =
        /ingest leads ← leads_2\.csv SUCCEEDED in \S+ · 2 read · 2 loaded \(2 new, 0 updated, 0 unchanged\) · 2 columns added · http/;
      for (let i = 0; i < 120 && !counts.test(server.output()); i++) {
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(server.output()).toMatch(counts);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
