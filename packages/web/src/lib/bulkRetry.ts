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

export interface DoneLine {
  type: "done";
  retried: { id: string; retryId: string }[];
  skipped: Problem[];
  failed: Problem[];
  stoppedEarly: string | null;
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
