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
  },
  (t) => [index("alerts_created").on(t.createdAt)],
);
