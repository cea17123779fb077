// Quality failures in the ops store: recorded per run and failing row, read by the Quality page.
//
// A failing row is its fingerprint (quality.sql.ts): table, file name, rule, record number and
// values. Ingesting the same file again records the same fingerprints, so every count here counts
// fingerprints — each failing row once — while the records keep which runs saw it.
// (Not a hash of the whole file: that is a second pass over every byte, on the reader's hot path
// or when the file moves, and a corrected version would count its unchanged bad rows again. The
// row's own fingerprint costs the reader nothing, is the same for the same content, and lets a
// corrected version say which rows it fixed.)
//
// A failing row is open until a later version of its file — the same table and file name — is
// ingested (not failed) without it; it is then fixed (by that run). Seen failing again, it is
// open again.
import {
  and,
  count,
  desc,
  eq,
  gte,
  inArray,
  isNotNull,
  isNull,
  lt,
  max,
  min,
  ne,
  notInArray,
  type SQL,
  sql,
} from "drizzle-orm";
import type { OpsDb } from "../ops/db";
import { createId } from "../util/id";
import { qualityFailureTable } from "./quality.sql";

export type FailureRecord = Omit<
  typeof qualityFailureTable.$inferInsert,
  "id" | "fingerprint" | "fixedAt" | "fixedBy"
>;

export const failureStatuses = ["open", "fixed", "all"] as const;
export type FailureStatus = (typeof failureStatuses)[number];

const t = qualityFailureTable;

export async function recordFailures(db: OpsDb, records: FailureRecord[]) {
  for (let i = 0; i < records.length; i += 500) {
    const batch = records.slice(i, i + 500).map((r) => ({ id: createId("qualityFailure"), ...r }));
    await db.insert(t).values(batch);
    // A failing row seen again is open again, whatever a later version of its file said.
    const seen = db
      .select({ fingerprint: t.fingerprint })
      .from(t)
      .where(
        inArray(
          t.id,
          batch.map((r) => r.id),
        ),
      );
    await db
      .update(t)
      .set({ fixedAt: null, fixedBy: null })
      .where(and(isNotNull(t.fixedAt), inArray(t.fingerprint, seen)));
  }
}

/**
 * A run ingested a version of a file (it loaded, or had nothing to load): the failing rows that
 * earlier versions of the file — same table, same file name — had and this one has not are fixed,
 * by this run. A run that kept only its first `limit` failures (rejects.ts MAX_FAILURES_STORED)
 * speaks only for the records before the last one it kept. Returns how many failing rows it fixed.
 */
export async function fixSuperseded(
  db: OpsDb,
  run: { runId: string; table: string; sourceName: string; limit: number },
  at = new Date(),
): Promise<number> {
  const [kept] = await db
    .select({ n: count(), last: max(t.rowNumber) })
    .from(t)
    .where(eq(t.runId, run.runId));
  const partial = Number(kept?.n ?? 0) >= run.limit && kept?.last != null;
  const own = db.select({ fingerprint: t.fingerprint }).from(t).where(eq(t.runId, run.runId));
  const fixed = await db
    .update(t)
    .set({ fixedAt: at, fixedBy: run.runId })
    .where(
      and(
        eq(t.tableName, run.table),
        eq(t.sourceName, run.sourceName),
        isNull(t.fixedAt),
        ne(t.runId, run.runId),
        notInArray(t.fingerprint, own),
        partial ? lt(t.rowNumber, Number(kept!.last)) : undefined,
      ),
    )
    .returning({ fingerprint: t.fingerprint });
  return new Set(fixed.map((f) => f.fingerprint)).size;
}

export interface FailureFilter {
  table?: string;
  rule?: string;
  runId?: string;
  /** Seen by a run since. */
  since?: Date;
  /** Open failing rows (the default), fixed ones, or all. */
  status?: FailureStatus;
}

function where(f: FailureFilter, status = true): SQL | undefined {
  const s = f.status ?? "open";
  return and(
    f.table ? eq(t.tableName, f.table) : undefined,
    f.rule ? eq(t.rule, f.rule) : undefined,
    f.runId ? eq(t.runId, f.runId) : undefined,
    f.since ? gte(t.createdAt, f.since) : undefined,
    status && s === "open" ? isNull(t.fixedAt) : undefined,
    status && s === "fixed" ? isNotNull(t.fixedAt) : undefined,
  );
}

const distinctRows = sql<number>`count(distinct ${t.fingerprint})::int`;

/**
 * Failing rows grouped by table and rule: how many (each once, however many runs saw it), in how
 * many runs, and when last seen.
 */
export async function failureSummary(db: OpsDb, f: FailureFilter = {}) {
  const rows = await db
    .select({
      table: t.tableName,
      rule: t.rule,
      errorType: t.errorType,
      severity: t.severity,
      count: distinctRows,
      runs: sql<number>`count(distinct ${t.runId})::int`,
      lastSeen: max(t.createdAt),
    })
    .from(t)
    .where(where(f))
    .groupBy(t.tableName, t.rule, t.errorType, t.severity)
    .orderBy(desc(max(t.createdAt)));
  return rows.map((r) => ({
    ...r,
    count: Number(r.count),
    lastSeen: r.lastSeen?.toISOString() ?? null,
  }));
}

/** How many failing rows the filter (its status aside) finds open and fixed. */
export async function failureStatusCounts(db: OpsDb, f: FailureFilter = {}) {
  const [r] = await db
    .select({
      open: sql<number>`count(distinct ${t.fingerprint}) filter (where ${t.fixedAt} is null)::int`,
      fixed: sql<number>`count(distinct ${t.fingerprint}) filter (where ${t.fixedAt} is not null)::int`,
    })
    .from(t)
    .where(where(f, false));
  return { open: Number(r?.open ?? 0), fixed: Number(r?.fixed ?? 0) };
}

/**
 * Failing rows per UTC day and rule, each on the day it was first seen (in the window): the days
 * add up to the summary's count.
 */
export async function failuresOverTime(db: OpsDb, f: FailureFilter = {}) {
  const firsts = db
    .select({
      table: sql<string>`${t.tableName}`.as("first_table"),
      rule: sql<string>`${t.rule}`.as("first_rule"),
      first: min(t.createdAt).as("first_seen"),
    })
    .from(t)
    .where(where(f))
    .groupBy(t.fingerprint, t.tableName, t.rule)
    .as("firsts");
  const day = sql<string>`to_char(date_trunc('day', ${firsts.first} at time zone 'UTC'), 'YYYY-MM-DD')`;
  const rows = await db
    .select({ day, table: firsts.table, rule: firsts.rule, count: count() })
    .from(firsts)
    .groupBy(day, firsts.table, firsts.rule)
    .orderBy(day);
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

/**
 * Sample failing rows, newest first: each row once, as the newest run that saw it recorded it,
 * with how many runs saw it.
 */
export async function failureSamples(db: OpsDb, f: FailureFilter & { limit?: number } = {}) {
  const newest = db
    .select({ id: max(t.id) })
    .from(t)
    .where(where(f))
    .groupBy(t.fingerprint);
  const rows = await db
    .select()
    .from(t)
    .where(inArray(t.id, newest))
    .orderBy(desc(t.id))
    .limit(Math.min(f.limit ?? 50, 500));
  const runs = rows.length
    ? await db
        .select({ fingerprint: t.fingerprint, runs: sql<number>`count(distinct ${t.runId})::int` })
        .from(t)
        .where(
          inArray(
            t.fingerprint,
            rows.map((r) => r.fingerprint),
          ),
        )
        .groupBy(t.fingerprint)
    : [];
  const seenIn = new Map(runs.map((r) => [r.fingerprint, Number(r.runs)]));
  return rows.map((r) => ({
    ...r,
    createdAt: r.createdAt.toISOString(),
    fixedAt: r.fixedAt?.toISOString() ?? null,
    runs: seenIn.get(r.fingerprint) ?? 1,
  }));
}
