import { sql } from "drizzle-orm";
import { bigint, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * One row per failure a run saw — a rejected (or warned) record and the rule it failed — kept for
 * the Quality page. The same failing row seen by several runs (the same file ingested again) has
 * one fingerprint: the page counts fingerprints, so it counts each failing row once.
 */
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
    /** Where the run read the file (inbox/…, or error/… for a retry). */
    sourceKey: text("source_key").notNull(),
    /** The name the file is known by across its versions (ingest/rejects.ts `sourceName`). */
    sourceName: text("source_name").notNull(),
    /**
     * The failing row: its table, file, rule, record number and values (or raw record). Computed
     * by the database, so every writer and the migration that filled it agree.
     */
    fingerprint: text("fingerprint")
      .notNull()
      .generatedAlwaysAs(
        sql`md5("table_name" || chr(31) || "source_name" || chr(31) || "rule" || chr(31) || coalesce("row_number"::text, '') || chr(31) || coalesce("row"::text, '') || chr(31) || coalesce("raw_record", ''))`,
      ),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
    /** When a later version of the file loaded without this failing row (null: still open). */
    fixedAt: timestamp("fixed_at", { withTimezone: true, mode: "date" }),
    /** The run that loaded that later version. */
    fixedBy: text("fixed_by"),
  },
  (t) => [
    index("qf_table_created").on(t.tableName, t.createdAt),
    index("qf_run").on(t.runId),
    index("qf_created").on(t.createdAt),
    index("qf_fingerprint").on(t.fingerprint),
    index("qf_file").on(t.tableName, t.sourceName),
  ],
);
