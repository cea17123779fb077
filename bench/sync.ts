// Sync benchmark: 100,000 users of a segmentation run, all changed, sent to the Salesforce double
// through the real jsforce (Bulk API 2.0: above the threshold it costs fewer API requests), then
// the same sync again with nothing changed. API requests as the double counted them (what the org
// would charge against its daily limit) and wall time, the ops store and warehouse on PGlite as
// `cdp start` runs them. Targets: ≤ 10 requests for the 100,000, 0 for the unchanged rerun.
// The double processes a job at once, so the time is ours plus one status poll after 2 s.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localLake } from "../packages/core/src/lake/local";
import { openOps } from "../packages/core/src/ops/db";
import { insertRun } from "../packages/core/src/run/store";
import { SyncArgs } from "../packages/core/src/sync/model";
import { runSync } from "../packages/core/src/sync/sync";
import { openPglite, pgliteWarehouse } from "../packages/core/src/warehouse/pglite";
import { SalesforceDouble } from "../test/support/salesforce-double";
import {
  doubleSecrets,
  makeUsers,
  mapSecrets,
  writeCustomers,
  writeSegmentRun,
} from "../test/support/sync";
import { figure, printTable } from "./report";

const USERS = Number(process.env.BENCH_SYNC_USERS ?? 100_000);

export async function run() {
  const sf = await SalesforceDouble.start();
  const ops = await openOps({ pglite: await openPglite() });
  const wh = pgliteWarehouse(await openPglite());
  const root = mkdtempSync(join(tmpdir(), "cdp-bench-sync-"));
  try {
    const t0 = performance.now();
    const users = makeUsers(USERS);
    await writeCustomers(wh, users);
    await writeSegmentRun(wh, { runId: "seg_bench", createdAt: "2026-11-01T06:00:00.000Z", users });
    console.log(
      `wrote ${USERS.toLocaleString()} users and their segments in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const deps = {
      ops: ops.db,
      lake: localLake(root),
      warehouse: async () => wh,
      secrets: mapSecrets(doubleSecrets(sf)),
    };
    const sync = async () => {
      sf.resetCalls();
      const r = await insertRun(ops.db, { pipeline: "sync", args: {}, status: "RUNNING" });
      const start = performance.now();
      const out = await runSync(deps, r, SyncArgs.parse({}), async () => {});
      const s = (performance.now() - start) / 1000;
      if (out.status !== "SUCCEEDED") throw new Error(`sync ${out.status}: ${out.error}`);
      return {
        s,
        stats: out.stats as Record<string, unknown>,
        calls: sf.apiCalls(),
        paths: sf.calls.map(
          (c) => `${c.method} ${c.path.replace(/^\/services\/data\/v[\d.]+/, "")}`,
        ),
      };
    };

    const first = await sync();
    const again = await sync();
    if (sf.records().size !== USERS)
      throw new Error(`the double holds ${sf.records().size} contacts, not ${USERS}`);
    printTable([
      {
        run: `${USERS.toLocaleString()} changed`,
        transport: String(first.stats.transport),
        sent: Number(first.stats.sent),
        created: Number(first.stats.created),
        "API calls": first.calls,
        s: Number(first.s.toFixed(2)),
      },
      {
        run: "unchanged rerun",
        transport: String(again.stats.transport),
        sent: Number(again.stats.sent),
        created: Number(again.stats.created),
        "API calls": again.calls,
        s: Number(again.s.toFixed(2)),
      },
    ]);
    console.log(`requests of the first run: ${first.paths.join(", ")}`);
    figure("sync_100k_api_calls", first.calls, "calls", 0);
    figure("sync_100k_s", first.s, "s");
    figure("sync_unchanged_api_calls", again.calls, "calls", 0);
  } finally {
    await sf.close();
    await wh.close();
    await ops.close();
    rmSync(root, { recursive: true, force: true });
  }
}
