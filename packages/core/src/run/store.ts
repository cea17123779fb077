// Runs in the ops store: create, read, list with cursor pagination, finish, recover orphans.
import { and, desc, eq, gte, inArray, isNull, lt, lte, ne, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { OpsDb } from "../ops/db";
import { VisibleError } from "../util/error";
import { createId } from "../util/id";
import { iso } from "../util/time";
import type { Failure } from "./failure";
import {
  type Engine,
  FailedStatuses,
  type FailureClass,
  type Info,
  ListFilter,
  type Page,
  type Stats,
  type Status,
  walkRetryChain,
} from "./run";
import { runTable } from "./run.sql";

type Row = typeof runTable.$inferSelect;

const retry = alias(runTable, "retry");

export function toInfo(
  row: Row,
  retriedBy: string | null,
  resolvedBy: string | null = row.resolvedBy,
): Info {
  return {
    id: row.id,
    pipeline: row.pipeline,
    engine: row.engine as Engine,
    status: row.status as Status,
    createdAt: row.createdAt.toISOString(),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    args: row.args,
    error: row.error,
    stats: row.stats as Stats,
    retryOf: row.retryOf,
    retriedBy,
    failureClass: (row.failureClass as FailureClass | null) ?? null,
    failureHint: row.failureHint,
    resolvedBy,
    resolvedAt: resolvedBy ? iso(row.resolvedAt) : null,
  };
}

const failedList = sql.raw(FailedStatuses.map((s) => `'${s}'`).join(", "));

/**
 * The first run after `id` in its retry chain that succeeded (null when none has). Walks the
 * chain forward in the ops store, so a resolution is found even where none was recorded (runs from
 * before resolutions were, a retry whose finish could not record it).
 */
export const successorSql = (id: SQL | typeof runTable.id) => sql<string | null>`(
  WITH RECURSIVE fwd(id, status, depth) AS (
    SELECT r.id, r.status, 1 FROM runs r WHERE r.retry_of = ${id}
    UNION ALL
    SELECT r.id, r.status, fwd.depth + 1 FROM runs r JOIN fwd ON r.retry_of = fwd.id WHERE fwd.depth < 20
  ) SELECT fwd.id FROM fwd WHERE fwd.status = 'SUCCEEDED' ORDER BY fwd.depth LIMIT 1)`;

/** A failed run's resolution: as recorded, or derived from its chain; null for any other run. */
const resolvedBySql = sql<
  string | null
>`CASE WHEN ${runTable.status} IN (${failedList}) THEN coalesce(${runTable.resolvedBy}, ${successorSql(runTable.id)}) END`;

function selectWithRetry(db: OpsDb) {
  return db
    .select({ run: runTable, retriedBy: retry.id, resolvedBy: resolvedBySql })
    .from(runTable)
    .leftJoin(retry, eq(retry.retryOf, runTable.id));
}

export async function getRun(db: OpsDb, id: string): Promise<Info | null> {
  const [row] = await selectWithRetry(db).where(eq(runTable.id, id));
  return row ? toInfo(row.run, row.retriedBy, row.resolvedBy) : null;
}

export async function mustGetRun(db: OpsDb, id: string): Promise<Info> {
  const run = await getRun(db, id);
  if (!run) throw new VisibleError("not_found", "run.not_found", `no run ${id}`);
  return run;
}

export async function listRuns(db: OpsDb, input: ListFilter): Promise<Page<Info>> {
  const f = ListFilter.parse(input);
  const where: SQL[] = [];
  if (f.status?.length) where.push(inArray(runTable.status, f.status));
  if (f.pipeline?.length) where.push(inArray(runTable.pipeline, f.pipeline));
  if (f.from) where.push(gte(runTable.createdAt, new Date(f.from)));
  if (f.to) where.push(lte(runTable.createdAt, new Date(f.to)));
  if (f.resolved === false) where.push(sql`${resolvedBySql} IS NULL`);
  if (f.resolved === true) where.push(sql`${resolvedBySql} IS NOT NULL`);
  // Ids are ULIDs: ordering by id is ordering by creation, and the cursor is the last id seen.
  if (f.cursor) where.push(lt(runTable.id, f.cursor));
  const rows = await selectWithRetry(db)
    .where(and(...where))
    .orderBy(desc(runTable.id))
    .limit(f.limit + 1);
  const items = rows.slice(0, f.limit).map((r) => toInfo(r.run, r.retriedBy, r.resolvedBy));
  return { items, nextCursor: rows.length > f.limit ? (items.at(-1)?.id ?? null) : null };
}

export interface NewRun {
  pipeline: string;
  engine?: Engine;
  args: Record<string, unknown>;
  retryOf?: string | null;
  workKey?: string | null;
  owner?: string | null;
  status?: Status;
}

export async function insertRun(db: OpsDb, input: NewRun): Promise<Info> {
  const now = new Date();
  const status = input.status ?? "QUEUED";
  const [row] = await db
    .insert(runTable)
    .values({
      id: createId("run"),
      pipeline: input.pipeline,
      engine: input.engine ?? "local",
      status,
      createdAt: now,
      startedAt: status === "RUNNING" ? now : null,
      args: input.args,
      retryOf: input.retryOf ?? null,
      workKey: input.workKey ?? null,
      owner: input.owner ?? null,
    })
    .returning();
  return toInfo(row!, null);
}

export async function markRunning(db: OpsDb, id: string, owner: string) {
  await db
    .update(runTable)
    .set({ status: "RUNNING", startedAt: new Date(), owner })
    .where(eq(runTable.id, id));
}

export async function finishRun(
  db: OpsDb,
  id: string,
  result: { status: Status; error?: string | null; stats?: Stats; failure?: Failure | null },
) {
  await db
    .update(runTable)
    .set({
      status: result.status,
      finishedAt: new Date(),
      error: result.error ?? null,
      failureClass: result.failure?.failureClass ?? null,
      failureHint: result.failure?.failureHint ?? null,
      ...(result.stats ? { stats: result.stats } : {}),
    })
    .where(eq(runTable.id, id));
}

/**
 * Record that these failed runs (retried, so failed, whatever their row says) are resolved by
 * `by`, a retry in their chain that succeeded;
 * returns the runs newly resolved (one already resolved keeps its first resolution).
 */
export async function markResolved(
  db: OpsDb,
  ids: string[],
  by: string,
  at: Date,
): Promise<Info[]> {
  if (!ids.length) return [];
  const rows = await db
    .update(runTable)
    .set({ resolvedBy: by, resolvedAt: at })
    .where(
      and(inArray(runTable.id, ids), ne(runTable.status, "SUCCEEDED"), isNull(runTable.resolvedBy)),
    )
    .returning();
  return rows.map((r) => toInfo(r, null));
}

/** Merge more facts into a run's stats while it runs (e.g. the table once the header is read). */
export async function mergeStats(db: OpsDb, id: string, stats: Stats) {
  await db
    .update(runTable)
    .set({ stats: sql`${runTable.stats} || ${JSON.stringify(stats)}::jsonb` })
    .where(eq(runTable.id, id));
}

export async function activeRunFor(db: OpsDb, workKey: string): Promise<Info | null> {
  const [row] = await selectWithRetry(db)
    .where(and(eq(runTable.workKey, workKey), inArray(runTable.status, ["QUEUED", "RUNNING"])))
    .limit(1);
  return row ? toInfo(row.run, row.retriedBy, row.resolvedBy) : null;
}

export async function retryOfRun(db: OpsDb, id: string): Promise<Info | null> {
  const [row] = await selectWithRetry(db).where(eq(runTable.retryOf, id)).limit(1);
  return row ? toInfo(row.run, row.retriedBy, row.resolvedBy) : null;
}

/** How the error of a run failed by `recoverOrphans` starts. */
export const INTERRUPTED = "Interrupted:";

/** The newest run of a piece of work (any status), or null. */
export async function lastRunFor(db: OpsDb, workKey: string): Promise<Info | null> {
  const [row] = await selectWithRetry(db)
    .where(eq(runTable.workKey, workKey))
    .orderBy(desc(runTable.id))
    .limit(1);
  return row ? toInfo(row.run, row.retriedBy, row.resolvedBy) : null;
}

/**
 * Runs left QUEUED or RUNNING by a process that is gone are failed with a clear reason. `isAlive`
 * decides per owner (`host:pid`); runs of live owners (another process on a shared PostgreSQL ops
 * store) are left alone.
 */
export async function recoverOrphans(
  db: OpsDb,
  isAlive: (owner: string) => boolean,
): Promise<string[]> {
  const active = await db
    .select({ id: runTable.id, owner: runTable.owner, status: runTable.status })
    .from(runTable)
    .where(inArray(runTable.status, ["QUEUED", "RUNNING"]));
  const orphans = active.filter((r) => !r.owner || !isAlive(r.owner));
  for (const r of orphans) {
    await db
      .update(runTable)
      .set({
        status: "FAILED",
        finishedAt: new Date(),
        // The work was cut off, not refused: running it again may well work.
        failureClass: "transient",
        failureHint: null,
        error: `${INTERRUPTED} the process running it (${r.owner ?? "unknown"}) stopped before the run finished (it was ${r.status}). Retry it to run it again.`,
      })
      .where(and(eq(runTable.id, r.id), inArray(runTable.status, ["QUEUED", "RUNNING"])));
  }
  return orphans.map((r) => r.id);
}

/** The chain of runs linked by retryOf that `id` belongs to, oldest first. */
export async function retryChain(db: OpsDb, id: string): Promise<Info[]> {
  return walkRetryChain(await mustGetRun(db, id), (other) => getRun(db, other));
}
