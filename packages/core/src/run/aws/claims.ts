// Retry claims: a retry is recorded in the ops store before the AWS call that starts it, so two
// clicks (or two API instances) start one run; and the runs we start are recorded with the
// arguments we launched them with, which AWS does not always keep.
import { eq, or } from "drizzle-orm";
import type { OpsDb } from "../../ops/db";
import { isUniqueViolation } from "../../util/error";
import { alreadyRetried } from "../errors";
import { runTable } from "../run.sql";

type Row = typeof runTable.$inferSelect;

export interface ClaimedRun {
  id: string;
  pipeline: string;
  engine: "glue" | "sfn";
  args: Record<string, unknown>;
}

/** Marks a claim's id until the engine names the run (a Glue run id is only known once started). */
export const claimPrefix = "pending-";
/** A claim whose AWS call never reported back (crashed process) stops blocking after this. */
export const staleClaimMs = 10 * 60_000;

/**
 * Record a retry before starting it: the unique index on retry_of lets exactly one caller through,
 * so two clicks (or two API instances) start one run. The loser learns the winner's id.
 */
export async function claimRetry(db: OpsDb, failedId: string, row: ClaimedRun): Promise<void> {
  const insert = () =>
    db.insert(runTable).values({
      ...row,
      status: "QUEUED",
      createdAt: new Date(),
      retryOf: failedId,
      // Never taken for an orphan of a local runner sharing this ops store.
      owner: "aws",
    });
  for (let attempt = 0; ; attempt++) {
    try {
      await insert();
      return;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    let winner = await retryRow(db, failedId, row.id);
    const pending = () => winner?.id.includes(`:${claimPrefix}`) ?? false;
    if (
      winner &&
      pending() &&
      Date.now() - winner.createdAt.getTime() > staleClaimMs &&
      attempt === 0
    ) {
      await db.delete(runTable).where(eq(runTable.id, winner.id));
      continue;
    }
    // Another caller is starting it right now: give it a moment so we can name the real run.
    for (let i = 0; i < 30 && winner && pending(); i++) {
      await new Promise((r) => setTimeout(r, 100));
      winner = (await retryRow(db, failedId, row.id)) ?? winner;
    }
    throw alreadyRetried(failedId, winner?.id ?? row.id);
  }
}

/** The retry already recorded for a failed run, or the claim row itself. */
export async function retryRow(db: OpsDb, failedId: string, claimId: string): Promise<Row | null> {
  const [row] = await db
    .select()
    .from(runTable)
    .where(or(eq(runTable.retryOf, failedId), eq(runTable.id, claimId)))
    .limit(1);
  return row ?? null;
}

/** The AWS call failed: the retry never started, so it may be tried again. */
export async function releaseClaim(db: OpsDb, id: string): Promise<void> {
  await db.delete(runTable).where(eq(runTable.id, id));
}

/** The retry started: the claim takes the id and facts of the run AWS made. */
export async function settleClaim(
  db: OpsDb,
  claimId: string,
  set: Partial<Pick<Row, "id" | "status" | "startedAt">>,
): Promise<void> {
  await db.update(runTable).set(set).where(eq(runTable.id, claimId));
}

/**
 * Record a run we started (not a retry) with the arguments we launched it with, so a later retry
 * can repeat them even when GetJobRun doesn't return them.
 */
export async function recordStartedRun(db: OpsDb, run: ClaimedRun): Promise<void> {
  await db
    .insert(runTable)
    .values({ ...run, status: "QUEUED", createdAt: new Date(), owner: "aws" });
}
