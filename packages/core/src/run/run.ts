// The one Run model shared by local runs, Glue job runs and Step Functions executions.
import { z } from "zod";

/** The closed set of statuses; every engine's states map into it in `status.ts`. */
export const Statuses = [
  "QUEUED",
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "TIMED_OUT",
  "STOPPED",
] as const;
export const Status = z.enum(Statuses);
export type Status = z.infer<typeof Status>;

export const ActiveStatuses: readonly Status[] = ["QUEUED", "RUNNING"];
/** A run in one of these can be retried. */
export const FailedStatuses: readonly Status[] = ["FAILED", "TIMED_OUT", "STOPPED"];

export const Engine = z.enum(["local", "glue", "sfn"]);
export type Engine = z.infer<typeof Engine>;

export const Stats = z
  .object({
    rowsRead: z.number().int(),
    rowsLoaded: z.number().int(),
    rowsQuarantined: z.number().int(),
    columnsAdded: z.array(z.string()),
  })
  .partial()
  .catchall(z.unknown());
export type Stats = z.infer<typeof Stats>;

/**
 * Why a run failed, as far as retrying goes: "transient" — a retry may work (the warehouse was
 * unreachable, a timeout, throttling, a bug); "needs_fix" — the data or configuration must change
 * first (no key column, not UTF-8, an empty file, too many bad rows, …): a retry fails the same way.
 */
export const FailureClass = z.enum(["transient", "needs_fix"]);
export type FailureClass = z.infer<typeof FailureClass>;

export const Info = z.object({
  id: z.string(),
  pipeline: z.string(),
  engine: Engine,
  status: Status,
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  args: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
  stats: Stats,
  retryOf: z.string().nullable(),
  retriedBy: z.string().nullable(),
  /** Set when the run failed: whether a retry may work. Null for older runs and ones not failed. */
  failureClass: FailureClass.nullable(),
  /** For a "needs_fix" failure: what must change before a retry can succeed. */
  failureHint: z.string().nullable(),
  /**
   * A failed run whose retry chain ended in success is resolved: the run that succeeded, and
   * when. Recorded when that retry finishes, and derived from the chain when listing.
   */
  resolvedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
});
export type Info = z.infer<typeof Info>;

/** The facts a run has before anything classed or resolved it (engines' runs, new runs). */
export const noFailureFacts = {
  failureClass: null,
  failureHint: null,
  resolvedBy: null,
  resolvedAt: null,
} as const satisfies Partial<Info>;

export const ListFilter = z.object({
  status: z.array(Status).optional(),
  pipeline: z.array(z.string()).optional(),
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
  /**
   * false: leave out resolved runs (failed runs whose retry succeeded) — with a failed status,
   * the runs that still need attention; true: only resolved runs.
   */
  resolved: z.boolean().optional(),
  cursor: z.string().optional(),
  limit: z.number().int().min(1).max(500).default(50),
});
export type ListFilter = z.input<typeof ListFilter>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function isFailed(status: Status): boolean {
  return FailedStatuses.includes(status);
}

/** Failed, and no retry of it has succeeded yet: what an operator still has to look at. */
export function needsAttention(run: Pick<Info, "status" | "resolvedBy">): boolean {
  return isFailed(run.status) && !run.resolvedBy;
}

export function isActive(status: Status): boolean {
  return ActiveStatuses.includes(status);
}

export function durationMs(run: Pick<Info, "startedAt" | "finishedAt">, now = Date.now()) {
  if (!run.startedAt) return null;
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
  return end - Date.parse(run.startedAt);
}

/**
 * The chain of runs linked by retryOf/retriedBy that `start` belongs to, oldest first, with
 * `lookup` fetching a run by id (null when gone). Bounded, and safe against a cycle.
 */
export async function walkRetryChain(
  start: Info,
  lookup: (id: string) => Promise<Info | null>,
  max = 20,
): Promise<Info[]> {
  const chain = [start];
  const seen = new Set([start.id]);
  for (let cur = start; cur.retryOf && !seen.has(cur.retryOf) && chain.length < max; ) {
    const prev = await lookup(cur.retryOf);
    if (!prev) break;
    seen.add(prev.id);
    chain.unshift(prev);
    cur = prev;
  }
  for (let cur = start; cur.retriedBy && !seen.has(cur.retriedBy) && chain.length < max; ) {
    const next = await lookup(cur.retriedBy);
    if (!next) break;
    seen.add(next.id);
    chain.push(next);
    cur = next;
  }
  return chain;
}
