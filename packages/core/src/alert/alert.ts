// Alerts: what the operator must be told (a quarantine, a failed run). The notifier port delivers
// them: locally into the ops store (and an optional webhook), deployed to SNS.
import { desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import type { OpsDb } from "../ops/db";
import { VisibleError } from "../util/error";
import { createId } from "../util/id";
import { alertTable } from "./alert.sql";

export const Severity = z.enum(["info", "warning", "error"]);

export const NewAlert = z.object({
  kind: z.enum(["quarantine", "run_failed", "file_rejected"]),
  severity: Severity,
  title: z.string(),
  message: z.string(),
  runId: z.string().nullable().optional(),
});
export type NewAlert = z.infer<typeof NewAlert>;

export interface Info extends NewAlert {
  id: string;
  createdAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}

export interface Notifier {
  notify(alert: NewAlert): Promise<void>;
}

function toInfo(r: typeof alertTable.$inferSelect): Info {
  return {
    id: r.id,
    kind: r.kind as NewAlert["kind"],
    severity: r.severity as NewAlert["severity"],
    title: r.title,
    message: r.message,
    runId: r.runId,
    createdAt: r.createdAt.toISOString(),
    acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: r.acknowledgedBy,
  };
}

export async function insertAlert(db: OpsDb, alert: NewAlert): Promise<Info> {
  const [row] = await db
    .insert(alertTable)
    .values({ id: createId("alert"), ...alert, runId: alert.runId ?? null, createdAt: new Date() })
    .returning();
  return toInfo(row!);
}

export async function listAlerts(
  db: OpsDb,
  opts: { unacknowledged?: boolean; limit?: number } = {},
) {
  const rows = await db
    .select()
    .from(alertTable)
    .where(opts.unacknowledged ? isNull(alertTable.acknowledgedAt) : undefined)
    .orderBy(desc(alertTable.id))
    .limit(opts.limit ?? 100);
  return rows.map(toInfo);
}

export async function acknowledgeAlert(db: OpsDb, id: string, by: string): Promise<Info> {
  const [row] = await db
    .update(alertTable)
    .set({ acknowledgedAt: new Date(), acknowledgedBy: by })
    .where(eq(alertTable.id, id))
    .returning();
  if (!row) throw new VisibleError("not_found", "alert.not_found", `no alert ${id}`);
  return toInfo(row);
}

/** The local notifier: the ops store (shown by the console), and a webhook when configured. */
export function localNotifier(db: OpsDb, opts: { webhookUrl?: string } = {}): Notifier {
  return {
    async notify(alert) {
      const stored = await insertAlert(db, alert);
      if (opts.webhookUrl) {
        // Delivery is best effort: the alert is already stored and shown in the console.
        await fetch(opts.webhookUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(stored),
          signal: AbortSignal.timeout(5000),
        }).catch((err) => console.warn(`alert webhook failed: ${err}`));
      }
    },
  };
}
