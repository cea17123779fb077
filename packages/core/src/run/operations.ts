// The operations port: what the console and CLI do with runs, whichever engine ran them.
// Local adapter: run/local-operations.ts; AWS adapter (Glue + Step Functions): run/aws/operations.ts.
import { VisibleError } from "../util/error";
import { needsFixWarning, retryNeedsFix } from "./failure";
import type { RetryOptions } from "./lifecycle";
import { FailedStatuses, type Info, ListFilter, type Page } from "./run";

export type { RetryOptions };

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
  /**
   * Why it was skipped or failed: a conflict code (run.already_retried, run.needs_fix, …) or an
   * error code. For programs; `reason` is what to show.
   */
  code?: string;
  /** In words: "already retried by run run_…", "needs a fix: …". */
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

export interface RetryMatchingOptions {
  /** At most this many runs (default 100). */
  max?: number;
  /** Retry runs that need a fix too (the operator confirmed); by default they are skipped. */
  includeNeedsFix?: boolean;
}

export interface Operations {
  list(filter: ListFilter): Promise<Page<Info>>;
  get(id: string): Promise<Detail>;
  /**
   * Start the retry of a failed run. Conflicts (VisibleError "conflict"): run.not_failed,
   * run.already_retried, run.already_running, and run.needs_fix for a run that needs a fix
   * retried without `confirm`.
   */
  retry(id: string, actor: string, opts?: RetryOptions): Promise<Info>;
  /**
   * Retry every failed run matching the filter, one at a time, skipping runs already retried,
   * runs that need a fix (unless `includeNeedsFix`), and runs blocked by a conflict. Stops early
   * after `max` runs (default 100) or when the engine throttles; `stoppedEarly` says why.
   */
  retryMatching(
    filter: RetryFilter,
    actor: string,
    onProgress?: (p: RetryProgress) => void,
    opts?: RetryMatchingOptions,
  ): Promise<RetryMatchingResult>;
}

/** A skip or failure of a bulk retry in words an operator reads (never just a code). */
export function skipReason(code: string, run: Info, message: string, by?: unknown): string {
  if (code === "run.already_retried") {
    const retry = run.retriedBy ?? (typeof by === "string" ? by : null);
    return retry ? `already retried by run ${retry}` : "already retried by another run";
  }
  if (code === "run.needs_fix")
    return `needs a fix first: ${run.failureHint ?? needsFixWarning(run)}`;
  return message;
}

/** `retryMatching` written once over `list` and `retry`, for every adapter. */
export async function retryMatchingWith(
  ops: Pick<Operations, "list" | "retry">,
  filter: RetryFilter,
  actor: string,
  onProgress?: (p: RetryProgress) => void,
  opts: RetryMatchingOptions = {},
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
    // A resolved run was retried and its retry succeeded: nothing to do, nothing to report.
    const page = await ops.list(
      ListFilter.parse({
        ...filter,
        resolved: filter.resolved ?? false,
        status,
        cursor,
        limit: 100,
      }),
    );
    for (const run of page.items) {
      if (processed >= max) {
        result.stoppedEarly = `stopped after ${max} runs; run it again to continue`;
        return result;
      }
      const skip = (code: string) => {
        const reason = skipReason(code, run, "");
        result.skipped.push({ id: run.id, code, reason });
        report({ run, outcome: "skipped", code, reason });
      };
      if (run.retriedBy) {
        skip("run.already_retried");
        continue;
      }
      if (retryNeedsFix(run) && !opts.includeNeedsFix) {
        skip("run.needs_fix");
        continue;
      }
      try {
        const retry = await ops.retry(run.id, actor, {
          confirm: opts.includeNeedsFix && retryNeedsFix(run),
        });
        result.retried.push({ id: run.id, retry });
        report({ run, outcome: "retried", retry });
      } catch (err) {
        if (!(err instanceof VisibleError)) throw err;
        const reason = skipReason(err.code, run, err.message, err.details?.runId);
        const entry = { id: run.id, code: err.code, reason };
        if (err.kind === "conflict") {
          result.skipped.push(entry);
          report({ run, outcome: "skipped", code: err.code, reason });
          continue;
        }
        result.failed.push(entry);
        report({ run, outcome: "failed", code: err.code, reason });
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
