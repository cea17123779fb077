// The Quality page's numbers from the ops store: each failing row counted once however often its
// file is ingested, and failing rows marked fixed when a later version of their file loads
// without them — out of the open counts, still there to see.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames } from "../../../test/support/engines";
import { csv, type IngestEnv, makeIngestEnv } from "../../../test/support/ingest";
import { sourceName } from "../src/ingest/rejects";
import {
  type FailureFilter,
  failureSamples,
  failureStatusCounts,
  failureSummary,
  failuresOverTime,
  fixSuperseded,
  recordFailures,
} from "../src/quality/failures";
import { openPglite } from "../src/warehouse/pglite";

const HEADER = "user_id,name,email,total_spend";

/** Ten customers; `bad` replaces some of them with failing rows. */
function file(bad: Record<number, string> = {}): string {
  const rows = [HEADER];
  for (let i = 1; i <= 10; i++) rows.push(bad[i] ?? `${i},N${i},u${i}@example.com,${i}`);
  return csv(rows);
}
const badEmail = (i: number) => `${i},N${i},not-an-email,${i}`;
const negative = (i: number) => `${i},N${i},u${i}@example.com,-${i}`;

describe.each(engineNames)("quality failures on %s", (engine) => {
  let env: IngestEnv;
  beforeAll(async () => {
    env = await makeIngestEnv(engine);
  });
  afterAll(() => env.close());

  /** The runs that recorded failures on a table, oldest first. */
  async function runsOf(table: string): Promise<string[]> {
    const rows = await env.ops.db.execute<{ run_id: string }>(
      sql`select run_id from quality_failures where table_name = ${table} group by run_id order by min(id)`,
    );
    return (rows as unknown as { rows: { run_id: string }[] }).rows.map((r) => r.run_id);
  }

  /** What the Quality page shows for a filter: by rule, per day, samples, open and fixed. */
  async function page(f: FailureFilter) {
    const db = env.ops.db;
    const [byRule, overTime, samples, counts] = await Promise.all([
      failureSummary(db, f),
      failuresOverTime(db, f),
      failureSamples(db, f),
      failureStatusCounts(db, f),
    ]);
    return {
      byRule: Object.fromEntries(byRule.map((r) => [r.rule, [r.count, r.runs]])),
      perDay: overTime.reduce((n, d) => n + d.count, 0),
      samples: samples.map((s) => `${s.rule}@${s.rowNumber}×${s.runs}`).sort(),
      counts,
      raw: samples,
    };
  }

  test("the same file ingested twice: each failing row counts once, by rule, per day and in the samples; the second run still lists them", async () => {
    const table = "twice";
    const content = file({ 3: badEmail(3), 7: negative(7) });
    const first = await env.ingest("twice.csv", content, { table });
    expect(first.status).toBe("SUCCEEDED");
    const once = await page({ table });
    expect(once.byRule).toEqual({ email_format: [1, 1], negative_total_spend: [1, 1] });
    expect(once.perDay).toBe(2);

    const second = await env.ingest("twice.csv", content, { table });
    expect(second.status).toBe("SUCCEEDED");
    const twice = await page({ table });
    expect(twice.byRule).toEqual({ email_format: [1, 2], negative_total_spend: [1, 2] });
    expect(twice.perDay).toBe(2);
    expect(twice.samples).toEqual(["email_format@3×2", "negative_total_spend@7×2"]);
    expect(twice.counts).toEqual({ open: 2, fixed: 0 });
    // The samples are the newest record of each row, the second run's; each run still lists its
    // rows when the page is opened from it.
    const [run1, run2] = await runsOf(table);
    expect(new Set(twice.raw.map((s) => s.runId))).toEqual(new Set([run2]));
    expect((await page({ runId: run1 })).byRule).toEqual({
      email_format: [1, 1],
      negative_total_spend: [1, 1],
    });
    expect((await page({ runId: run2 })).samples).toEqual([
      "email_format@3×2",
      "negative_total_spend@7×2",
    ]);
    // Each run wrote its own rejects file; the first run's is not overwritten by the second's.
    expect(first.stats.rejectsKey).toBe("error/twice/twice.rejects.csv");
    expect(second.stats.rejectsKey).toBe(`error/twice/twice.${run2}.rejects.csv`);
    for (const r of [first, second]) {
      expect(readFileSync(env.lake.path(r.stats.rejectsKey!), "utf8")).toContain("not-an-email");
    }
  });

  test("a later version of the file that loads without a failing row marks it fixed: out of the open counts, listed under fixed with the run that fixed it", async () => {
    const table = "fixed";
    await env.ingest("fixed.csv", file({ 3: badEmail(3), 7: negative(7) }), { table });
    // The operator corrects row 3 and drops the file again; row 7 still fails.
    const v2 = await env.ingest("fixed.csv", file({ 7: negative(7) }), { table });
    expect(v2.status).toBe("SUCCEEDED");
    const [, run2] = await runsOf(table);

    const open = await page({ table });
    expect(open.byRule).toEqual({ negative_total_spend: [1, 2] });
    expect(open.perDay).toBe(1);
    expect(open.samples).toEqual(["negative_total_spend@7×2"]);
    expect(open.counts).toEqual({ open: 1, fixed: 1 });

    const fixed = await page({ table, status: "fixed" });
    expect(fixed.byRule).toEqual({ email_format: [1, 1] });
    expect(fixed.raw[0]).toMatchObject({ rowNumber: 3, fixedBy: run2 });
    expect(Date.parse(fixed.raw[0]!.fixedAt!)).toBeGreaterThan(0);
    expect((await page({ table, status: "all" })).byRule).toEqual({
      email_format: [1, 1],
      negative_total_spend: [1, 2],
    });

    // A clean version fixes the rest.
    const v3 = await env.ingest("fixed.csv", file(), { table });
    expect(v3.stats.rejectsKey).toBeNull();
    expect((await page({ table })).counts).toEqual({ open: 0, fixed: 2 });
    expect(await failureSummary(env.ops.db, { table })).toEqual([]);
  });

  test("nothing is fixed by a version that failed its threshold, nor by a file of another name; a fixed row failing again is open again", async () => {
    const table = "refail";
    const v1 = file({ 3: badEmail(3) });
    await env.ingest("refail.csv", v1, { table });
    // Too many bad rows: the file fails, nothing loads, row 3's failure stands.
    const tooMany = file({ 1: negative(1), 2: negative(2), 4: negative(4) });
    expect((await env.ingest("refail.csv", tooMany, { table })).status).toBe("FAILED");
    // Another file of the table, clean: it is not a version of refail.csv.
    expect((await env.ingest("other.csv", file(), { table })).status).toBe("SUCCEEDED");
    expect((await page({ table })).counts).toEqual({ open: 4, fixed: 0 });

    // The clean version fixes all four; the old version dropped again opens row 3 again.
    await env.ingest("refail.csv", file(), { table });
    expect((await page({ table })).counts).toEqual({ open: 0, fixed: 4 });
    await env.ingest("refail.csv", v1, { table });
    const again = await page({ table });
    expect(again.counts).toEqual({ open: 1, fixed: 3 });
    expect(again.samples).toEqual(["email_format@3×2"]);
  });

  test("a run that kept only its first failures fixes only rows before the last one it kept", async () => {
    const db = env.ops.db;
    const base = {
      tableName: "capped",
      errorType: "invalid_format",
      severity: "error",
      description: "bad",
      rawRecord: null,
      sourceKey: "inbox/capped/capped.csv",
      sourceName: "capped.csv",
      createdAt: new Date(),
    };
    const rows = (runId: string, numbers: number[]) =>
      numbers.map((n) => ({ ...base, runId, rule: "r", rowNumber: n, row: { id: String(n) } }));
    await recordFailures(db, rows("run_old", [2, 4, 6, 8]));
    // The new version still fails rows 4 and 6 and more after them, but kept only two.
    await recordFailures(db, rows("run_new", [4, 6]));
    expect(
      await fixSuperseded(db, {
        runId: "run_new",
        table: "capped",
        sourceName: "capped.csv",
        limit: 2,
      }),
    ).toBe(1);
    const fixed = await failureSamples(db, { table: "capped", status: "fixed" });
    expect(fixed.map((f) => f.rowNumber)).toEqual([2]);
    expect((await failureStatusCounts(db, { table: "capped" })).open).toBe(3);
  });
});

test("a file is known by its name, wherever a run read it from", () => {
  const run = "run_01JQ3ZP2J6V8W4N1QXK9M5T7RB";
  expect(sourceName("inbox/customers/crm.csv")).toBe("crm.csv");
  expect(sourceName("crm.csv")).toBe("crm.csv");
  expect(sourceName(`error/customers/crm.${run}.csv`)).toBe("crm.csv");
  expect(sourceName("error/customers/crm.sfn:cdp-ingest:3f2a-11.csv")).toBe("crm.csv");
  expect(sourceName(`processed/customers/crm.${run}`)).toBe("crm");
  expect(sourceName("inbox/customers/crm.2024.csv")).toBe("crm.2024.csv");
  expect(sourceName(`inbox/c/${"x".repeat(200)}.csv`)).toMatch(/^x+~[0-9a-f]{8}\.csv$/);
});

test("failures recorded before the upgrade get their file's name and fingerprint from the migration", async () => {
  const migrations = fileURLToPath(new URL("../migrations", import.meta.url));
  const before = mkdtempSync(join(tmpdir(), "cdp-migrations-"));
  try {
    // The migrations up to 0001, as a store made before this one had them.
    mkdirSync(join(before, "meta"));
    for (const f of ["0000_init.sql", "0001_audit_log.sql"]) {
      cpSync(join(migrations, f), join(before, f));
    }
    const journal = JSON.parse(readFileSync(join(migrations, "meta/_journal.json"), "utf8"));
    journal.entries = journal.entries.slice(0, 2);
    writeFileSync(join(before, "meta/_journal.json"), JSON.stringify(journal));
    const client = await openPglite();
    const db = drizzle(client);
    await migrate(db, { migrationsFolder: before });
    const run = "run_01JQ3ZP2J6V8W4N1QXK9M5T7RB";
    for (const [id, key] of [
      ["qf_1", "inbox/customers/crm.csv"],
      ["qf_2", `error/customers/crm.${run}.csv`],
    ]) {
      await client.query(
        `insert into quality_failures (id, run_id, table_name, rule, error_type, severity, description, row_number, row, source_key, created_at)
         values ($1, 'run_x', 'customers', 'email_format', 'invalid_format', 'error', 'bad', 3, '{"email":"x"}', $2, now())`,
        [id, key],
      );
    }
    await migrate(db, { migrationsFolder: migrations });
    const { rows } = await client.query<{
      source_name: string;
      fingerprint: string;
      fixed_at: null;
    }>("select source_name, fingerprint, fixed_at from quality_failures order by id");
    expect(rows.map((r) => r.source_name)).toEqual(["crm.csv", "crm.csv"]);
    // The same row of the same file, read from inbox/ and again from error/: one failing row.
    expect(rows[0]!.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(rows[1]!.fingerprint).toBe(rows[0]!.fingerprint);
    expect(rows.every((r) => r.fixed_at === null)).toBe(true);
    await client.close();
  } finally {
    rmSync(before, { recursive: true, force: true });
  }
});
