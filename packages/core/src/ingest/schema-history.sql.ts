import { index, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Which file created, added or widened which column, and when. */
export const schemaChangeTable = pgTable(
  "schema_changes",
  {
    id: text("id").primaryKey(),
    tableName: text("table_name").notNull(),
    columnName: text("column_name").notNull(),
    originalName: text("original_name"),
    change: text("change").notNull(),
    dataType: text("data_type").notNull(),
    fromType: text("from_type"),
    runId: text("run_id").notNull(),
    sourceKey: text("source_key").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [index("sc_table").on(t.tableName, t.createdAt)],
);
