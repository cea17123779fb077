// The Sync page's pure parts, tested without a browser: what a run's note says (why it failed,
// why it waits, why it was a dry run), whether "Retry failed records" can go and why not, a
// payload as readable fields, a retry's outcome, and what a refused retry tells the operator.
import type { RunStatusValue } from "../../api/client";
import { isActive, isFailed } from "../../lib/status";

/** What the page reads of a sync run (the API's SyncRunSummary). */
export interface SyncRunFacts {
  runId: string;
  status: RunStatusValue;
  error: string | null;
  dryRun: boolean;
  dryRunReason: string | null;
  outboxKey: string | null;
  waitingForBudget: boolean;
  failed: number;
  unsent: number;
}

export type NoteTone = "error" | "wait" | "info";

export interface RunNote {
  tone: NoteTone;
  label: string;
  text: string;
}

/**
 * Why a run ended as it did, when that needs saying: it waits for the org's API budget (a later
 * run sends the rest), it failed (the run's error), or it was a dry run (to the outbox, and why).
 */
export function runNote(run: SyncRunFacts): RunNote | null {
  if (run.waitingForBudget) {
    return {
      tone: "wait",
      label: "Waiting for API budget",
      text: run.error ?? "the org's daily API budget is spent down to the reserve",
    };
  }
  if (isFailed(run.status)) {
    return { tone: "error", label: "Failed", text: run.error ?? "the run failed" };
  }
  if (run.dryRun) {
    const where = run.outboxKey ? `; written to ${run.outboxKey}` : "";
    return { tone: "info", label: "Dry run", text: `${run.dryRunReason ?? "dry run"}${where}` };
  }
  return null;
}

/** Records of the run Salesforce did not accept: refused, or never sent (the run stopped first). */
export const notAccepted = (run: Pick<SyncRunFacts, "failed" | "unsent">) =>
  run.failed + run.unsent;

/**
 * Why "Retry failed records" of `run` cannot go now, or null when it can: the run (or another
 * sync on the page) is still going — one sync runs at a time — or nothing of it failed.
 */
export function retryBlocked(
  run: SyncRunFacts,
  runs: Pick<SyncRunFacts, "runId" | "status">[],
): string | null {
  if (isActive(run.status)) return `${run.runId} is still running`;
  const going = runs.find((r) => r.runId !== run.runId && isActive(r.status));
  if (going) {
    return `sync run ${going.runId} is ${going.status.toLowerCase()}: one sync runs at a time`;
  }
  if (!notAccepted(run)) {
    return run.dryRun
      ? "a dry run sends nothing to Salesforce: nothing failed"
      : "Salesforce accepted every record of this run: nothing failed";
  }
  return null;
}

export interface PayloadField {
  field: string;
  value: string;
  /** null or "": Salesforce was told to clear the field. */
  empty: boolean;
}

/**
 * The fields sent, by name (the ops store keeps the payload as jsonb, which does not keep the
 * mapping's order), each value as text (objects as JSON).
 */
export function payloadFields(payload: Record<string, unknown> | null | undefined): PayloadField[] {
  const entries = Object.entries(payload ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.map(([field, v]) => {
    if (v === null || v === undefined || v === "") return { field, value: "null", empty: true };
    const value = typeof v === "object" ? JSON.stringify(v) : String(v);
    return { field, value, empty: false };
  });
}

/** What a finished sync run did, in one line: `1 sent · 1 created · 0 updated · 0 failed`. */
export function countsLine(stats: Record<string, unknown>): string {
  const n = (k: string) => (typeof stats[k] === "number" ? (stats[k] as number) : 0);
  const parts = [
    `${n("sent")} sent`,
    `${n("created")} created`,
    `${n("updated")} updated`,
    `${n("failed")} failed`,
  ];
  if (n("unsent")) parts.push(`${n("unsent")} not sent`);
  return parts.join(" · ");
}

/** The retry's outcome as the operator reads it under the button. */
export function retryOutcome(run: {
  id: string;
  status: RunStatusValue;
  error: string | null;
  stats: Record<string, unknown>;
}): { tone: "pending" | "ok" | "error"; text: string } {
  if (isActive(run.status)) {
    return { tone: "pending", text: "re-sending the records Salesforce did not accept…" };
  }
  if (run.status === "SUCCEEDED") return { tone: "ok", text: countsLine(run.stats) };
  return {
    tone: "error",
    text: `${countsLine(run.stats)}${run.error ? ` — ${run.error}` : ""}`,
  };
}

/**
 * A refused retry (the API's 409s and anything else that went wrong), for the operator. Reads an
 * ApiError by its shape (its stable `error` code, the run a busy refusal names in its body).
 */
export function retryRefusal(error: Error & { error?: unknown; body?: Record<string, unknown> }): {
  title: string;
  message: string;
  runId?: string;
} {
  const message = error.message;
  switch (error.error) {
    case "sync.nothing_to_retry":
      return { title: "Nothing to retry", message };
    case "sync.busy": {
      const runId = typeof error.body?.runId === "string" ? error.body.runId : undefined;
      return { title: "A sync is running", message, ...(runId ? { runId } : {}) };
    }
    case "sync.still_running":
      return { title: "Still running", message };
    default:
      return { title: "Retry refused", message };
  }
}
