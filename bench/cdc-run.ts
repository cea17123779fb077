// One measured cdc apply in its own process (so its peak RSS is ours alone): batches of DMS files
// arrive in turn (the late ones in a later batch) and each batch is applied as one run. Prints
// one JSON line. `pglite` for both URLs: the embedded default, in a scratch data dir.
//   tsx bench/cdc-run.ts <warehouse-url|pglite> <ops-url|pglite> '<[["/path/a.csv", …], …]>'
import { linkSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { localNotifier } from "../packages/core/src/alert/alert";
import { applyDms } from "../packages/core/src/cdc/cdc";
import { localLake } from "../packages/core/src/lake/local";
import { openOps } from "../packages/core/src/ops/db";
import { createId } from "../packages/core/src/util/id";
import { openPglite, pgliteWarehouse } from "../packages/core/src/warehouse/pglite";
import { postgresWarehouse } from "../packages/core/src/warehouse/postgres";
import { traced } from "../packages/core/src/warehouse/warehouse";

const [target, opsUrl, batchesJson] = process.argv.slice(2) as [string, string, string];
const batches = JSON.parse(batchesJson) as string[][];
const work = mkdtempSync(join(tmpdir(), "cdp-bench-cdc-"));
const lake = localLake(join(work, "lake"));
const ops = await openOps(
  opsUrl === "pglite" ? { pglite: await openPglite(join(work, "ops")) } : { url: opsUrl },
);
const opened =
  target === "pglite"
    ? pgliteWarehouse(await openPglite(join(work, "warehouse")))
    : postgresWarehouse(target);
const warehouse = process.env.CDP_TRACE_SQL ? traced(opened) : opened;
const deps = { lake, warehouse, ops: ops.db, notifier: localNotifier(ops.db) };
const totals = {
  changes: 0,
  inserted: 0,
  updated: 0,
  deleted: 0,
  skippedStale: 0,
  quarantined: 0,
  files: 0,
};
let ms = 0;
let failed: string | undefined;
const folder = join(work, "lake", "dms", "CRM", "CUSTOMERS");
mkdirSync(folder, { recursive: true });
for (const batch of batches) {
  // Linked, not copied: we time the apply, not a file copy.
  for (const f of batch) linkSync(f, join(folder, basename(f)));
  const t0 = performance.now();
  const r = await applyDms(deps, { id: createId("run") }, { path: "dms/CRM/CUSTOMERS/" });
  ms += performance.now() - t0;
  if (r.status !== "SUCCEEDED") failed = r.error;
  for (const t of r.stats.tables) {
    totals.changes += t.changes;
    totals.inserted += t.inserted;
    totals.updated += t.updated;
    totals.deleted += t.deleted;
    totals.skippedStale += t.skippedStale;
    totals.quarantined += t.quarantined;
    totals.files += t.filesApplied;
  }
}
await warehouse.close();
await ops.close();
rmSync(work, { recursive: true, force: true });
console.log(
  JSON.stringify({
    ms,
    failed,
    ...totals,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
  }),
);
