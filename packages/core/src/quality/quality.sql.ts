import { bigint, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** One row per rejected (or warned) record, kept for the Quality page. */
export const qualityFailureTable = pgTable(
  "quality_failures",
  {
    id: text("id").primaryKey(),
    runId: text("run_id").notNull(),
    tableName: text("table_name").notNull(),
    rule: text("rule").notNull(),
    errorType: text("error_type").notNull(),
    severity: text("severity").notNull(),
    description: text("description").notNull(),
    rowNumber: bigint("row_number", { mode: "number" }),
    row: jsonb("row").$type<Record<string, string | null>>(),
    rawRecord: text("raw_record"),
    sourceKey: text("source_key").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [
    index("qf_table_created").on(t.tableName, t.createdAt),
    index("qf_run").on(t.runId),
    index("qf_created").on(t.createdAt),
  ],
);
