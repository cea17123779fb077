// A bulk retry's NDJSON lines (POST /api/runs/retry-all), and what the console keeps of them
// while they arrive: running totals, the latest outcomes, and the final summary.

export type BulkOutcome = "retried" | "skipped" | "failed";

export interface ProgressLine {
  type: "progress";
  processed: number;
  retried: number;
  skipped: number;
  failed: number;
  last: { id: string; outcome: BulkOutcome; retryId: string | null; reason: string | null };
}

export interface Problem {
  id: string;
  code: string;
  reason: string;
}

/** How the retries a bulk retry started ended (when it waited for them). */
export interface Outcome {
  succeeded: number;
  failed: number;
  stillRunning: number;
}

export interface DoneLine {
  type: "done";
  /** Each retried run, the run that retries it, and that run's status when the summary was sent. */
  retried: { id: string; retryId: string; status?: string }[];
  skipped: Problem[];
  failed: Problem[];
  stoppedEarly: string | null;
  /** What actually happened, counted (older servers leave it out). */
  counts?: {
    retried: number;
    failedToStart: number;
    skippedAlreadyRetried: number;
    skippedNeedsFix: number;
    skippedOther: number;
  };
  outcome?: Outcome | null;
}

/** "2 succeeded, 1 failed again, 1 still running" — only the parts that are not zero. */
export function outcomeWords(o: Outcome): string {
  const parts = [
    o.succeeded ? `${o.succeeded} succeeded` : "",
    o.failed ? `${o.failed} failed again` : "",
    o.stillRunning ? `${o.stillRunning} still running` : "",
  ].filter(Boolean);
  return parts.join(", ") || "none finished";
}

/** Why runs were skipped or failed to start, in words (the API's codes are for programs). */
export function problemLabel(code: string): string {
  switch (code) {
    case "run.already_retried":
      return "Already retried";
    case "run.needs_fix":
      return "Needs a fix first";
    case "run.already_running":
      return "The same work is already running";
    case "run.not_failed":
      return "No longer failed";
    case "run.not_found":
      return "Gone";
    default:
      return "Could not be retried";
  }
}

export interface BulkProgress {
  processed: number;
  retried: number;
  skipped: number;
  failed: number;
  /** The newest outcomes first, at most `RECENT`. */
  recent: ProgressLine["last"][];
}

export const RECENT = 6;

export const noProgress: BulkProgress = {
  processed: 0,
  retried: 0,
  skipped: 0,
  failed: 0,
  recent: [],
};

export function isProgressLine(line: unknown): line is ProgressLine {
  return (
    typeof line === "object" && line !== null && (line as { type?: unknown }).type === "progress"
  );
}

export function isDoneLine(line: unknown): line is DoneLine {
  return typeof line === "object" && line !== null && (line as { type?: unknown }).type === "done";
}

/** Fold one progress line into the running view. */
export function addProgress(state: BulkProgress, line: ProgressLine): BulkProgress {
  return {
    processed: line.processed,
    retried: line.retried,
    skipped: line.skipped,
    failed: line.failed,
    recent: [line.last, ...state.recent].slice(0, RECENT),
  };
}

/** Skips grouped by why ("already retried as …" differs per run, so group by code). */
export function groupByCode(problems: Problem[]): { code: string; problems: Problem[] }[] {
  const groups = new Map<string, Problem[]>();
  for (const p of problems) groups.set(p.code, [...(groups.get(p.code) ?? []), p]);
  return [...groups].map(([code, ps]) => ({ code, problems: ps }));
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
