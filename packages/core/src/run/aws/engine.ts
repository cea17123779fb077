// What the AWS operations adapter needs from each engine it lists and retries runs of (Glue job
// runs, Step Functions executions): the engine owns its run ids, its list sources, and everything
// about one run — its retry preview, its detail and the retry itself.
import type { OpsDb } from "../../ops/db";
import type { Detail, RetryAction } from "../operations";
import { type Info, type ListFilter, noFailureFacts } from "../run";
import type { Source } from "./merge";

export interface EngineContext {
  db: OpsDb;
  region: string;
  /**
   * Items per list call. Fixed, because an API NextToken is only valid with the arguments it was
   * issued for, and cursors re-read pages by token.
   */
  pageSize: number;
}

/** One run as its engine loaded it, with what the engine can do about it. */
export interface LoadedRun {
  /** The run, enriched from the ops store (arguments, stats, retry links). */
  info: Info;
  /** What a run of the same work shares with this one: Glue arguments, an execution's input. */
  sameWork: "arguments" | "input";
  /** A run of the same work still going, and the retry the engine itself made of this run. */
  twinAndSuccessor(): Promise<{ twin: Info | null; successor: string | null }>;
  /** What a retry would do (it may still be blocked: that is the adapter's to say). */
  preview(): { action: RetryAction; description: string };
  /** Engine facts and console links for the run detail. */
  detail(): Pick<Detail, "engineDetail" | "links">;
  /** Start the retry the preview describes (conflicts already checked). */
  retry(): Promise<Info>;
}

export interface AwsEngine {
  /** Is this id one of this engine's (whether or not the run exists)? */
  owns(id: string): boolean;
  /** The list sources for a filter: one per job or state machine (× status, where the API filters). */
  sources(f: ListFilter): Source[];
  /** The run; `run.not_found` when the engine has no such run. */
  load(id: string): Promise<LoadedRun>;
}

export const consoleUrl = (region: string) => `https://${region}.console.aws.amazon.com`;

/** The run a retry just started: nothing finished, nothing counted yet, linked to what it retries. */
export function startedRetry(
  failed: Info,
  run: Pick<Info, "id" | "pipeline" | "engine" | "status" | "createdAt" | "startedAt" | "args">,
): Info {
  return {
    ...run,
    finishedAt: null,
    error: null,
    stats: {},
    retryOf: failed.id,
    retriedBy: null,
    ...noFailureFacts,
  };
}
