// What AWS does not keep about its runs, added from the ops store: the arguments of runs we
// started, row stats, retry links in both directions, failure classes, and resolutions.
import { inArray } from "drizzle-orm";
import type { OpsDb } from "../../ops/db";
import { iso } from "../../util/time";
import { type FailureClass, type Info, isFailed } from "../run";
import { runTable } from "../run.sql";
import { successorSql } from "../store";

/**
 * For each id, the first run after it in its retry chain that succeeded — from the ops store's
 * chain, which records every retry we started and the runs the ingest tasks finished. Read from
 * the retries' rows: a run AWS started itself has none of its own.
 */
async function successors(db: OpsDb, ids: string[]): Promise<Map<string, string>> {
  const rows = await db
    .select({
      retryOf: runTable.retryOf,
      id: runTable.id,
      status: runTable.status,
      after: successorSql(runTable.id),
    })
    .from(runTable)
    .where(inArray(runTable.retryOf, ids));
  const found = new Map<string, string>();
  for (const r of rows) {
    const by = r.status === "SUCCEEDED" ? r.id : r.after;
    if (r.retryOf && by) found.set(r.retryOf, by);
  }
  return found;
}

/** Merge stored arguments, stats, retry links, failure classes and resolutions into AWS runs. */
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
  const merged = runs.map((run) => {
    const row = byId.get(run.id);
    return {
      ...run,
      // GetJobRun does not always return a run's arguments; the ones we launched it with do.
      args: row && Object.keys(row.args).length ? row.args : run.args,
      stats: row ? { ...run.stats, ...(row.stats as Info["stats"]) } : run.stats,
      retryOf: row?.retryOf ?? run.retryOf,
      retriedBy: retriedBy.get(run.id) ?? run.retriedBy,
      failureClass: (row?.failureClass as FailureClass | null | undefined) ?? run.failureClass,
      failureHint: row?.failureHint ?? run.failureHint,
      resolvedBy: row?.resolvedBy ?? run.resolvedBy,
      resolvedAt: iso(row?.resolvedAt) ?? run.resolvedAt,
    };
  });
  return deriveResolutions(db, merged);
}

/**
 * Resolutions nobody recorded (a Glue job's retry, which no task of ours finishes): a failed run
 * whose retry chain reached a success, by the ops store's chain or by the runs at hand.
 */
async function deriveResolutions(db: OpsDb, runs: Info[]): Promise<Info[]> {
  const open = runs.filter((r) => isFailed(r.status) && !r.resolvedBy && r.retriedBy);
  if (!open.length) return runs;
  const found = await successors(
    db,
    open.map((r) => r.id),
  );
  const byId = new Map(runs.map((r) => [r.id, r]));
  return runs.map((run) => {
    if (!open.includes(run)) return run;
    let by = found.get(run.id) ?? null;
    // The runs listed with it know their engine's status, fresher than the ops store's row.
    for (let next = byId.get(run.retriedBy!), n = 0; !by && next && n < 20; n++) {
      if (next.status === "SUCCEEDED") by = next.id;
      next = next.retriedBy ? byId.get(next.retriedBy) : undefined;
    }
    return by ? { ...run, resolvedBy: by } : run;
  });
}

/** One run, enriched. */
export async function enrichOne(db: OpsDb, run: Info): Promise<Info> {
  const [enriched] = await enrich(db, [run]);
  return enriched!;
}
