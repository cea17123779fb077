// The SQL endpoint's query is read-only by construction: every probe of the hardening review
// (S1–S3, W2, W3) replayed on both local engines — refused, and nothing changed afterwards.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames, makeWarehouse } from "../../../test/support/engines";
import { VisibleError } from "../src/util/error";
import { openPglite, pgliteWarehouse } from "../src/warehouse/pglite";
import { DEFAULT_SQL_LIMITS, runReadOnly } from "../src/warehouse/read-only-sql";
import type { Warehouse } from "../src/warehouse/warehouse";

async function refusal(p: Promise<unknown>): Promise<VisibleError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VisibleError);
  return err as VisibleError;
}

describe.each(engineNames)("read-only SQL on %s", (engine) => {
  let wh: Warehouse;
  const scratch = mkdtempSync(join(tmpdir(), "cdp-sql-"));

  beforeAll(async () => {
    wh = await makeWarehouse(engine);
    await wh.query("CREATE TABLE customers (user_id int primary key, email text)");
    await wh.query(
      "INSERT INTO customers SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 50) g",
    );
    await wh.query("CREATE SCHEMA IF NOT EXISTS cdp_stage");
    await wh.query("CREATE TABLE cdp_stage.s_scratch (a text)");
  });
  afterAll(async () => {
    await wh.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  const count = async () =>
    Number((await wh.query<{ n: unknown }>("select count(*) as n from customers"))[0]?.n);

  test("a SELECT returns its rows, a trailing semicolon and comment included", async () => {
    const r = await runReadOnly(
      wh,
      "select user_id, email from customers order by user_id limit 2; -- two",
    );
    expect(r).toEqual({
      rows: [
        { user_id: 1, email: "u1@example.com" },
        { user_id: 2, email: "u2@example.com" },
      ],
      truncated: null,
    });
  });

  test("COPY to a file or a program is refused and writes nothing (S1, S3)", async () => {
    const file = join(scratch, "copied.txt");
    for (const q of [
      `COPY (select '') TO '${file}'`,
      `COPY (select 1) TO PROGRAM 'touch ${file}'`,
      "COPY (select 1) TO PROGRAM 'true'",
    ]) {
      const err = await refusal(runReadOnly(wh, q));
      expect(err.code).toBe("sql.read_only");
      expect(err.message).toMatch(/read-only/);
    }
    expect(existsSync(file)).toBe(false);
    // The warehouse still answers at once.
    expect(await count()).toBe(50);
  });

  test("more than one statement is refused: COMMIT cannot end the read-only transaction (S2)", async () => {
    const err = await refusal(runReadOnly(wh, "COMMIT; DROP TABLE customers"));
    expect(err.code).toBe("sql.one_statement");
    expect(await count()).toBe(50);
  });

  test("server files and programs are out of reach, even through a SELECT (S2)", async () => {
    for (const q of [
      "select pg_read_file('/etc/passwd')",
      "select * from pg_ls_dir('.')",
      "select query_to_xml('copy (select 1) to program ''true''', true, true, '')",
      "select lo_export(1, '/tmp/x')",
    ]) {
      const err = await refusal(runReadOnly(wh, q));
      expect(err.code, q).toBe("sql.function");
    }
  });

  test("a write hidden in a SELECT is refused: data-modifying WITH, SELECT INTO, FOR UPDATE", async () => {
    for (const q of [
      "with gone as (delete from customers returning *) select * from gone",
      "select * into stolen from customers",
      "select * from customers for update",
    ]) {
      const err = await refusal(runReadOnly(wh, q));
      expect(err.code, q).toBe("sql.read_only");
    }
    expect(await count()).toBe(50);
  });

  test("settings cannot outlive the request: set_config and SET are refused, ingest writes still work (W2)", async () => {
    for (const q of [
      "select set_config('default_transaction_read_only', 'on', false)",
      "SET statement_timeout = 1",
      "select pg_advisory_lock(1)",
    ]) {
      await refusal(runReadOnly(wh, q));
    }
    await wh.query("INSERT INTO customers VALUES (51, 'late@example.com')");
    expect(await count()).toBe(51);
    await wh.query("DELETE FROM customers WHERE user_id = 51");
  });

  test("it runs as a role that reads the data schema only", async () => {
    const [me] = (await runReadOnly(wh, "select current_user as who")).rows;
    expect(me).toEqual({ who: "cdp_reader" });
    const err = await refusal(runReadOnly(wh, "select * from cdp_stage.s_scratch"));
    expect(err.code).toBe("sql.failed");
    expect(err.message).toMatch(/permission denied/);
  });

  test("pg_sleep is refused rather than left to hold the engine (W3)", async () => {
    const err = await refusal(runReadOnly(wh, "select pg_sleep(4)"));
    expect(err.code).toBe("sql.function");
  });

  test("rows and bytes are capped inside the database, and the cut is said (W3)", async () => {
    const many = await runReadOnly(wh, "select g from generate_series(1, 5000) g");
    expect(many.rows).toHaveLength(DEFAULT_SQL_LIMITS.maxRows);
    expect(many.truncated).toMatch(/first 1000 rows/);

    const limits = { ...DEFAULT_SQL_LIMITS, maxBytes: 3_500_000 };
    const big = await runReadOnly(
      wh,
      "select repeat('x', 1000000) as v from generate_series(1, 8)",
      limits,
    );
    expect(big.rows).toHaveLength(3);
    expect(big.truncated).toMatch(/next would pass 3,500,000 bytes/);

    const none = await runReadOnly(wh, "select repeat('x', 5000000) as v", limits);
    expect(none.rows).toEqual([]);
    expect(none.truncated).toMatch(/first 0 rows/);
  });

  if (engine === "postgres") {
    test("a long query is cancelled by the statement timeout (W3)", async () => {
      const limits = { ...DEFAULT_SQL_LIMITS, timeoutMs: 300 };
      const err = await refusal(
        runReadOnly(wh, "select count(*) from generate_series(1, 2000000000)", limits),
      );
      expect(err.code).toBe("sql.failed");
      expect(err.message).toMatch(/statement timeout/);
      expect(await count()).toBe(50);
    });
  } else {
    test("what the embedded engine cannot interrupt is refused before it runs (W3)", async () => {
      for (const q of [
        "select count(*) from generate_series(1, 10000000000)",
        "select count(*) from customers a, customers b, customers c, customers d, customers e, customers f",
        "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n",
        "select * from (select 1 as x where exists (with recursive n(i) as (select 1 union all select i + 1 from n) select i from n where i < 0)) s",
        "select g from generate_series(1, 1000000000000) g where g < 0 limit 1",
      ]) {
        const err = await refusal(runReadOnly(wh, q));
        expect(err.code, q).toMatch(/^sql\.(too_expensive|unbounded)$/);
      }
      expect(await count()).toBe(50);
    });
  }
});

describe("read-only SQL on a PGlite data dir", () => {
  test("COPY over a table's own heap file is refused and the table keeps its rows (S1)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cdp-sql-dir-"));
    const wh = pgliteWarehouse(await openPglite(dir));
    try {
      await wh.query("CREATE TABLE customers (user_id int primary key)");
      await wh.query("INSERT INTO customers SELECT generate_series(1, 1000)");
      const [rel] = await wh.query<{ path: string }>(
        "select pg_relation_filepath('customers') as path",
      );
      const heap = join(dir, rel!.path);
      const before = readFileSync(heap);
      const err = await refusal(runReadOnly(wh, `COPY (select '') TO '${heap}'`));
      expect(err.code).toBe("sql.read_only");
      expect(readFileSync(heap).equals(before)).toBe(true);
      const [n] = await wh.query<{ n: unknown }>("select count(*) as n from customers");
      expect(Number(n?.n)).toBe(1000);
    } finally {
      await wh.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
