// The operations port: what the console and CLI do with runs, whichever engine ran them.
// Local adapter: run/local-operations.ts; AWS adapter (Glue + Step Functions): run/aws/operations.ts.
import { VisibleError } from "../util/error";
import { FailedStatuses, type Info, ListFilter, type Page } from "./run";

export type RetryAction =
  /** Run the same work again with the same arguments (local runner, Glue StartJobRun). */
  | "rerun"
  /** Step Functions RedriveExecution: resume the failed execution from the failed state. */
  | "redrive"
  /**
   * Step Functions StartExecution under a name that marks the retry: the same input, or the input
   * the pipeline makes from the failed run (ingest: where the file is now).
   */
  | "restart";

export interface RetryPreview {
  action: RetryAction;
  /** What the retry will do, in words an operator can act on. */
  description: string;
  /** Set when a retry is not possible now (not failed, already retried, already running). */
  blockedReason: string | null;
}

export interface Detail extends Info {
  /** The runs linked by retryOf, oldest first, this one included. */
  chain: Info[];
  retry: RetryPreview;
  /** Engine-specific facts: Glue attempt and DPU-seconds, SFN failed state and cause, … */
  engineDetail: Record<string, unknown>;
  links: { label: string; url: string }[];
}

/** A bulk retry's filter: the list filter without paging (the bulk retry pages itself). */
export type RetryFilter = Omit<ListFilter, "cursor" | "limit">;

export interface RetryOutcome {
  run: Info;
  outcome: "retried" | "skipped" | "failed";
  /** The retry started (outcome "retried"). */
  retry?: Info;
  /** Why it was skipped or failed: a conflict code (run.already_retried, …) or an error code. */
  code?: string;
  reason?: string;
}

export interface RetryProgress {
  processed: number;
  retried: number;
  skipped: number;
  failed: number;
  last: RetryOutcome;
}

export interface RetryMatchingResult {
  retried: { id: string; retry: Info }[];
  skipped: { id: string; code: string; reason: string }[];
  failed: { id: string; code: string; reason: string }[];
  /** Set when the bulk retry stopped early: the `max` was reached or the engine throttled us. */
  stoppedEarly: string | null;
}

export interface Operations {
  list(filter: ListFilter): Promise<Page<Info>>;
  get(id: string): Promise<Detail>;
  /** Start the retry of a failed run. Conflicts (VisibleError "conflict"): run.not_failed, run.already_retried, run.already_running. */
  retry(id: string, actor: string): Promise<Info>;
  /**
   * Retry every failed run matching the filter, one at a time, skipping runs already retried
   * (or blocked by a conflict). Stops early after `max` runs (default 100) or when the engine
   * throttles; `stoppedEarly` says why.
   */
  retryMatching(
    filter: RetryFilter,
    actor: string,
    onProgress?: (p: RetryProgress) => void,
    opts?: { max?: number },
  ): Promise<RetryMatchingResult>;
}

/** `retryMatching` written once over `list` and `retry`, for every adapter. */
export async function retryMatchingWith(
  ops: Pick<Operations, "list" | "retry">,
  filter: RetryFilter,
  actor: string,
  onProgress?: (p: RetryProgress) => void,
  opts: { max?: number } = {},
): Promise<RetryMatchingResult> {
  const max = opts.max ?? 100;
  const status = (filter.status ?? [...FailedStatuses]).filter((s) => FailedStatuses.includes(s));
  const result: RetryMatchingResult = { retried: [], skipped: [], failed: [], stoppedEarly: null };
  if (!status.length) return result;
  let processed = 0;
  const report = (last: RetryOutcome) => {
    processed++;
    onProgress?.({
      processed,
      retried: result.retried.length,
      skipped: result.skipped.length,
      failed: result.failed.length,
      last,
    });
  };
  let cursor: string | undefined;
  do {
    const page = await ops.list(ListFilter.parse({ ...filter, status, cursor, limit: 100 }));
    for (const run of page.items) {
      if (processed >= max) {
        result.stoppedEarly = `stopped after ${max} runs; run it again to continue`;
        return result;
      }
      if (run.retriedBy) {
        const reason = `already retried as ${run.retriedBy}`;
        result.skipped.push({ id: run.id, code: "run.already_retried", reason });
        report({ run, outcome: "skipped", code: "run.already_retried", reason });
        continue;
      }
      try {
        const retry = await ops.retry(run.id, actor);
        result.retried.push({ id: run.id, retry });
        report({ run, outcome: "retried", retry });
      } catch (err) {
        if (!(err instanceof VisibleError)) throw err;
        const entry = { id: run.id, code: err.code, reason: err.message };
        if (err.kind === "conflict") {
          result.skipped.push(entry);
          report({ run, outcome: "skipped", code: err.code, reason: err.message });
          continue;
        }
        result.failed.push(entry);
        report({ run, outcome: "failed", code: err.code, reason: err.message });
        if (err.kind === "unavailable") {
          // Going on would only hammer a throttled or unavailable engine.
          result.stoppedEarly = `stopped: ${err.message}`;
          return result;
        }
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return result;
}
