// One measured ingest in its own process (so its peak RSS is ours alone). Prints one JSON line.
//   tsx bench/ingest-run.ts <pglite-dir | postgres-url> <file.csv> <table>
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { localNotifier } from "../packages/core/src/alert/alert";
import { ingestFile } from "../packages/core/src/ingest/ingest";
import { localLake } from "../packages/core/src/lake/local";
import { openOps } from "../packages/core/src/ops/db";
import { createId } from "../packages/core/src/util/id";
import { openPglite, pgliteWarehouse } from "../packages/core/src/warehouse/pglite";
import { postgresWarehouse } from "../packages/core/src/warehouse/postgres";
import { traced } from "../packages/core/src/warehouse/warehouse";

const [target, file, table] = process.argv.slice(2) as [string, string, string];
const work = mkdtempSync(join(tmpdir(), "cdp-bench-run-"));
const lake = localLake(join(work, "lake"));
const ops = await openOps(
  process.env.BENCH_OPS_URL ? { url: process.env.BENCH_OPS_URL } : { dir: join(work, "ops") },
);
const opened = target.startsWith("postgres")
  ? postgresWarehouse(target)
  : pgliteWarehouse(await openPglite(target));
const warehouse = process.env.CDP_TRACE_SQL
  ? traced(opened, (l) =>
      process.stderr.write(
        `${l.slice(0, 120)} rss=${(process.memoryUsage().rss / 1048576).toFixed(0)}MB\n`,
      ),
    )
  : opened;
// The file is linked into the lake's inbox, not copied: we time the ingest, not a file copy.
const { linkSync } = await import("node:fs");
const { mkdirSync } = await import("node:fs");
const key = `inbox/${table}/${basename(file)}`;
mkdirSync(join(work, "lake", "inbox", table), { recursive: true });
linkSync(file, lake.path(key));
const started = performance.now();
const result = await ingestFile(
  { lake, warehouse, ops: ops.db, notifier: localNotifier(ops.db) },
  createId("run"),
  {
    sourceKey: key,
    table,
  },
  async (name) => {
    if (process.env.BENCH_STEPS)
      console.error(
        `${((performance.now() - started) / 1000).toFixed(2)}s ${name} rss=${(process.memoryUsage().rss / 1048576).toFixed(0)}MB`,
      );
  },
);
const ms = performance.now() - started;
await warehouse.close();
await ops.close();
console.log(
  JSON.stringify({
    ms,
    status: result.status,
    error: result.error,
    rowsRead: result.stats.rowsRead,
    rowsLoaded: result.stats.rowsLoaded,
    rowsQuarantined: result.stats.rowsQuarantined,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
