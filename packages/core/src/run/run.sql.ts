import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

export const runTable = pgTable(
  "runs",
  {
    id: text("id").primaryKey(),
    pipeline: text("pipeline").notNull(),
    engine: text("engine").notNull(),
    status: text("status").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
    startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }),
    finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
    args: jsonb("args").$type<Record<string, unknown>>().notNull(),
    error: text("error"),
    stats: jsonb("stats").$type<Record<string, unknown>>().notNull().default({}),
    retryOf: text("retry_of"),
    /** host:pid of the process executing it; lets a restart tell orphaned runs from live ones. */
    owner: text("owner"),
    /** Key of the work (e.g. the source file) so two runs of the same work never overlap. */
    workKey: text("work_key"),
    /** "transient" | "needs_fix", set when the run fails (run/failure.ts). */
    failureClass: text("failure_class"),
    /** For needs_fix: what must change before a retry can succeed. */
    failureHint: text("failure_hint"),
    /** A failed run whose retry chain ended in success: that run, and when it finished. */
    resolvedBy: text("resolved_by"),
    resolvedAt: timestamp("resolved_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    // Two retries of one failed run can only ever create one new run.
    uniqueIndex("runs_retry_of_unique").on(t.retryOf).where(sql`${t.retryOf} is not null`),
    index("runs_status_id").on(t.status, t.id),
    index("runs_pipeline_id").on(t.pipeline, t.id),
    index("runs_created_at").on(t.createdAt),
    index("runs_work_key_active").on(t.workKey).where(sql`${t.status} in ('QUEUED', 'RUNNING')`),
  ],
);
