import { index, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const alertTable = pgTable(
  "alerts",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull(),
    severity: text("severity").notNull(),
    title: text("title").notNull(),
    message: text("message").notNull(),
    runId: text("run_id"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
    acknowledgedAt: timestamp("acknowledged_at", { withTimezone: true, mode: "date" }),
    acknowledgedBy: text("acknowledged_by"),
    /** Resolved without anyone acknowledging it: the run it is about was retried successfully. */
    resolvedAt: timestamp("resolved_at", { withTimezone: true, mode: "date" }),
    /** What resolved it, in words: "resolved by run run_… (retry succeeded)". */
    resolution: text("resolution"),
    /** Its docs/runbook.md section (monitoring/runbook.ts); null for alerts raised before it was kept. */
    runbook: text("runbook"),
  },
  (t) => [index("alerts_created").on(t.createdAt), index("alerts_run").on(t.runId)],
);
