// A pipeline as the platform knows it: one descriptor per pipeline folder (ingest/, selftest/,
// housekeeping/, …), gathered in ../pipelines.ts. Platforms, the API, the CLI and the console read
// descriptors; nothing else branches on a pipeline's name.
import type { z } from "zod";
import type { Notifier } from "./alert/alert";
import type { ObjectStore } from "./lake/lake";
import type { OpsDb } from "./ops/db";
import type { ExecutionRetry } from "./run/aws/sfn-retry";
import type { Job } from "./run/job";
import type { Secrets } from "./secrets/secrets";
import type { Warehouse } from "./warehouse/warehouse";

/** A run's arguments and stats, as stored (not yet parsed). */
export interface RunFacts {
  args: Record<string, unknown>;
  stats: Record<string, unknown>;
}

/** What a pipeline's job may use: the platform's ports. */
export interface PipelineDeps {
  ops: OpsDb;
  lake: ObjectStore;
  notifier: Notifier;
  /** Opened on first use: the warehouse is the slowest thing to open. */
  warehouse(): Promise<Warehouse>;
  /** Named secrets (credentials of external systems); the environment when a platform has none. */
  secrets?: Secrets;
}

/**
 * How an operator starts a pipeline by hand: "button" — with no arguments, from the console or
 * `cdp`; "file" — by handing it a file (upload, `cdp ingest`, the inbox); null — only its trigger
 * (a schedule, an event) starts it. Deployed, triggers start every pipeline.
 */
export type StartBy = "button" | "file" | null;

export interface Pipeline<
  N extends string = string,
  A extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>,
  S extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>,
> {
  name: N;
  /** One line: what a run of it does. */
  description: string;
  /** Its arguments (a run's `args`). */
  args: A;
  /**
   * Its stats (a run's `stats`), parsed once on the server. Every field has a default, so the
   * stats of a run that failed early (or is still running) parse too.
   */
  stats: S;
  start: StartBy;
  /**
   * What a run was about, in a few words, from its arguments and stats (ingest:
   * `customers ← customers_2026-11-06.csv`): the Runs list, the run page, alerts and the CLI lead
   * with it. Null when there is nothing to say beyond the pipeline's name.
   */
  subject?(run: RunFacts): string | null;
  /** Its counts in one line (ingest: `4 read · 3 loaded · 1 quarantined`), for `cdp start`'s log. */
  counts?(run: RunFacts): string | null;
  /** What the local runner executes (deployed, the state machine's tasks call the same verbs). */
  job(deps: PipelineDeps): Job;
  /** Run on a schedule (locally by `cdp start`'s scheduler; deployed by an EventBridge schedule). */
  schedule?: { everyMs: number; firstAfterMs?: number };
  /** Started locally by `cdp start` when a run of one of these pipelines succeeds (deployed: its event). */
  after?: readonly string[];
  /** Locally, `cdp start` retries a run of it that failed transiently after this long. */
  retryAfterMs?: number;
  /**
   * Deployed as a state machine: the name infra links it by (the console API reads its ARN from
   * there), the builder of its definition (infra deploys what it builds; tests run it), and how
   * the console retries a failed execution — redrive, or a new execution with what input
   * (run/aws/sfn-retry.ts; a machine that catches its failures into a Fail state never redrives).
   */
  stateMachine?: {
    resource: string;
    definition: (params: never) => object;
    retry: ExecutionRetry;
  };
}

/** A descriptor with its types kept (the registry's element type stays a union). */
export function pipeline<
  N extends string,
  A extends z.ZodType<Record<string, unknown>>,
  S extends z.ZodType<Record<string, unknown>>,
>(p: Pipeline<N, A, S>): Pipeline<N, A, S> {
  return p;
}
