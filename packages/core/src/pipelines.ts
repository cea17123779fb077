// The registry of pipelines: every pipeline folder's descriptor, in one list. Platforms, the API,
// the CLI and the console read it; a new pipeline is added here and nowhere else by name.
import type { z } from "zod";
import { cdc } from "./cdc/pipeline";
import { housekeeping } from "./housekeeping/pipeline";
import { ingest } from "./ingest/pipeline";
import type { RunFacts } from "./pipeline";
import type { StateMachineConfig } from "./run/aws/sfn";
import type { Info } from "./run/run";
import { segment } from "./segment/pipeline";
import { selftest } from "./selftest/pipeline";
import { sync } from "./sync/pipeline";
import { VisibleError } from "./util/error";

export const pipelines = [selftest, ingest, cdc, housekeeping, segment, sync] as const;

export type AnyPipeline = (typeof pipelines)[number];
export type PipelineName = AnyPipeline["name"];
export type StatsOf<N extends PipelineName> = z.output<Extract<AnyPipeline, { name: N }>["stats"]>;

export function findPipeline(name: string): AnyPipeline | undefined {
  return pipelines.find((p) => p.name === name);
}

export function mustFindPipeline(name: string): AnyPipeline {
  const p = findPipeline(name);
  if (!p) {
    throw new VisibleError(
      "input",
      "run.unknown_pipeline",
      `no pipeline "${name}" (have: ${pipelines.map((q) => q.name).join(", ")})`,
    );
  }
  return p;
}

/**
 * A deployed state machine as the AWS operations adapter takes it: with how its pipeline retries
 * a failed execution (a retry policy given explicitly is kept).
 */
export function operatedMachine(m: StateMachineConfig): StateMachineConfig {
  return { ...m, retry: m.retry ?? findPipeline(m.pipeline)?.stateMachine?.retry };
}

type Typed<R extends Info, N extends PipelineName> = Omit<R, "pipeline" | "stats"> & {
  pipeline: N;
  stats: StatsOf<N>;
  /** What the run was about (see `Pipeline.subject`); null when its pipeline says nothing more. */
  subject: string | null;
};

/** A run's counts in one line, from its pipeline's descriptor; null when it has none. */
export function countsOf(run: Pick<Info, "pipeline" | "args" | "stats">): string | null {
  const p: { counts?: (r: RunFacts) => string | null } | undefined = findPipeline(run.pipeline);
  try {
    return p?.counts?.({ args: run.args ?? {}, stats: run.stats ?? {} }) ?? null;
  } catch {
    return null;
  }
}

/** What a run was about, from its pipeline's descriptor; null when it has nothing to say. */
export function subjectOf(run: Pick<Info, "pipeline" | "args" | "stats">): string | null {
  const p: { subject?: (r: RunFacts) => string | null } | undefined = findPipeline(run.pipeline);
  try {
    return p?.subject?.({ args: run.args ?? {}, stats: run.stats ?? {} }) ?? null;
  } catch {
    return null; // a subject is a courtesy: never let it break a list
  }
}

/** A run whose stats have been parsed with its pipeline's schema: narrow it by `pipeline`. */
export type RunView<R extends Info = Info> = { [N in PipelineName]: Typed<R, N> }[PipelineName];

/**
 * A run as the API serves it: its stats parsed once, here, with its pipeline's schema (missing
 * facts read as their defaults). Stats that do not parse are served as stored.
 */
export function viewRun<R extends Info>(run: R): RunView<R> {
  const parsed = findPipeline(run.pipeline)?.stats.safeParse(run.stats);
  // The one place a run's stats get their pipeline's type: they were just parsed with its schema.
  const stats = parsed?.success ? parsed.data : run.stats;
  return { ...run, stats, subject: subjectOf(run) } as RunView<R>;
}

/** Arguments for a run of `name`, checked against its schema (a bad argument is a 400). */
export function checkArgs(name: string, args: Record<string, unknown>): Record<string, unknown> {
  const parsed = mustFindPipeline(name).args.safeParse(args);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new VisibleError(
    "input",
    "run.bad_args",
    `${name}: argument ${issue?.path.join(".") || "(args)"}: ${issue?.message ?? "invalid"}`,
  );
}
