// Quality failures in the ops store: recorded per rejected (or warned) row, read by the Quality page.
import { and, count, desc, eq, gte, max, sql } from "drizzle-orm";
import type { OpsDb } from "../ops/db";
import { createId } from "../util/id";
import { qualityFailureTable } from "./quality.sql";

export type FailureRecord = Omit<typeof qualityFailureTable.$inferInsert, "id">;

export async function recordFailures(db: OpsDb, records: FailureRecord[]) {
  for (let i = 0; i < records.length; i += 500) {
    const batch = records.slice(i, i + 500).map((r) => ({ id: createId("qualityFailure"), ...r }));
    await db.insert(qualityFailureTable).values(batch);
  }
}

export interface FailureFilter {
  table?: string;
  rule?: string;
  runId?: string;
  since?: Date;
}

function where(f: FailureFilter) {
  const t = qualityFailureTable;
  return and(
    f.table ? eq(t.tableName, f.table) : undefined,
    f.rule ? eq(t.rule, f.rule) : undefined,
    f.runId ? eq(t.runId, f.runId) : undefined,
    f.since ? gte(t.createdAt, f.since) : undefined,
  );
}

/** Failures grouped by table and rule, with when each was last seen. */
export async function failureSummary(db: OpsDb, f: FailureFilter = {}) {
  const t = qualityFailureTable;
  const rows = await db
    .select({
      table: t.tableName,
      rule: t.rule,
      errorType: t.errorType,
      severity: t.severity,
      count: count(),
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

/** Failures per day and rule, for the Quality page's trend. */
export async function failuresOverTime(db: OpsDb, f: FailureFilter = {}) {
  const t = qualityFailureTable;
  const day = sql<string>`to_char(date_trunc('day', ${t.createdAt} at time zone 'UTC'), 'YYYY-MM-DD')`;
  const rows = await db
    .select({ day, table: t.tableName, rule: t.rule, count: count() })
    .from(t)
    .where(where(f))
    .groupBy(day, t.tableName, t.rule)
    .orderBy(day);
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

/** Sample failing rows, newest first. */
export async function failureSamples(db: OpsDb, f: FailureFilter & { limit?: number } = {}) {
  const t = qualityFailureTable;
  const rows = await db
    .select()
    .from(t)
    .where(where(f))
    .orderBy(desc(t.id))
    .limit(Math.min(f.limit ?? 50, 500));
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
}
