// How often the runs list looks again. Pure, so the policy is tested without a browser.
import type { RunStatusValue } from "../api/client";
import { isActive } from "../lib/status";

/** While anything on the page is still going: follow it closely. */
export const ACTIVE_POLL_MS = 1000;

/**
 * Otherwise the newest page still looks every few seconds: runs start where the console cannot
 * see (a file in the inbox, a schedule, another operator). Deployed, each look reads the engines'
 * list APIs, which AWS throttles per account, so it is gentle; TanStack Query pauses it while the
 * tab is hidden (refetchIntervalInBackground is off).
 */
export const IDLE_POLL_MS = 5000;

/** Often while a run on the page is going; else only the newest page, gently; else never. */
export function runsPollMs(
  items: { status: RunStatusValue }[] | undefined,
  cursor: string | undefined,
): number | false {
  if (items?.some((r) => isActive(r.status))) return ACTIVE_POLL_MS;
  // Older pages change only when one of their runs does; new runs land on the newest.
  return cursor ? false : IDLE_POLL_MS;
}
