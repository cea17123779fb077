// The `housekeeping` pipeline: what S3's lifecycle and a healthy process would otherwise take
// care of locally — lake objects past their retention are deleted (the bucket's lifecycle rule
// expires them after 730 days) and staging tables left by interrupted runs are dropped.
import { inArray } from "drizzle-orm";
import { STAGE_SCHEMA } from "../ingest/plan";
import type { ObjectStore } from "../lake/lake";
import type { OpsDb } from "../ops/db";
import type { Job } from "../run/job";
import { runTable } from "../run/run.sql";
import { ident } from "../warehouse/ident";
import type { Warehouse } from "../warehouse/warehouse";

export const RETENTION_DAYS = 730;
// sync/: the dry-run outboxes of the Salesforce sync (sync/outbox/<runId>/).
const PREFIXES = ["inbox/", "processed/", "error/", "dms/", "ml/", "sync/"];

export function housekeepingJob(deps: {
  lake: ObjectStore;
  ops: OpsDb;
  warehouse(): Promise<Warehouse>;
}): Job {
  return {
    async run({ run, step }) {
      const days = Number(run.args.retentionDays ?? RETENTION_DAYS);
      const cutoff = Date.now() - days * 86_400_000;
      let expired = 0;
      for (const prefix of PREFIXES) {
        for (const o of await deps.lake.list(prefix)) {
          if (o.modified.getTime() < cutoff) {
            await deps.lake.delete(o.key);
            expired++;
          }
        }
      }
      await step("lake retention applied", { expired });

      const wh = await deps.warehouse();
      const tables = await wh.query<{ name: string }>(
        "select table_name as name from information_schema.tables where table_schema = $1",
        [STAGE_SCHEMA],
      );
      // Scratch tables are <letter>[<n>]_<run id> (plan.ts runTables, scanTables), or
      // <letter>_<run id>_<n> when a run stages files side by side (cdc).
      const runIdOf = (t: string) =>
        t
          .replace(/^[a-z][0-9]*_/, "")
          .replace(/_\d+$/, "")
          .toUpperCase();
      const ids = [...new Set(tables.map((t) => runIdOf(t.name)))];
      const active = ids.length
        ? new Set(
            (
              await deps.ops
                .select({ id: runTable.id })
                .from(runTable)
                .where(inArray(runTable.status, ["QUEUED", "RUNNING"]))
            ).map((r) => r.id.toUpperCase()),
          )
        : new Set<string>();
      let dropped = 0;
      for (const t of tables) {
        if (active.has(runIdOf(t.name))) continue;
        await wh.query(`DROP TABLE IF EXISTS ${ident(STAGE_SCHEMA)}.${ident(t.name)}`);
        dropped++;
      }
      await step("orphaned staging tables dropped", { dropped });
      return { stats: { expired, stagingTablesDropped: dropped } };
    },
  };
}
