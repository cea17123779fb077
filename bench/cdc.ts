// CDC benchmark: 1,000,000 DMS changes (60 % U, 25 % I, 15 % D over 200,000 keys) in 10 change
// files, two of them late (delivered after later files were applied), applied by the cdc pipeline
// on PostgreSQL beside a hand-written SQL apply of the same files in the same order on the same
// server: COPY into a typed staging table, DISTINCT ON the last change per key, drop the changes
// older than the table's or a tombstone's, DELETE … USING, INSERT … SELECT, one transaction per
// file. Both end with the same rows (checked). Ours runs in its own process, so its peak RSS is
// ours alone; a quarter of the changes shows whether that peak grows with them. Best of two runs
// each (BENCH_REPEAT), taken in turns, each going first in every other round. Then one run on
// PGlite, the embedded default, which must count the same changes.
import { execFileSync } from "node:child_process";
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { createDatabase, dropDatabases, startPostgres } from "../test/support/postgres";
import { writeCdcFiles } from "./cdc-generate";
import { figure, printTable } from "./report";

const root = fileURLToPath(new URL("..", import.meta.url));
const CHANGES = Number(process.env.BENCH_CDC_CHANGES ?? 1_000_000);
const FILES = 10;
const REPEAT = Number(process.env.BENCH_REPEAT ?? 2);
/** Delivery order of the files (by index in time order): 3 and 8 arrive late. */
const DELIVERIES = [[0, 1, 2, 4, 5], [3, 6, 7, 9], [8]];

interface Ours {
  ms: number;
  failed?: string;
  changes: number;
  inserted: number;
  updated: number;
  deleted: number;
  skippedStale: number;
  quarantined: number;
  files: number;
  maxRssMb: number;
}

export async function files(changes: number): Promise<string[][]> {
  const dir = join(root, ".bench", `cdc-${changes}`);
  const folder = join(dir, "CRM", "CUSTOMERS");
  let paths: string[];
  if (existsSync(folder) && readdirSync(folder).length === FILES) {
    paths = readdirSync(folder)
      .sort()
      .map((f) => join(folder, f));
  } else {
    const t0 = performance.now();
    const g = await writeCdcFiles(dir, { changes, keys: changes / 5, files: FILES });
    paths = g.files;
    console.log(
      `generated ${changes.toLocaleString()} changes (${g.counts.U} U, ${g.counts.I} I, ${g.counts.D} D) in ${FILES} files in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  return DELIVERIES.map((batch) => batch.map((i) => paths[i]!));
}

function ours(wh: string, ops: string, batches: string[][]): Ours {
  const out = execFileSync(
    join(root, "node_modules/.bin/tsx"),
    [join(root, "bench/cdc-run.ts"), wh, ops, JSON.stringify(batches)],
    { maxBuffer: 1 << 24, env: process.env },
  ).toString();
  const r = JSON.parse(out.trim().split("\n").at(-1)!) as Ours;
  if (r.failed) throw new Error(`cdc failed: ${r.failed}`);
  return r;
}

const COLUMNS = `customer_id integer, first_name text, last_name text, email text, city text, country text, total_spend numeric, orders_count integer, updated_at timestamp`;
const NAMES =
  "customer_id, first_name, last_name, email, city, country, total_spend, orders_count, updated_at";

/** The hand-written apply: per file, one transaction; the same ordering rules as ours. */
export async function handWritten(url: string, batches: string[][]): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(
      `CREATE TABLE customers (${COLUMNS}, seq varchar(35), PRIMARY KEY (customer_id))`,
    );
    await c.query(`CREATE TABLE tomb (customer_id integer PRIMARY KEY, seq varchar(35))`);
    let ms = 0;
    for (const file of batches.flat()) {
      const t0 = performance.now();
      await c.query("BEGIN");
      await c.query(
        `CREATE TEMP TABLE stage (op text, ts text, ${COLUMNS}, seq varchar(35)) ON COMMIT DROP`,
      );
      await pipeline(
        createReadStream(file, { highWaterMark: 1 << 20 }),
        c.query(copyFrom(`COPY stage FROM STDIN WITH (FORMAT csv, HEADER true)`)),
      );
      await c.query(
        `CREATE TEMP TABLE last ON COMMIT DROP AS SELECT DISTINCT ON (customer_id) * FROM stage ORDER BY customer_id, seq DESC`,
      );
      await c.query(
        `DELETE FROM last l USING customers t WHERE t.customer_id = l.customer_id AND t.seq > l.seq`,
      );
      await c.query(
        `DELETE FROM last l USING tomb d WHERE d.customer_id = l.customer_id AND d.seq > l.seq`,
      );
      await c.query(`DELETE FROM customers t USING last l WHERE t.customer_id = l.customer_id`);
      await c.query(`DELETE FROM tomb d USING last l WHERE d.customer_id = l.customer_id`);
      await c.query(
        `INSERT INTO customers (${NAMES}, seq) SELECT ${NAMES}, seq FROM last WHERE op <> 'D'`,
      );
      await c.query(`INSERT INTO tomb SELECT customer_id, seq FROM last WHERE op = 'D'`);
      await c.query("COMMIT");
      ms += performance.now() - t0;
    }
    return ms;
  } finally {
    await c.end();
  }
}

/** The rows of a table, as one fingerprint: the two applies must agree. */
export async function fingerprint(url: string, table: string, seq: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query(
      `SELECT count(*)::int AS n, md5(string_agg(concat_ws('|', ${NAMES}, ${seq}), ',' ORDER BY customer_id)) AS h FROM ${table}`,
    );
    return `${rows[0].n}:${rows[0].h}`;
  } finally {
    await c.end();
  }
}

export async function run() {
  const batches = await files(CHANGES);
  const small = await files(CHANGES / 4);
  // PostgreSQL as it ships (durable settings), for the reference and for us alike.
  const server = await startPostgres({ durable: process.env.BENCH_FAST_PG !== "1" });
  try {
    const db = () => createDatabase(server.url);
    // Best of REPEAT, the two applies taking turns, and each going first in every other round:
    // the machine may be shared, and the first apply on a fresh server runs faster. A round's
    // databases are dropped after it, so autovacuum does not work on them during the next.
    let handMs = Number.POSITIVE_INFINITY;
    let mine: Ours | undefined;
    let same = true;
    for (let round = 0; round < REPEAT; round++) {
      const refDb = await db();
      const [whDb, opsDb] = [await db(), await db()];
      const applies = [
        async () => {
          handMs = Math.min(handMs, await handWritten(refDb, batches));
        },
        async () => {
          const r = ours(whDb, opsDb, batches);
          if (!mine || r.ms < mine.ms) mine = r;
        },
      ];
      for (const apply of round % 2 ? applies.reverse() : applies) await apply();
      same &&=
        (await fingerprint(refDb, "customers", "seq")) ===
        (await fingerprint(whDb, "crm.customers", "_cdp_seq"));
      await dropDatabases(server.url, [refDb, whDb, opsDb]);
    }
    if (!mine) throw new Error("no run");
    const smallRun = ours(await db(), await db(), small);
    // The embedded default (`npm start` with no CDP_WAREHOUSE_URL): one connection, no overlap.
    const pgliteRun = ours("pglite", "pglite", batches);
    const rate = (ms: number, n = CHANGES) => n / (ms / 1000);
    printTable([
      {
        what: "hand-written SQL apply (reference)",
        s: handMs / 1000,
        "changes/s": rate(handMs),
        "peak RSS MB": "-",
      },
      {
        what: "cdp cdc, PostgreSQL",
        s: mine.ms / 1000,
        "changes/s": rate(mine.ms),
        "peak RSS MB": mine.maxRssMb,
      },
      {
        what: `cdp cdc, ${(CHANGES / 4).toLocaleString()} changes`,
        s: smallRun.ms / 1000,
        "changes/s": rate(smallRun.ms, CHANGES / 4),
        "peak RSS MB": smallRun.maxRssMb,
      },
      {
        what: "cdp cdc, PGlite (the local default)",
        s: pgliteRun.ms / 1000,
        "changes/s": rate(pgliteRun.ms),
        "peak RSS MB": pgliteRun.maxRssMb,
      },
    ]);
    console.log(
      `ours: ${mine.changes.toLocaleString()} changes in ${mine.files} files → ${mine.inserted.toLocaleString()} inserted, ${mine.updated.toLocaleString()} updated, ${mine.deleted.toLocaleString()} deleted, ${mine.skippedStale.toLocaleString()} stale (late files), ${mine.quarantined} quarantined; final rows ${same ? "match" : "DIFFER FROM"} the hand-written apply's`,
    );
    const counts = (r: Ours) => [r.inserted, r.updated, r.deleted, r.skippedStale].join("/");
    const pgliteSame = counts(pgliteRun) === counts(mine);
    console.log(
      `PGlite: ${counts(pgliteRun)} inserted/updated/deleted/stale, ${pgliteSame ? "as" : "NOT as"} on PostgreSQL`,
    );
    if (!same || !pgliteSame) process.exitCode = 1;
    figure("cdc_changes_per_s", rate(mine.ms), "changes/s", 0);
    figure("cdc_handwritten_changes_per_s", rate(handMs), "changes/s", 0);
    figure("cdc_vs_sql_ratio", handMs / mine.ms, "x");
    figure("cdc_peak_rss_mb", mine.maxRssMb, "MB", 0);
    figure("cdc_peak_rss_quarter_changes_mb", smallRun.maxRssMb, "MB", 0);
    figure("cdc_pglite_changes_per_s", rate(pgliteRun.ms), "changes/s", 0);
  } finally {
    await server.stop();
  }
}
