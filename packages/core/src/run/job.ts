// A pipeline's job as an executor sees it: one call per run, given the run and a way to record
// the steps of its timeline. The local runner calls it in-process; the deployed tasks call the
// same verbs from their Lambdas.
import type { Failure } from "./failure";
import type { Info, Stats, Status } from "./run";

export interface JobContext {
  run: Info;
  /** Record a step of the run's timeline (shown in the console's run detail). */
  step(name: string, facts?: Record<string, unknown>): Promise<void>;
}

export interface JobResult {
  status?: Extract<Status, "SUCCEEDED" | "FAILED">;
  error?: string;
  stats?: Stats;
  /** For a failed run: may a retry work, or must something change first (default: transient)? */
  failure?: Failure;
}

export interface Job {
  run(ctx: JobContext): Promise<JobResult | undefined>;
  /** What work the arguments name (e.g. the source file): two runs of one work never overlap. */
  workKey?(args: Record<string, unknown>): string | undefined;
}
