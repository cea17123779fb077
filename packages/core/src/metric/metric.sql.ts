import { doublePrecision, index, pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";

/** The local metrics port's time series: one point per (name, pipeline, time). */
export const metricTable = pgTable(
  "metrics",
  {
    id: serial("id").primaryKey(),
    name: text("name").notNull(),
    value: doublePrecision("value").notNull(),
    unit: text("unit").notNull(),
    pipeline: text("pipeline").notNull(),
    runId: text("run_id"),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [index("metrics_name_at").on(t.name, t.at)],
);
