// A throwaway PostgreSQL server for tests and benchmarks: initdb into a temp dir, a free port on
// 127.0.0.1, stopped and removed afterwards. Runs as the `postgres` user when we are root, since
// PostgreSQL refuses to run as root.
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface PgServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Stop the server as a crash would (immediate shutdown), keeping its data, for `resume`. */
  halt(): void;
  /** Start a halted server again on the same port and data. */
  resume(): void;
}

export function findPgBin(): string {
  const fromEnv = process.env.CDP_PG_BIN;
  if (fromEnv && existsSync(join(fromEnv, "initdb"))) return fromEnv;
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], "bin");
  }
  const which = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" });
  const found = which.stdout.trim();
  if (which.status === 0 && found) return join(found, "..");
  throw new Error(
    "PostgreSQL server binaries (initdb, pg_ctl) not found. Install them with " +
      "`apt-get install postgresql` (Debian/Ubuntu) or point CDP_PG_BIN at the folder holding initdb.",
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startPostgres(
  opts: {
    settings?: Record<string, string>;
    /** Keep PostgreSQL's default durability (fsync, synchronous commit, full-page writes): for benchmarks. */
    durable?: boolean;
  } = {},
): Promise<PgServer> {
  const bin = findPgBin();
  const dir = mkdtempSync(join(tmpdir(), "cdp-pg-"));
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const full = join(bin, cmd);
    if (asRoot)
      return execFileSync("runuser", ["-u", "postgres", "--", full, ...args], { stdio: "pipe" });
    return execFileSync(full, args, { stdio: "pipe" });
  };
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  run("initdb", [
    "-D",
    data,
    "-A",
    "trust",
    "-U",
    "postgres",
    "-E",
    "UTF8",
    "--locale=C",
    "--no-sync",
  ]);
  const port = await freePort();
  const settings = {
    listen_addresses: "127.0.0.1",
    port: String(port),
    unix_socket_directories: dir,
    // Tests need no crash safety; a benchmark measures the server as it ships.
    ...(opts.durable ? {} : { fsync: "off", synchronous_commit: "off", full_page_writes: "off" }),
    max_connections: "100",
    ...opts.settings,
  };
  const o = Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(" ");
  const start = () =>
    run("pg_ctl", ["-D", data, "-o", o, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"]);
  start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    url,
    port,
    halt: () => run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]),
    resume: start,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // halted already
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A fresh, empty database on the server, for one test file's isolation. */
export async function createDatabase(
  serverUrl: string,
  name = `t_${Math.random().toString(36).slice(2, 10)}`,
) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drop databases made by `createDatabase` (their connections closed first). */
export async function dropDatabases(serverUrl: string, urls: string[]) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    for (const u of urls) {
      await client.query(`DROP DATABASE IF EXISTS "${new URL(u).pathname.slice(1)}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}
