// The audit log: every retry is recorded with who asked, when, which run and which run it started.
// Recorded by a decorator on the operations port, so the local and AWS adapters, the console, the
// CLI and bulk retries all go through it.
import { desc, eq, or } from "drizzle-orm";
import type { OpsDb } from "../ops/db";
import { type Operations, retryMatchingWith } from "../run/operations";
import { createId } from "../util/id";
import { auditTable } from "./audit.sql";

export interface Entry {
  id: string;
  at: string;
  actor: string;
  action: "retry";
  runId: string;
  newRunId: string | null;
  detail: Record<string, unknown>;
}

export async function recordAudit(db: OpsDb, e: Omit<Entry, "id" | "at">): Promise<void> {
  await db.insert(auditTable).values({ id: createId("audit"), at: new Date(), ...e });
}

export async function listAudit(
  db: OpsDb,
  opts: { runId?: string; limit?: number } = {},
): Promise<Entry[]> {
  const t = auditTable;
  const rows = await db
    .select()
    .from(t)
    .where(opts.runId ? or(eq(t.runId, opts.runId), eq(t.newRunId, opts.runId)) : undefined)
    .orderBy(desc(t.id))
    .limit(Math.min(opts.limit ?? 100, 1000));
  return rows.map((r) => ({ ...r, at: r.at.toISOString(), action: r.action as Entry["action"] }));
}

/** The operations port with every successful retry written to the audit log. */
export function audited(ops: Operations, db: OpsDb): Operations {
  const wrapped: Operations = {
    list: (f) => ops.list(f),
    get: (id) => ops.get(id),
    async retry(id, actor, opts) {
      const run = await ops.retry(id, actor, opts);
      await recordAudit(db, {
        actor,
        action: "retry",
        runId: id,
        newRunId: run.id,
        // A retry of a run that needed a fix was confirmed by whoever asked: say so.
        detail: { engine: run.engine, ...(opts?.confirm ? { confirmed: true } : {}) },
      });
      return run;
    },
    retryMatching: (filter, actor, onProgress, opts) =>
      retryMatchingWith(wrapped, filter, actor, onProgress, opts),
  };
  return wrapped;
}
