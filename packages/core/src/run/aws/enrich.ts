// What AWS does not keep about its runs, added from the ops store: the arguments of runs we
// started, row stats, and retry links in both directions.
import { inArray } from "drizzle-orm";
import type { OpsDb } from "../../ops/db";
import type { Info } from "../run";
import { runTable } from "../run.sql";

/** Merge stored arguments, stats and retry links into runs read from AWS. */
export async function enrich(db: OpsDb, runs: Info[]): Promise<Info[]> {
  if (!runs.length) return runs;
  const ids = runs.map((r) => r.id);
  const [rows, retries] = await Promise.all([
    db.select().from(runTable).where(inArray(runTable.id, ids)),
    db
      .select({ id: runTable.id, retryOf: runTable.retryOf })
      .from(runTable)
      .where(inArray(runTable.retryOf, ids)),
  ]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const retriedBy = new Map(retries.map((r) => [r.retryOf, r.id]));
  return runs.map((run) => {
    const row = byId.get(run.id);
    return {
      ...run,
      // GetJobRun does not always return a run's arguments; the ones we launched it with do.
      args: row && Object.keys(row.args).length ? row.args : run.args,
      stats: row ? { ...run.stats, ...(row.stats as Info["stats"]) } : run.stats,
      retryOf: row?.retryOf ?? run.retryOf,
      retriedBy: retriedBy.get(run.id) ?? run.retriedBy,
    };
  });
}

/** One run, enriched. */
export async function enrichOne(db: OpsDb, run: Info): Promise<Info> {
  const [enriched] = await enrich(db, [run]);
  return enriched!;
}
