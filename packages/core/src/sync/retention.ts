// How long the ops store keeps the sync's per-record outcomes (sync_records). Every run writes a
// row per record it owed, so a daily sync of a million users would add a million rows a day. The
// rows of the KEEP_RUNS latest runs that have any are kept whole — their history, per-record
// errors and payloads, as the console shows them. Of older runs only the rows still needed are
// kept: each record's latest outcome (what the console's "failed records" of that run and a retry
// of them read) and the row whose payload Salesforce last accepted (the snapshot points at it).
// Run after every sync, locally and deployed (job.ts).
import { sql } from "drizzle-orm";
import type { OpsDb } from "../ops/db";
import { syncRecordTable, syncSnapshotTable } from "./sync.sql";

/** Sync runs whose per-record outcomes are all kept. */
export const KEEP_RUNS = 20;

/** Delete what the retention above lets go; the number of rows deleted. */
export async function pruneSyncRecords(ops: OpsDb, keepRuns = KEEP_RUNS): Promise<number> {
  const r = syncRecordTable;
  // Counted through the query builder: what a raw statement returns differs by driver (PGlite,
  // postgres.js, the RDS Data API).
  const count = async () =>
    Number((await ops.select({ n: sql<number>`count(*)::int` }).from(r))[0]?.n ?? 0);
  const before = await count();
  await ops.execute(sql`
    WITH recent AS (
      SELECT run_id FROM ${r} GROUP BY run_id ORDER BY max(updated_at) DESC, run_id DESC
      LIMIT ${keepRuns}
    ), superseded AS (
      SELECT run_id, external_id, target FROM (
        SELECT run_id, external_id, target, row_number() OVER (
          PARTITION BY target, external_id ORDER BY updated_at DESC, run_id DESC) AS nth
        FROM ${r}
      ) ranked
      WHERE nth > 1 AND run_id NOT IN (SELECT run_id FROM recent)
    )
    DELETE FROM ${r} USING superseded s
    WHERE ${r}.run_id = s.run_id AND ${r}.external_id = s.external_id
      AND NOT EXISTS (
        SELECT 1 FROM ${syncSnapshotTable} snap
        WHERE snap.target = s.target AND snap.external_id = s.external_id
          AND snap.run_id = s.run_id)`);
  return before - (await count());
}
