import { index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Who did what to which run: every retry, single or bulk, local or deployed. */
export const auditTable = pgTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    runId: text("run_id").notNull(),
    newRunId: text("new_run_id"),
    detail: jsonb("detail").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index("audit_at").on(t.at), index("audit_run").on(t.runId)],
);
