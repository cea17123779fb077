// sObject Collections upsert: 200 records per PATCH to composite/sobjects/<Object>/<ExternalId>,
// allOrNone false, so each record succeeds or fails on its own. The sync cuts the records into
// collections itself (jsforce's `allowRecursive` would do it too, but one failed call would then
// lose the results of the calls before it), records each call's outcomes before the next, and
// retries a call that met a 503 (jsforce does not retry PATCH).
import { errorMessage } from "../util/error";
import { type Budget, backoffMs, COLLECTION_SIZE, StopSync, sleep } from "./budget";
import {
  errorCodeOf,
  isLimitExceeded,
  isUnavailable,
  RETRYABLE_RECORD_CODES,
  type Session,
} from "./connection";
import type { SalesforceMapping } from "./mapping";
import type { OutRecord } from "./records";
import type { Outcome } from "./state";

export interface RetryPolicy {
  /** Retries of one request after a passing fault (503, network) before the run stops. */
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export interface PassContext {
  session: Session;
  mapping: SalesforceMapping;
  budget: Budget;
  retry: RetryPolicy;
  /** Keep a batch's outcomes (ops store, one transaction) before the next batch goes. */
  record(outcomes: Outcome[]): Promise<void>;
  step(name: string, facts?: Record<string, unknown>): Promise<void>;
}

export interface PassResult {
  /** Records to send again: a per-record error a retry may get past, or left unprocessed. */
  again: OutRecord[];
  /** Records never sent: the pass stopped first (`stop` says why). */
  unsent: OutRecord[];
  stop: StopSync | null;
}

/** Run `fn`, retrying passing faults with backoff; the last error is thrown. */
export async function retrying<T>(retry: RetryPolicy, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isUnavailable(err) || attempt >= retry.attempts) throw err;
      await sleep(backoffMs(attempt, retry.baseMs, retry.maxMs));
    }
  }
}

/** Why a request's failure stops the run, in the run's words. */
export function stopFor(err: unknown, what: string): StopSync {
  if (err instanceof StopSync) return err;
  const code = errorCodeOf(err);
  if (isLimitExceeded(err)) {
    return new StopSync(
      "REQUEST_LIMIT_EXCEEDED",
      `Salesforce refused ${what}: the org's daily API request limit is used up (REQUEST_LIMIT_EXCEEDED)`,
    );
  }
  if (isUnavailable(err)) {
    return new StopSync(
      "UNAVAILABLE",
      `Salesforce was unavailable for ${what} (${code ?? "network"}: ${errorMessage(err)}), after retries`,
    );
  }
  if (code === "INVALID_SESSION_ID" || /Unable to refresh session/.test(errorMessage(err))) {
    return new StopSync(
      "AUTH",
      `Salesforce ended the session and a new login failed: ${errorMessage(err)}`,
    );
  }
  return new StopSync(
    "CONFIG",
    `Salesforce rejected ${what}: ${code ? `${code}: ` : ""}${errorMessage(err)}`,
  );
}

interface SaveResult {
  success: boolean;
  created?: boolean;
  id?: string;
  errors?: { statusCode?: string; errorCode?: string; message?: string }[];
}

export async function collectionsPass(ctx: PassContext, records: OutRecord[]): Promise<PassResult> {
  const { conn } = ctx.session;
  const again: OutRecord[] = [];
  for (let i = 0; i < records.length; i += COLLECTION_SIZE) {
    const chunk = records.slice(i, i + COLLECTION_SIZE);
    if (!ctx.budget.allows(1)) {
      return {
        again,
        unsent: records.slice(i),
        stop: new StopSync(
          "API_BUDGET",
          ctx.budget.waitMessage(Math.ceil((records.length - i) / COLLECTION_SIZE)),
        ),
      };
    }
    let results: SaveResult[];
    try {
      results = (await retrying(ctx.retry, () =>
        conn.sobject(ctx.mapping.object).upsert(
          chunk.map((r) => ({ ...r.payload })),
          ctx.mapping.externalId,
          { allOrNone: false, allowRecursive: true },
        ),
      )) as SaveResult[];
    } catch (err) {
      return {
        again,
        unsent: records.slice(i),
        stop: stopFor(err, `a collections upsert of ${chunk.length} records`),
      };
    }
    const outcomes: Outcome[] = chunk.map((record, j) => {
      const res = results[j];
      if (res?.success) {
        return {
          record,
          status: "succeeded",
          created: res.created ?? null,
          sfId: res.id ?? null,
          transport: "collections",
        };
      }
      const e = res?.errors?.[0];
      const code = e?.statusCode ?? e?.errorCode ?? "UNKNOWN";
      if (RETRYABLE_RECORD_CODES.has(code)) again.push(record);
      return {
        record,
        status: "failed",
        errorCode: code,
        message: e?.message ?? "no result for this record",
        transport: "collections",
      };
    });
    await ctx.record(outcomes);
  }
  return { again, unsent: [], stop: null };
}
