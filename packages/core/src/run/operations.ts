// The operations port: what the console and CLI do with runs, whichever engine ran them.
// Local adapter: run/local-operations.ts; AWS adapter (Glue + Step Functions): run/aws-operations.ts.
import type { Info, ListFilter, Page } from "./run";

export type RetryAction =
  /** Run the same work again with the same arguments (local runner, Glue StartJobRun). */
  | "rerun"
  /** Step Functions RedriveExecution: resume the failed execution from the failed state. */
  | "redrive"
  /** Step Functions StartExecution with the same input under a name that marks the retry. */
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

export interface Operations {
  list(filter: ListFilter): Promise<Page<Info>>;
  get(id: string): Promise<Detail>;
  /** Start the retry of a failed run. Conflicts (VisibleError "conflict"): run.not_failed, run.already_retried, run.already_running. */
  retry(id: string, actor: string): Promise<Info>;
}
