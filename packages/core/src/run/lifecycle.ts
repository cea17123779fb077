// One run lifecycle for every executor — the local runner, the state machines' tasks, the AWS
// adapter: start a run (or re-enter it), record its steps, finish or fail it, claim its retry, and
// one "completed" path that records the run's metrics and raises the alert when it did not succeed
// — and, when a retry succeeded, resolves the failed runs before it in its chain.
import { eq } from "drizzle-orm";
import { type Notifier, resolveRunAlerts } from "../alert/alert";
import type { Metrics } from "../metric/metric";
import { runFailedSection } from "../monitoring/runbook";
import type { OpsDb } from "../ops/db";
import { errorMessage, isUniqueViolation, VisibleError } from "../util/error";
import { alreadyRetried, needsFixFirst } from "./errors";
import { type Failure, resolutionOf, retryNeedsFix, transient } from "./failure";
import { resolvedPoints, runPoints } from "./points";
import { type Engine, type Info, isFailed, type Stats, type Status } from "./run";
import { runTable } from "./run.sql";
import {
  finishRun,
  getRun,
  insertRun,
  markResolved,
  markRunning,
  mergeStats,
  mustGetRun,
  type NewRun,
  retryOfRun,
} from "./store";

export interface LifecycleDeps {
  ops: OpsDb;
  metrics: Metrics;
  notifier: Notifier;
  /** What a run was about (the registry's `subjectOf`), for alert titles and bodies. */
  subject?: (run: Info) => string | null;
}

export type Outcome = {
  status: Extract<Status, "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "STOPPED">;
  error?: string | null;
  /** Merged into the stats the run already has. */
  stats?: Stats;
  /** Whether a retry may work, for a run that did not succeed (default: transient). */
  failure?: Failure | null;
};

/** How a retry is asked for. */
export interface RetryOptions {
  /** The operator was told the run needs a fix and retries it anyway. */
  confirm?: boolean;
}

/**
 * How a run's failure is titled everywhere (alerts, logs): "ingest run failed", then what it was
 * about when its pipeline says: "ingest run failed: customers ← customers_2026-11-06.csv".
 */
export function failureTitle(run: Pick<Info, "pipeline" | "status">, subject?: string | null) {
  const title = `${run.pipeline} run ${run.status.toLowerCase().replace("_", " ")}`;
  return subject ? `${title}: ${subject}` : title;
}

export interface RunLifecycle {
  readonly ops: OpsDb;
  /** Record a new run (QUEUED unless `status` says otherwise). */
  record(input: NewRun): Promise<Info>;
  /**
   * Start a run under a known id (a state machine's execution): a new row, or — for a console
   * retry that recorded its run first, or a redrive that re-enters the first state — the existing
   * row set RUNNING again.
   */
  enter(run: {
    id: string;
    pipeline: string;
    engine: Engine;
    args: Record<string, unknown>;
    workKey: string;
    owner: string;
  }): Promise<void>;
  running(id: string, owner: string): Promise<void>;
  /** Facts learnt while the run goes (the table once the header is read, a timeline step). */
  note(id: string, stats: Stats): Promise<void>;
  /** The final row, then `completed`. */
  finish(id: string, outcome: Outcome): Promise<Info>;
  /**
   * Metrics for a finished run, and an alert when it did not succeed; a retry that succeeded
   * resolves the failed runs before it in its chain (their alerts too).
   */
  completed(run: Info): Promise<void>;
  /**
   * Check that a run may be retried now (failed, not retried yet, and — when it needs a fix —
   * confirmed) and start its retry with `start`; a concurrent second retry loses on the unique
   * index and is told which run won.
   */
  claimRetry(
    id: string,
    start: (failed: Info) => Promise<Info>,
    opts?: RetryOptions,
  ): Promise<Info>;
}

/**
 * The runs before `run` in its retry chain, newest first (bounded, safe against a cycle). Each was
 * retried, so each had failed — even where the ops store's row never heard (a deployed execution
 * whose failure step failed too leaves its row RUNNING).
 */
async function failedBefore(ops: OpsDb, run: Info): Promise<string[]> {
  const failed: string[] = [];
  const seen = new Set([run.id]);
  for (let id = run.retryOf; id && !seen.has(id) && seen.size <= 20; ) {
    seen.add(id);
    const prev = await getRun(ops, id);
    if (!prev) break;
    if (prev.status !== "SUCCEEDED") failed.push(prev.id);
    id = prev.retryOf;
  }
  return failed;
}

export function runLifecycle(deps: LifecycleDeps): RunLifecycle {
  const { ops } = deps;
  /** A retry succeeded: the failed runs before it are resolved, and so are their alerts. */
  const resolveChain = async (run: Info) => {
    const at = run.finishedAt ? new Date(run.finishedAt) : new Date();
    const resolved = await markResolved(ops, await failedBefore(ops, run), run.id, at);
    if (!resolved.length) return;
    const resolution = resolutionOf(run.id);
    await resolveRunAlerts(
      ops,
      resolved.map((r) => ({ runId: r.id, resolution })),
      at,
    );
    await deps.metrics.record(resolvedPoints(resolved));
  };
  const completed = async (run: Info) => {
    await deps.metrics.record(runPoints(run));
    if (run.status === "SUCCEEDED" && run.retryOf) {
      try {
        await resolveChain(run);
      } catch (err) {
        // The run succeeded and is recorded; listing derives the resolution from the chain, so a
        // failure here only delays the alerts' and metrics' part. Never fail the run over it.
        console.error(
          `run ${run.id} succeeded, but resolving ${run.retryOf}: ${errorMessage(err)}`,
        );
      }
    }
    if (run.status !== "SUCCEEDED") {
      const subject = deps.subject?.(run) ?? null;
      const error = run.error ?? "no error message";
      await deps.notifier.notify({
        kind: "run_failed",
        severity: "error",
        title: failureTitle(run, subject),
        message: subject ? `${subject}\n${error}` : error,
        runId: run.id,
        runbook: runFailedSection(run),
      });
    }
  };
  return {
    ops,
    record: (input) => insertRun(ops, input),
    async enter(run) {
      const now = new Date();
      const existing = await getRun(ops, run.id);
      if (existing) {
        await ops
          .update(runTable)
          .set({
            status: "RUNNING",
            startedAt: now,
            finishedAt: null,
            error: null,
            failureClass: null,
            failureHint: null,
            args: { ...existing.args, ...run.args },
            workKey: run.workKey,
            owner: run.owner,
          })
          .where(eq(runTable.id, run.id));
        return;
      }
      await ops.insert(runTable).values({
        ...run,
        status: "RUNNING",
        createdAt: now,
        startedAt: now,
      });
    },
    running: (id, owner) => markRunning(ops, id, owner),
    note: (id, stats) => mergeStats(ops, id, stats),
    async finish(id, outcome) {
      const before = await mustGetRun(ops, id);
      const stats = { ...before.stats, ...(outcome.stats ?? {}) };
      const failure = outcome.status === "SUCCEEDED" ? null : (outcome.failure ?? transient);
      await finishRun(ops, id, {
        status: outcome.status,
        error: outcome.error ?? null,
        stats,
        failure,
      });
      const run = await mustGetRun(ops, id);
      await completed(run);
      return run;
    },
    completed,
    async claimRetry(id, start, opts = {}) {
      const run = await mustGetRun(ops, id);
      if (!isFailed(run.status)) {
        throw new VisibleError(
          "conflict",
          "run.not_failed",
          `run ${id} is ${run.status}; only failed, timed-out or stopped runs can be retried`,
          { status: run.status },
        );
      }
      if (run.retriedBy) throw alreadyRetried(id, run.retriedBy);
      if (retryNeedsFix(run) && !opts.confirm) throw needsFixFirst(run);
      try {
        return await start(run);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        const winner = await retryOfRun(ops, id);
        throw alreadyRetried(id, winner?.id ?? "another run");
      }
    },
  };
}
