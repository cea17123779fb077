// The sync's bookkeeping in the ops store: the snapshot of what the target accepted (the diff's
// other side) and each run's per-record outcomes. A batch's outcomes and the snapshot rows of its
// accepted records are written in one transaction, so a record Salesforce accepted is never owed
// again — a retried or repeated run does not send it twice.
import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import type { OpsDb } from "../ops/db";
import type { RecordStatus } from "./model";
import type { OutRecord } from "./records";
import { syncRecordTable, syncSnapshotTable } from "./sync.sql";

/** Where records of a mapping live: `salesforce:Contact` (the snapshot's and records' target). */
export const targetOf = (mapping: { object: string }) => `salesforce:${mapping.object}`;

/** Rows per INSERT: 13 parameters a row stays far below PostgreSQL's 65,535. */
const CHUNK = 1000;

export interface SnapshotEntry {
  hash: string;
  runId: string;
  syncedAt: Date;
}

export async function loadSnapshot(
  ops: OpsDb,
  target: string,
): Promise<Map<string, SnapshotEntry>> {
  const rows = await ops
    .select({
      externalId: syncSnapshotTable.externalId,
      hash: syncSnapshotTable.hash,
      runId: syncSnapshotTable.runId,
      syncedAt: syncSnapshotTable.syncedAt,
    })
    .from(syncSnapshotTable)
    .where(eq(syncSnapshotTable.target, target));
  return new Map(rows.map((r) => [r.externalId, r]));
}

export interface Outcome {
  record: OutRecord;
  status: Exclude<RecordStatus, "unsent">;
  created?: boolean | null;
  sfId?: string | null;
  errorCode?: string | null;
  message?: string | null;
  transport: "collections" | "bulk";
}

/** A batch's outcomes, and the snapshot of its accepted records, in one transaction. */
export async function recordOutcomes(
  ops: OpsDb,
  runId: string,
  target: string,
  outcomes: Outcome[],
): Promise<void> {
  if (!outcomes.length) return;
  const now = new Date();
  await ops.transaction(async (tx) => {
    for (let i = 0; i < outcomes.length; i += CHUNK) {
      const part = outcomes.slice(i, i + CHUNK);
      await tx
        .insert(syncRecordTable)
        .values(
          part.map((o) => ({
            runId,
            externalId: o.record.externalId,
            target,
            status: o.status,
            hash: o.record.hash,
            payload: o.record.payload,
            created: o.created ?? null,
            sfId: o.sfId ?? null,
            errorCode: o.errorCode ?? null,
            message: o.message ?? null,
            attempts: 1,
            transport: o.transport,
            updatedAt: now,
          })),
        )
        .onConflictDoUpdate({
          target: [syncRecordTable.runId, syncRecordTable.externalId],
          set: {
            status: sql`excluded.status`,
            hash: sql`excluded.hash`,
            payload: sql`excluded.payload`,
            created: sql`excluded.created`,
            sfId: sql`excluded.sf_id`,
            errorCode: sql`excluded.error_code`,
            message: sql`excluded.message`,
            transport: sql`excluded.transport`,
            attempts: sql`${syncRecordTable.attempts} + 1`,
            updatedAt: sql`excluded.updated_at`,
          },
        });
      const accepted = part.filter((o) => o.status === "succeeded");
      if (!accepted.length) continue;
      await tx
        .insert(syncSnapshotTable)
        .values(
          accepted.map((o) => ({
            target,
            externalId: o.record.externalId,
            hash: o.record.hash,
            payload: o.record.payload,
            sfId: o.sfId ?? null,
            runId,
            syncedAt: now,
          })),
        )
        .onConflictDoUpdate({
          target: [syncSnapshotTable.target, syncSnapshotTable.externalId],
          set: {
            hash: sql`excluded.hash`,
            payload: sql`excluded.payload`,
            sfId: sql`excluded.sf_id`,
            runId: sql`excluded.run_id`,
            syncedAt: sql`excluded.synced_at`,
          },
        });
    }
  });
}

/** Records the run owed and never sent (it stopped first): kept, with what they would carry. */
export async function recordUnsent(
  ops: OpsDb,
  runId: string,
  target: string,
  records: OutRecord[],
  why: { errorCode: string; message: string },
): Promise<void> {
  const now = new Date();
  for (let i = 0; i < records.length; i += CHUNK) {
    await ops
      .insert(syncRecordTable)
      .values(
        records.slice(i, i + CHUNK).map((r) => ({
          runId,
          externalId: r.externalId,
          target,
          status: "unsent",
          hash: r.hash,
          payload: r.payload,
          errorCode: why.errorCode,
          message: why.message,
          attempts: 0,
          updatedAt: now,
        })),
      )
      .onConflictDoNothing();
  }
}

/** A run's records that the target did not accept (failed or never sent), as they were owed. */
export async function notAcceptedOf(ops: OpsDb, runId: string): Promise<OutRecord[]> {
  const rows = await ops
    .select({
      externalId: syncRecordTable.externalId,
      payload: syncRecordTable.payload,
      hash: syncRecordTable.hash,
    })
    .from(syncRecordTable)
    .where(
      and(eq(syncRecordTable.runId, runId), inArray(syncRecordTable.status, ["failed", "unsent"])),
    )
    .orderBy(asc(syncRecordTable.externalId));
  return rows;
}

/**
 * A run's records that were not accepted, and of those the ones still owed: not delivered by a
 * later run since (`since`: when that run was made) — re-sending those would undo newer data.
 */
export async function stillOwed(
  ops: OpsDb,
  target: string,
  runId: string,
  since: Date,
): Promise<{ notAccepted: OutRecord[]; owed: OutRecord[] }> {
  const notAccepted = await notAcceptedOf(ops, runId);
  const snapshot = await loadSnapshot(ops, target);
  const owed = notAccepted.filter((r) => {
    const s = snapshot.get(r.externalId);
    return !s || (s.hash !== r.hash && s.syncedAt.getTime() <= since.getTime());
  });
  return { notAccepted, owed };
}

export interface RecordRow {
  externalId: string;
  status: RecordStatus;
  errorCode: string | null;
  message: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  transport: string | null;
  updatedAt: string;
}

/** One page of a run's records in some statuses, by external id. */
export async function listRecords(
  ops: OpsDb,
  runId: string,
  opts: { status: RecordStatus[]; after?: string; limit: number },
): Promise<{ items: RecordRow[]; nextCursor: string | null }> {
  const rows = await ops
    .select()
    .from(syncRecordTable)
    .where(
      and(
        eq(syncRecordTable.runId, runId),
        inArray(syncRecordTable.status, opts.status),
        opts.after ? gt(syncRecordTable.externalId, opts.after) : undefined,
      ),
    )
    .orderBy(asc(syncRecordTable.externalId))
    .limit(opts.limit + 1);
  const page = rows.slice(0, opts.limit);
  return {
    items: page.map((r) => ({
      externalId: r.externalId,
      status: r.status as RecordStatus,
      errorCode: r.errorCode,
      message: r.message,
      payload: r.payload,
      attempts: r.attempts,
      transport: r.transport,
      updatedAt: r.updatedAt.toISOString(),
    })),
    nextCursor: rows.length > opts.limit ? (page.at(-1)?.externalId ?? null) : null,
  };
}

/** How many of a run's records are in each status. */
export async function recordCounts(
  ops: OpsDb,
  runId: string,
): Promise<Record<RecordStatus, number>> {
  const rows = await ops
    .select({ status: syncRecordTable.status, n: sql<number>`count(*)::int` })
    .from(syncRecordTable)
    .where(eq(syncRecordTable.runId, runId))
    .groupBy(syncRecordTable.status);
  const out: Record<RecordStatus, number> = { succeeded: 0, failed: 0, unsent: 0 };
  for (const r of rows) out[r.status as RecordStatus] = Number(r.n);
  return out;
}
