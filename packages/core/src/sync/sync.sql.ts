// The sync's state in the ops store: the snapshot of what each target was last told (one row per
// record Salesforce accepted: the hash of what it accepted, and the run whose sync_records row
// holds that payload), and every run's per-record outcome with the payload it sent.
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

export const syncSnapshotTable = pgTable(
  "sync_snapshot",
  {
    /** `salesforce:Contact`: the org's object the record lives in. */
    target: text("target").notNull(),
    externalId: text("external_id").notNull(),
    /** Hash of the compared fields of the payload Salesforce accepted. */
    hash: text("hash").notNull(),
    /** The Salesforce record id the upsert answered with. */
    sfId: text("sf_id"),
    /** The sync run that delivered it (its sync_records row holds the payload it sent). */
    runId: text("run_id").notNull(),
    syncedAt: timestamp("synced_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.target, t.externalId] })],
);

export const syncRecordTable = pgTable(
  "sync_records",
  {
    runId: text("run_id").notNull(),
    externalId: text("external_id").notNull(),
    target: text("target").notNull(),
    /** succeeded | failed | unsent (owed, never sent: the run stopped first). */
    status: text("status").notNull(),
    hash: text("hash").notNull(),
    /** What was (or would have been) sent for it. */
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    /** For a success: created (true) or updated (false). */
    created: boolean("created"),
    sfId: text("sf_id"),
    /** Salesforce's statusCode (REQUIRED_FIELD_MISSING, UNABLE_TO_LOCK_ROW, …) for a failure. */
    errorCode: text("error_code"),
    message: text("message"),
    /** How many times this run sent it. */
    attempts: integer("attempts").notNull().default(0),
    /** collections | bulk: how it went the last time. */
    transport: text("transport"),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.externalId] }),
    index("sync_records_run_status").on(t.runId, t.status),
  ],
);
