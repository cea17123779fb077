// Alerts: what the operator must be told (a quarantine, a failed run). The notifier port delivers
// them: locally into the ops store (and an optional webhook), deployed to SNS.
import { and, desc, eq, inArray, isNotNull, isNull, type SQL } from "drizzle-orm";
import { z } from "zod";
import { ALERT_KINDS, alertSection, runbookBaseUrl, runbookUrl } from "../monitoring/runbook";
import type { OpsDb } from "../ops/db";
import { VisibleError } from "../util/error";
import { createId } from "../util/id";
import { alertTable } from "./alert.sql";

export const Severity = z.enum(["info", "warning", "error"]);

export const NewAlert = z.object({
  kind: z.enum(ALERT_KINDS),
  severity: Severity,
  title: z.string(),
  message: z.string(),
  runId: z.string().nullable().optional(),
  /**
   * The docs/runbook.md section it links (monitoring/runbook.ts), when its raiser knows better than its
   * kind (a run failure: its pipeline's). Delivered with the alert, not stored.
   */
  runbook: z.string().optional(),
});
export type NewAlert = z.infer<typeof NewAlert>;

export interface Info extends NewAlert {
  id: string;
  /**
   * The address of its runbook section: the runbook's URL (monitoring/runbook.ts's
   * `runbookBaseUrl`) or, without one, its path in the repository, with the section's anchor.
   */
  runbook: string;
  createdAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  /** Set when what it is about resolved itself (its run was retried successfully). */
  resolvedAt: string | null;
  /** What resolved it: "resolved by run run_… (retry succeeded)". */
  resolution: string | null;
}

export interface Notifier {
  notify(alert: NewAlert): Promise<void>;
}

/** `base`: the runbook's address (monitoring/runbook.ts's `runbookBaseUrl`, the default). */
function toInfo(r: typeof alertTable.$inferSelect, base = runbookBaseUrl()): Info {
  const kind = r.kind as NewAlert["kind"];
  return {
    id: r.id,
    kind,
    severity: r.severity as NewAlert["severity"],
    title: r.title,
    message: r.message,
    runId: r.runId,
    createdAt: r.createdAt.toISOString(),
    acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: r.acknowledgedBy,
    resolvedAt: r.resolvedAt?.toISOString() ?? null,
    resolution: r.resolution,
    runbook: runbookUrl(alertSection({ kind, runbook: r.runbook ?? undefined }), base),
  };
}

export async function insertAlert(db: OpsDb, alert: NewAlert): Promise<Info> {
  const [row] = await db
    .insert(alertTable)
    .values({
      id: createId("alert"),
      ...alert,
      runbook: alertSection(alert),
      runId: alert.runId ?? null,
      createdAt: new Date(),
    })
    .returning();
  return toInfo(row!);
}

export interface AlertFilter {
  /** Not acknowledged (resolved ones included). */
  unacknowledged?: boolean;
  /** Neither acknowledged nor resolved: what still asks for a look. */
  open?: boolean;
  /** Only resolved alerts. */
  resolved?: boolean;
  limit?: number;
  /** The runbook's address the alerts link (default: `runbookBaseUrl()`). */
  runbookBase?: string;
}

export async function listAlerts(db: OpsDb, opts: AlertFilter = {}) {
  const where: SQL[] = [];
  if (opts.unacknowledged || opts.open) where.push(isNull(alertTable.acknowledgedAt));
  if (opts.open) where.push(isNull(alertTable.resolvedAt));
  if (opts.resolved) where.push(isNotNull(alertTable.resolvedAt));
  const rows = await db
    .select()
    .from(alertTable)
    .where(and(...where))
    .orderBy(desc(alertTable.id))
    .limit(opts.limit ?? 100);
  return rows.map((r) => toInfo(r, opts.runbookBase));
}

export async function acknowledgeAlert(
  db: OpsDb,
  id: string,
  by: string,
  runbookBase?: string,
): Promise<Info> {
  const [row] = await db
    .update(alertTable)
    .set({ acknowledgedAt: new Date(), acknowledgedBy: by })
    .where(eq(alertTable.id, id))
    .returning();
  if (!row) throw new VisibleError("not_found", "alert.not_found", `no alert ${id}`);
  return toInfo(row, runbookBase);
}

/** The most alerts one bulk acknowledge takes (the Alerts page shows at most 200). */
export const MAX_BULK_ACK = 500;

export interface BulkAckResult {
  /** Acknowledged now. */
  acknowledged: Info[];
  /** Acknowledged before (by whom they say): left as they were. */
  alreadyAcknowledged: string[];
  notFound: string[];
}

/** Acknowledge several alerts at once; ones already acknowledged keep who did it and when. */
export async function acknowledgeAlerts(
  db: OpsDb,
  ids: string[],
  by: string,
  runbookBase?: string,
): Promise<BulkAckResult> {
  const wanted = [...new Set(ids)];
  if (wanted.length > MAX_BULK_ACK) {
    throw new VisibleError(
      "input",
      "alert.too_many",
      `at most ${MAX_BULK_ACK} alerts at once (${wanted.length} given)`,
    );
  }
  if (!wanted.length) return { acknowledged: [], alreadyAcknowledged: [], notFound: [] };
  const rows = await db
    .update(alertTable)
    .set({ acknowledgedAt: new Date(), acknowledgedBy: by })
    .where(and(inArray(alertTable.id, wanted), isNull(alertTable.acknowledgedAt)))
    .returning();
  const done = new Set(rows.map((r) => r.id));
  const rest = wanted.filter((id) => !done.has(id));
  const existing = rest.length
    ? await db.select({ id: alertTable.id }).from(alertTable).where(inArray(alertTable.id, rest))
    : [];
  const known = new Set(existing.map((r) => r.id));
  return {
    acknowledged: rows.map((r) => toInfo(r, runbookBase)),
    alreadyAcknowledged: rest.filter((id) => known.has(id)),
    notFound: rest.filter((id) => !known.has(id)),
  };
}

/**
 * Mark the alerts about these runs resolved, saying by what; alerts already resolved keep their
 * first resolution. Returns how many were resolved now.
 */
export async function resolveRunAlerts(
  db: OpsDb,
  runs: { runId: string; resolution: string }[],
  at = new Date(),
): Promise<number> {
  let n = 0;
  for (const r of runs) {
    const rows = await db
      .update(alertTable)
      .set({ resolvedAt: at, resolution: r.resolution })
      .where(and(eq(alertTable.runId, r.runId), isNull(alertTable.resolvedAt)))
      .returning({ id: alertTable.id });
    n += rows.length;
  }
  return n;
}

/**
 * The local notifier: the ops store (shown by the console), and a webhook when configured. The
 * webhook's JSON is the stored alert plus `runbook`, the address of its runbook section.
 */
export function localNotifier(
  db: OpsDb,
  opts: { webhookUrl?: string; runbookUrl?: string } = {},
): Notifier {
  return {
    async notify(alert) {
      const stored = await insertAlert(db, alert);
      if (opts.webhookUrl) {
        const runbook = runbookUrl(alertSection(alert), opts.runbookUrl ?? runbookBaseUrl());
        // Delivery is best effort: the alert is already stored and shown in the console.
        await fetch(opts.webhookUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ ...stored, runbook }),
          signal: AbortSignal.timeout(5000),
        }).catch((err) => console.warn(`alert webhook failed: ${err}`));
      }
    },
  };
}
