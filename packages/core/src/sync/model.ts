// The sync pipeline's model: its arguments and stats (zod, every stat with a default), what a
// record's outcome can be, and the run's subject and counts lines.
import { z } from "zod";
import type { RunFacts } from "../pipeline";

export const PIPELINE = "sync";

/** What a sync works on (run/job.ts workKey): one at a time, locally and deployed (aws/turn.ts). */
export const SYNC_WORK_KEY = "sync:salesforce";

export const SyncArgs = z.looseObject({
  /** Where to: only Salesforce so far. */
  target: z.literal("salesforce").default("salesforce"),
  /** Write what would be sent to the outbox instead of calling Salesforce. */
  dryRun: z.boolean().optional(),
  /** Re-send only this sync run's records that Salesforce did not accept. */
  retryFailedOf: z.string().min(1).optional(),
});
export type SyncArgs = z.output<typeof SyncArgs>;

export const Transport = z.enum(["none", "collections", "bulk"]);
export type Transport = z.infer<typeof Transport>;

export const RecordStatus = z.enum(["succeeded", "failed", "unsent"]);
export type RecordStatus = z.infer<typeof RecordStatus>;

export const SyncStats = z.looseObject({
  target: z.string().default("salesforce"),
  object: z.string().default("Contact"),
  /** live: sent to the org; dry_run: written to the outbox (no credentials, or asked for). */
  mode: z.enum(["live", "dry_run"]).default("live"),
  /** Why it was a dry run. */
  dryRunReason: z.string().nullable().default(null),
  /** The lake key of the dry run's records (sync/outbox/<runId>/<object>s.jsonl). */
  outboxKey: z.string().nullable().default(null),
  /** The segmentation run synced (the latest), and the table its users came from. */
  segmentRunId: z.string().nullable().default(null),
  source: z.string().nullable().default(null),
  retryFailedOf: z.string().nullable().default(null),
  /** Users in that segmentation run. */
  users: z.number().int().default(0),
  /** Records owed: changed since the last accepted sync, or not accepted last time. */
  owed: z.number().int().default(0),
  /** Records sent (to the org, or to the outbox in a dry run). */
  sent: z.number().int().default(0),
  created: z.number().int().default(0),
  updated: z.number().int().default(0),
  /** Sent and not accepted: a per-record error (kept for the next run). */
  failed: z.number().int().default(0),
  /** Owed and never sent: the run stopped first (kept for the next run). */
  unsent: z.number().int().default(0),
  skippedUnchanged: z.number().int().default(0),
  /**
   * Requests to the org's REST and Bulk APIs (OAuth token requests do not count against it;
   * jsforce's own re-sends of a GET after a 503 are not seen here).
   */
  apiCalls: z.number().int().default(0),
  transport: Transport.default("none"),
  bulkJobs: z.array(z.string()).default([]),
  /** The org's daily API requests as last seen, and the reserve the sync leaves untouched. */
  apiRemaining: z.number().int().nullable().default(null),
  apiMax: z.number().int().nullable().default(null),
  apiReserve: z.number().int().nullable().default(null),
  /** The run stopped (or never started sending) to keep the reserve: it is retried later. */
  waitingForBudget: z.boolean().default(false),
  /** Per-record error codes and how many records each stopped. */
  errorCodes: z.record(z.string(), z.number().int()).default({}),
  /** The run metrics every pipeline records: users read, records accepted. */
  rowsRead: z.number().int().default(0),
  rowsLoaded: z.number().int().default(0),
});
export type SyncStats = z.output<typeof SyncStats>;

/** What a sync run did with its records: the counts every summary of it shows. */
export type SyncCounts = Pick<
  SyncStats,
  "sent" | "created" | "updated" | "failed" | "unsent" | "skippedUnchanged" | "apiCalls"
>;

export function countsOf(s: SyncStats): SyncCounts {
  const { sent, created, updated, failed, unsent, skippedUnchanged, apiCalls } = s;
  return { sent, created, updated, failed, unsent, skippedUnchanged, apiCalls };
}

export function emptyStats(): SyncStats {
  return SyncStats.parse({});
}

/** `Contact ← segmentation run_… (public.customers)` */
export function syncSubject(run: RunFacts): string | null {
  const st = SyncStats.safeParse(run.stats);
  if (!st.success) return null;
  const s = st.data;
  const what = s.retryFailedOf
    ? `failed records of ${s.retryFailedOf}`
    : s.segmentRunId
      ? `segmentation ${s.segmentRunId}${s.source ? ` (${s.source})` : ""}`
      : null;
  const to = `Salesforce ${s.object}${s.mode === "dry_run" ? " (dry run)" : ""}`;
  return what ? `${to} ← ${what}` : to;
}

/** `120 sent · 20 created · 98 updated · 2 failed · 880 unchanged · 3 API calls` */
export function syncCounts(run: RunFacts): string | null {
  const st = SyncStats.safeParse(run.stats);
  if (!st.success) return null;
  const s = st.data;
  if (s.mode === "dry_run") {
    return `${s.sent} written to the outbox · ${s.skippedUnchanged} unchanged · 0 API calls`;
  }
  const parts = [`${s.sent} sent`, `${s.created} created`, `${s.updated} updated`];
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.unsent) parts.push(`${s.unsent} not sent`);
  parts.push(`${s.skippedUnchanged} unchanged`, `${s.apiCalls} API calls`);
  return parts.join(" · ");
}
