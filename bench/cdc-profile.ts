// Where the cdc bench's time goes when the machine is shared and wall times mean little: the CPU
// PostgreSQL spent (its postmaster's reaped children, from /proc: backends end with their
// connections) and node's, per apply of the bench's 1,000,000 changes, beside the wall time.
//   tsx bench/cdc-profile.ts [rounds] [hand|ours|both]
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createDatabase, startPostgres } from "../test/support/postgres";
import { files, fingerprint, handWritten } from "./cdc";

const root = fileURLToPath(new URL("..", import.meta.url));
const rounds = Number(process.argv[2] ?? 1);
const which = process.argv[3] ?? "both";
const batches = await files(Number(process.env.BENCH_CDC_CHANGES ?? 1_000_000));
const server = await startPostgres({ durable: process.env.BENCH_FAST_PG !== "1" });
const c = new pg.Client({ connectionString: server.url });
await c.connect();
const { rows } = await c.query("SELECT pg_backend_pid() AS pid");
const postmaster = readFileSync(`/proc/${rows[0].pid}/stat`, "utf8").split(") ")[1]!.split(" ")[1];
await c.end();
/** CPU ms of the postmaster's ended children (cutime + cstime, in 10 ms ticks). */
const pgCpu = () => {
  const f = readFileSync(`/proc/${postmaster}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[13]) + Number(f[14])) * 10;
};
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ")[0];
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const settle = () => new Promise((res) => setTimeout(res, 200)); // the last backends exit
try {
  let ref: string | undefined;
  for (let r = 0; r < rounds; r++) {
    if (which !== "ours") {
      const db = await createDatabase(server.url);
      const cpu0 = process.cpuUsage();
      const pg0 = pgCpu();
      const ms = await handWritten(db, batches);
      await settle();
      const node = process.cpuUsage(cpu0);
      console.log(
        `hand-written: wall ${s(ms)}, PostgreSQL CPU ${s(pgCpu() - pg0)}, node CPU ${s((node.user + node.system) / 1000)}, load ${load()}`,
      );
      ref = await fingerprint(db, "customers", "seq");
    }
    if (which !== "hand") {
      const wh = await createDatabase(server.url);
      const ops = await createDatabase(server.url);
      const pg0 = pgCpu();
      const out = execFileSync(
        join(root, "node_modules/.bin/tsx"),
        [join(root, "bench/cdc-run.ts"), wh, ops, JSON.stringify(batches)],
        { maxBuffer: 1 << 24, env: process.env, stdio: ["ignore", "pipe", "inherit"] },
      ).toString();
      await settle();
      const o = JSON.parse(out.trim().split("\n").at(-1)!);
      const same = ref
        ? `, rows ${ref === (await fingerprint(wh, "crm.customers", "_cdp_seq")) ? "match" : "DIFFER"}`
        : "";
      console.log(
        `cdp cdc: wall ${s(o.ms)}, PostgreSQL CPU ${s(pgCpu() - pg0)}, node CPU ${s(o.cpuMs)}, peak RSS ${o.maxRssMb.toFixed(0)} MB, load ${load()}${o.failed ? `, FAILED ${o.failed}` : ""}${same}`,
      );
    }
  }
} finally {
  await server.stop();
}
