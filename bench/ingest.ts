// Ingest benchmark: a 1,000,000-row, 12-column customer export (about 1 % bad rows) loaded by
// `ingestFile` on PostgreSQL and on PGlite — first load, then an upsert of the same file — beside
// PostgreSQL's own COPY and a hand-written SQL upsert on the same server. The references load the
// table ours builds (same types, same primary key) from the file's clean twin — COPY stops at the
// first bad value — and, for comparison, the raw file into text columns. Ratios are reference
// time / our time (throughput as a share of the reference's). Each of our loads runs in its own
// process so its peak RSS is ours alone.
import { execFileSync } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { CUSTOMER_HEADER } from "../packages/functions/src/local/sample-data";
import { createDatabase, startPostgres } from "../test/support/postgres";
import { writeCustomerFile } from "./generate";
import { figure, printTable } from "./report";

const root = fileURLToPath(new URL("..", import.meta.url));
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);

interface Run {
  ms: number;
  status: string;
  error?: string;
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  maxRssMb: number;
}

async function file(name: string, rows: number, spendDelta = 0, badShare = 0.01): Promise<string> {
  const dir = join(root, ".bench");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  if (!existsSync(path) || statSync(path).size === 0) {
    const t0 = performance.now();
    // No records with a missing field: PostgreSQL's COPY (the reference) must load the same file.
    await writeCustomerFile(path, { rows, badShare, seed: 7, spendDelta, malformed: false });
    console.log(
      `generated ${name} (${rows.toLocaleString()} rows) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  return path;
}

function ours(target: string, csv: string, env: Record<string, string> = {}): Run {
  const out = execFileSync(
    join(root, "node_modules/.bin/tsx"),
    [join(root, "bench/ingest-run.ts"), target, csv, "customers"],
    {
      env: { ...process.env, ...env },
      maxBuffer: 1 << 24,
    },
  ).toString();
  const run = JSON.parse(out.trim().split("\n").at(-1)!) as Run;
  if (run.status !== "SUCCEEDED") throw new Error(`ingest failed: ${run.error}`);
  return run;
}

/** The table our ingest builds from this file: the same types and primary key. */
const TYPED_COLUMNS = `"user_id" integer, "first_name" text, "last_name" text, "email" text, "phone" text, "city" text, "country" text, "signup_date" date, "last_purchase_at" timestamp, "total_spend" numeric, "orders_count" integer, "is_subscribed" boolean`;
/** Every column but the key as text: what COPY can load the raw file (bad values and all) into. */
const TEXT_COLUMNS = CUSTOMER_HEADER.map(
  (c) => `"${c}" ${c === "user_id" ? "integer" : "text"}`,
).join(", ");

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const copyInto = (c: pg.Client, table: string, csv: string) =>
  pipeline(
    createReadStream(csv, { highWaterMark: 1 << 20 }),
    c.query(copyFrom(`COPY ${table} FROM STDIN WITH (FORMAT csv, HEADER true)`)),
  );

/** PostgreSQL's own COPY of a file into a table with the same primary key. */
async function referenceCopy(url: string, csv: string, columns: string): Promise<number> {
  return withClient(url, async (c) => {
    await c.query(`CREATE TABLE ref (${columns}, PRIMARY KEY (user_id))`);
    const t0 = performance.now();
    await copyInto(c, "ref", csv);
    return performance.now() - t0;
  });
}

/** The hand-written upsert: COPY into staging, DELETE … USING, INSERT … SELECT, one transaction. */
async function referenceUpsert(url: string, csv: string, columns: string): Promise<number> {
  return withClient(url, async (c) => {
    await c.query(`CREATE TABLE ref (${columns}, PRIMARY KEY (user_id))`);
    await copyInto(c, "ref", csv);
    const t0 = performance.now();
    await c.query("BEGIN");
    await c.query(`CREATE TABLE stage (${columns})`);
    await copyInto(c, "stage", csv);
    await c.query("DELETE FROM ref USING stage WHERE ref.user_id = stage.user_id");
    await c.query("INSERT INTO ref SELECT * FROM stage");
    await c.query("COMMIT");
    return performance.now() - t0;
  });
}

const best = async <T extends { ms: number } | number>(
  n: number,
  f: () => Promise<T> | T,
): Promise<T> => {
  let out: T | undefined;
  for (let i = 0; i < n; i++) {
    const r = await f();
    const ms = (x: T) => (typeof x === "number" ? x : x.ms);
    if (out === undefined || ms(r) < ms(out)) out = r;
  }
  return out!;
};

export async function run() {
  const c1m = await file(`customers-${ROWS}.csv`, ROWS);
  const changed = await file(`customers-${ROWS}-changed.csv`, ROWS, 1);
  const c2m = await file(`customers-${ROWS * 2}.csv`, ROWS * 2);
  // The same file without its bad values: what COPY can load into the typed table ours builds.
  const clean = await file(`customers-${ROWS}-clean.csv`, ROWS, 0, 0);
  const mb = statSync(c1m).size / 1048576;
  console.log(
    `input: ${ROWS.toLocaleString()} rows, 12 columns, ${mb.toFixed(0)} MB, ~1 % bad rows`,
  );

  // PostgreSQL as it ships (durable settings), for the references and for us alike.
  const server = await startPostgres({ durable: process.env.BENCH_FAST_PG !== "1" });
  const work = mkdtempSync(join(tmpdir(), "cdp-bench-"));
  try {
    const db = () => createDatabase(server.url);
    // References: into the table ours builds (typed; the clean twin of the file, since COPY stops
    // at the first bad value), and into text columns (the raw file itself).
    const copyMs = await best(2, async () => referenceCopy(await db(), clean, TYPED_COLUMNS));
    const handMs = await best(2, async () => referenceUpsert(await db(), clean, TYPED_COLUMNS));
    const copyTextMs = await best(2, async () => referenceCopy(await db(), c1m, TEXT_COLUMNS));
    const handTextMs = await best(2, async () => referenceUpsert(await db(), c1m, TEXT_COLUMNS));

    // Ours on PostgreSQL (warehouse and ops store): first load, upsert of the same file, and an
    // upsert where every row changed; best of two.
    const pgRuns = await best(2, async () => {
      const wh = await db();
      const env = { BENCH_OPS_URL: await db() };
      const first = ours(wh, c1m, env);
      const upsert = ours(wh, c1m, env);
      const upsertChanged = ours(wh, changed, env);
      return { ms: first.ms, first, upsert, upsertChanged };
    });
    // Ours on PGlite (on disk, both warehouse and ops store, as `cdp ingest` runs by default).
    const pgliteDir = join(work, "pglite");
    const liteFirst = ours(pgliteDir, c1m);
    const liteUpsert = ours(pgliteDir, c1m);
    // Twice the rows: peak memory must not grow with the file.
    const pg2m = ours(await db(), c2m, { BENCH_OPS_URL: await db() });
    const lite2m = ours(join(work, "pglite-2m"), c2m);

    const rps = (r: { ms: number }, rows = ROWS) => rows / (r.ms / 1000);
    const rows: Record<string, string | number>[] = [
      ...(
        [
          ["PostgreSQL COPY into the typed table (reference)", copyMs],
          ["hand-written upsert, typed table (reference)", handMs],
          ["PostgreSQL COPY into text columns (reference)", copyTextMs],
          ["hand-written upsert, text columns (reference)", handTextMs],
        ] as const
      ).map(([what, ms]) => ({ what, s: ms / 1000, "rows/s": rps({ ms }), "peak RSS MB": "-" })),
      {
        what: "cdp first load, PostgreSQL",
        s: pgRuns.first.ms / 1000,
        "rows/s": rps(pgRuns.first),
        "peak RSS MB": pgRuns.first.maxRssMb,
      },
      {
        what: "cdp upsert same file, PostgreSQL",
        s: pgRuns.upsert.ms / 1000,
        "rows/s": rps(pgRuns.upsert),
        "peak RSS MB": pgRuns.upsert.maxRssMb,
      },
      {
        what: "cdp upsert every row changed, PostgreSQL",
        s: pgRuns.upsertChanged.ms / 1000,
        "rows/s": rps(pgRuns.upsertChanged),
        "peak RSS MB": pgRuns.upsertChanged.maxRssMb,
      },
      {
        what: "cdp first load, PGlite",
        s: liteFirst.ms / 1000,
        "rows/s": rps(liteFirst),
        "peak RSS MB": liteFirst.maxRssMb,
      },
      {
        what: "cdp upsert same file, PGlite",
        s: liteUpsert.ms / 1000,
        "rows/s": rps(liteUpsert),
        "peak RSS MB": liteUpsert.maxRssMb,
      },
      {
        what: `cdp first load ${(ROWS * 2).toLocaleString()} rows, PostgreSQL`,
        s: pg2m.ms / 1000,
        "rows/s": rps(pg2m, ROWS * 2),
        "peak RSS MB": pg2m.maxRssMb,
      },
      {
        what: `cdp first load ${(ROWS * 2).toLocaleString()} rows, PGlite`,
        s: lite2m.ms / 1000,
        "rows/s": rps(lite2m, ROWS * 2),
        "peak RSS MB": lite2m.maxRssMb,
      },
    ];
    printTable(rows);
    console.log(
      `loaded ${pgRuns.first.rowsLoaded.toLocaleString()} rows, quarantined ${pgRuns.first.rowsQuarantined.toLocaleString()} (PGlite: ${liteFirst.rowsLoaded.toLocaleString()} / ${liteFirst.rowsQuarantined.toLocaleString()})`,
    );
    figure("ingest_copy_s", copyMs / 1000, "s");
    figure("ingest_handwritten_upsert_s", handMs / 1000, "s");
    figure("ingest_copy_text_s", copyTextMs / 1000, "s");
    figure("ingest_handwritten_upsert_text_s", handTextMs / 1000, "s");
    figure("ingest_pg_first_load_s", pgRuns.first.ms / 1000, "s");
    figure("ingest_pg_first_load_rows_per_s", rps(pgRuns.first), "rows/s", 0);
    figure("ingest_pg_upsert_s", pgRuns.upsert.ms / 1000, "s");
    figure("ingest_pg_upsert_changed_s", pgRuns.upsertChanged.ms / 1000, "s");
    figure("ingest_pglite_first_load_s", liteFirst.ms / 1000, "s");
    figure("ingest_pglite_upsert_s", liteUpsert.ms / 1000, "s");
    figure("ingest_pg_copy_ratio", copyMs / pgRuns.first.ms, "x");
    figure("ingest_pg_upsert_ratio", handMs / pgRuns.upsert.ms, "x");
    figure("ingest_pg_copy_text_ratio", copyTextMs / pgRuns.first.ms, "x");
    figure("ingest_pg_upsert_text_ratio", handTextMs / pgRuns.upsert.ms, "x");
    figure("ingest_pg_upsert_changed_ratio", handMs / pgRuns.upsertChanged.ms, "x");
    figure("ingest_pglite_vs_pg", liteFirst.ms / pgRuns.first.ms, "x");
    figure("ingest_pglite_vs_pg_upsert", liteUpsert.ms / pgRuns.upsert.ms, "x");
    figure(
      "ingest_pg_peak_rss_mb",
      Math.max(pgRuns.first.maxRssMb, pgRuns.upsert.maxRssMb),
      "MB",
      0,
    );
    figure("ingest_pglite_peak_rss_mb", Math.max(liteFirst.maxRssMb, liteUpsert.maxRssMb), "MB", 0);
    figure("ingest_pg_peak_rss_2x_rows_mb", pg2m.maxRssMb, "MB", 0);
    figure("ingest_pglite_peak_rss_2x_rows_mb", lite2m.maxRssMb, "MB", 0);
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
