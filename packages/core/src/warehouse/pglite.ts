// The embedded default warehouse: PGlite in a folder of the data dir (or in memory for tests).
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { resultParsers, type SqlRunner, type Warehouse } from "./warehouse";

export interface PgliteOptions {
  /**
   * PostgreSQL's shared_buffers (default here 32MB, PostgreSQL's 128MB). The buffers live in the
   * process's wasm memory, which never shrinks; the files are in the OS page cache anyway, and a
   * 1,000,000-row upsert runs as fast with 32MB (measured with `npm run bench -- ingest`).
   */
  sharedBuffers?: string;
}

/**
 * Open (creating when new) a PGlite database in `dataDir`, or in memory without one. A new data
 * dir is initialised in a short-lived child process: initdb's memory is never returned to the
 * system, and the process that serves and ingests should not carry it.
 */
export async function openPglite(dataDir?: string, opts: PgliteOptions = {}): Promise<PGlite> {
  if (dataDir && !existsSync(join(dataDir, "PG_VERSION"))) await initDataDir(dataDir);
  return PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    parsers: resultParsers,
    // maintenance_work_mem bounds the sort of a primary-key build, which otherwise grows with the
    // table up to 64MB of wasm memory that is never given back.
    postgresqlconf: [
      `shared_buffers = ${opts.sharedBuffers ?? "32MB"}`,
      "maintenance_work_mem = 16MB",
    ],
  });
}

/**
 * A new database is a copy of a freshly initialised one kept in the user's cache (initdb costs
 * about 6 s and 8 s of CPU here; copying its 39 MB, half a second). A PostgreSQL data directory
 * of a cluster that was shut down cleanly is self-contained, so a copy is a database of its own.
 * The template is made once per PGlite version, in a child process, and renamed into place whole,
 * so concurrent first starts never see half of one. Without a usable cache: initdb in place.
 */
async function initDataDir(dataDir: string) {
  const template = templateDir();
  if (template) {
    try {
      if (!existsSync(join(template, "PG_VERSION"))) {
        const fresh = `${template}.${process.pid}.${Date.now()}`;
        await initInChild(fresh);
        try {
          renameSync(fresh, template);
        } catch {
          rmSync(fresh, { recursive: true, force: true }); // another process's is there
        }
      }
      cpSync(template, dataDir, { recursive: true });
      return;
    } catch {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  await initInChild(dataDir);
}

function templateDir(): string | undefined {
  if (process.env.CDP_PGLITE_TEMPLATE === "off") return undefined;
  try {
    // Keyed by the installed PGlite's version: another version may lay out its files otherwise.
    const pkg = new URL("../package.json", import.meta.resolve("@electric-sql/pglite"));
    const { version } = JSON.parse(readFileSync(pkg, "utf8")) as { version: string };
    const root = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "cdp");
    mkdirSync(root, { recursive: true, mode: 0o700 });
    return join(root, `pglite-template-${version}`);
  } catch {
    return undefined;
  }
}

async function initInChild(dataDir: string) {
  const module = import.meta.resolve("@electric-sql/pglite");
  const script = `const { PGlite } = await import(${JSON.stringify(module)}); const db = await PGlite.create({ dataDir: process.argv[1] }); await db.close();`;
  try {
    await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script, dataDir]);
  } catch (err) {
    throw new Error(
      `could not create the PGlite database in ${dataDir}: ${(err as { stderr?: string }).stderr || err}`,
    );
  }
}

export function pgliteWarehouse(db: PGlite): Warehouse {
  const runner = (q: Pick<PGlite, "query">): SqlRunner => ({
    async query<T>(sql: string, params?: unknown[]) {
      const res = await q.query<T>(sql, params as never);
      return res.rows;
    },
  });
  return {
    kind: "pglite",
    dialect: "postgres",
    ...runner(db),
    transaction: (fn) => db.transaction((tx) => fn(runner(tx))),
    // PGlite runs in this thread and cannot be interrupted: read-only-sql.ts refuses what it
    // cannot bound before it runs. SET LOCAL ends with the transaction, which is rolled back.
    readSession: (fn, { role }) =>
      db.transaction(async (tx) => {
        await tx.query("SET TRANSACTION READ ONLY");
        if (role) await tx.query(`SET LOCAL ROLE ${role}`);
        const out = await fn(runner(tx));
        await tx.rollback();
        return out;
      }),
    async copyCsv(table, columns, source) {
      const cols = columns.join(", ");
      // One COPY per bounded chunk: a single COPY of a whole large file holds it all in memory.
      for await (const chunk of source) {
        await db.query(`COPY ${table} (${cols}) FROM '/dev/blob' WITH (FORMAT csv)`, [], {
          blob: new Blob([chunk as Uint8Array<ArrayBuffer>]),
        });
      }
    },
    close: () => db.close(),
  };
}
