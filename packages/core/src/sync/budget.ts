// What a sync costs in API requests, which transport is cheaper, and the org's daily budget.
//
// The arithmetic (each HTTP request to the REST or Bulk API counts as one API request; Bulk API
// guide, "Limits": "Each HTTP request counts as one call"):
//   sObject Collections upsert: ceil(n / 200) requests (200 records per call, REST API guide,
//     "Upsert Records Using sObject Collections").
//   Bulk API 2.0: per job, create (1) + upload (1, up to 100 MB of CSV: 150 MB after base64
//     encoding; Bulk API 2.0 guide, "Limits" and "Prepare CSV Files") + close (1) + status polls
//     (backing off from 2 s to 30 s: 1–4 for most jobs) + successful results (1) + failed results
//     (1, only when some failed) + unprocessed records (1, only when some were left) ≈ 5–8.
// So Bulk pays from the point where ceil(n / 200) exceeds a job's worst case of 8 requests:
// above 1,600 records. (Salesforce's own guidance draws the line at 2,000 records: "Bulk API and
// Bulk API 2.0 Limits and Allocations".) SALESFORCE_BULK_THRESHOLD overrides it.
import type { OrgUsage } from "./connection";

export const COLLECTION_SIZE = 200;
/** A Bulk API 2.0 job's requests at worst, as counted above. */
export const BULK_JOB_CALLS = 8;
/** CSV bytes per Bulk API 2.0 job (100 MB, so the base64-encoded upload stays under 150 MB). */
export const MAX_JOB_BYTES = 100 * 1024 * 1024;

export const collectionsCalls = (n: number) => Math.ceil(n / COLLECTION_SIZE);

/** Records from which Bulk API 2.0 costs fewer requests: 1,601. */
export const DEFAULT_BULK_THRESHOLD = BULK_JOB_CALLS * COLLECTION_SIZE + 1;

export function chooseTransport(n: number, threshold: number | null): "collections" | "bulk" {
  return n >= (threshold ?? DEFAULT_BULK_THRESHOLD) ? "bulk" : "collections";
}

/** The requests sending n records (about `bytes` of CSV) will take with the chosen transport. */
export function estimateCalls(n: number, bytes: number, threshold: number | null): number {
  if (!n) return 0;
  if (chooseTransport(n, threshold) === "collections") return collectionsCalls(n);
  return Math.max(1, Math.ceil(bytes / MAX_JOB_BYTES)) * BULK_JOB_CALLS;
}

/**
 * The org's remaining daily API requests as last seen (from /limits, then from each response's
 * Sforce-Limit-Info) against the reserve the sync must leave to other integrations.
 */
export class Budget {
  constructor(
    private readonly usage: () => OrgUsage | null,
    readonly reserve: number,
  ) {}

  remaining(): number | null {
    const u = this.usage();
    return u ? u.max - u.used : null;
  }

  /** May the sync spend `calls` more requests and still leave the reserve? */
  allows(calls: number): boolean {
    const r = this.remaining();
    return r === null || r - calls >= this.reserve;
  }

  /** What the run says when it waits: how much is left, what it keeps, what it would need. */
  waitMessage(needed: number): string {
    const r = this.remaining();
    return `waiting for API budget: the org has ${r ?? "?"} daily API requests left, the sync keeps ${this.reserve} in reserve (SALESFORCE_API_RESERVE) and needs about ${needed}; the records are kept and sent by a later run`;
  }
}

/** Thrown inside a pass to stop the run cleanly; the records not sent are kept for the next run. */
export class StopSync extends Error {
  constructor(
    readonly code: "REQUEST_LIMIT_EXCEEDED" | "API_BUDGET" | "UNAVAILABLE" | "CONFIG" | "AUTH",
    message: string,
  ) {
    super(message);
    this.name = "StopSync";
  }
}

/** Exponential backoff with a little jitter: base·2^attempt, capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const d = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(d * (0.8 + Math.random() * 0.2));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
