// How often the CDC page looks again. Pure, so the policy is tested without a browser. Files land
// in dms/ where the console cannot see (DMS, an operator, the watcher moving them on): closely
// while files wait (a run is about to apply them or is applying them), gently otherwise.

export const CDC_PENDING_POLL_MS = 2000;

/**
 * Deployed, each look lists the lake's dms/ and error/dms/ prefixes and asks the warehouse for
 * each table's newest change: kept gentle.
 */
export const CDC_IDLE_POLL_MS = 10_000;

/** Closely while any table has files waiting, else gently. */
export function cdcPollMs(tables: { filesPending: number }[] | undefined): number {
  return tables?.some((t) => t.filesPending > 0) ? CDC_PENDING_POLL_MS : CDC_IDLE_POLL_MS;
}
