// The local job runner: records every run in the ops store, runs jobs in-process with bounded
// concurrency, and starts work only after the row that records it is committed.
import { hostname } from "node:os";
import type { OpsDb } from "../ops/db";
import { errorMessage, VisibleError } from "../util/error";
import { pidAlive } from "../util/pid";
import { classifyError } from "./failure";
import type { Job, JobContext, JobResult } from "./job";
import type { RetryOptions, RunLifecycle } from "./lifecycle";
import type { Info } from "./run";
import { activeRunFor, INTERRUPTED, lastRunFor, mustGetRun, recoverOrphans } from "./store";

export interface RunnerOptions {
  concurrency?: number;
  /** Called once a run has finished, its final row is committed and `completed` has run. */
  onFinished?: (run: Info) => Promise<void> | void;
}

/** How many runs started by hand may wait for a slot at once. */
export const MAX_WAITING_BY_HAND = 20;

export const processOwner = `${hostname()}:${process.pid}`;

/** Is the process named by an owner string (`host:pid`) still alive? Other hosts: assume yes. */
export function ownerAlive(owner: string): boolean {
  const [host, pid] = owner.split(":");
  if (host !== hostname()) return true;
  return Number(pid) === process.pid || pidAlive(Number(pid));
}

export { pidAlive };

export class LocalRunner {
  private running = 0;
  /** Runs waiting for a slot: those from triggers (files, schedules, retries) go first. */
  private readonly queue: (() => void)[] = [];
  /** Runs started by hand, which wait behind the others and are bounded in number. */
  private readonly byHand: (() => void)[] = [];
  /** Runs started by hand being recorded, not queued yet: they count against the limit too. */
  private recordingByHand = 0;
  private readonly done = new Map<string, Promise<Info>>();
  private readonly concurrency: number;

  private readonly db: OpsDb;

  constructor(
    private readonly lifecycle: RunLifecycle,
    private readonly jobs: Record<string, Job>,
    private readonly opts: RunnerOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? 2;
    this.db = lifecycle.ops;
  }

  get pipelines(): string[] {
    return Object.keys(this.jobs);
  }

  /**
   * Fail the runs a killed process left behind, each with its metrics and its failure alert as
   * any failed run (the operator is told, not only the runs list); call once on open.
   */
  async recover(): Promise<string[]> {
    const ids = await recoverOrphans(this.db, ownerAlive);
    for (const id of ids) await this.lifecycle.completed(await mustGetRun(this.db, id));
    return ids;
  }

  /**
   * Record a run and schedule it. With a `workKey`, an active run of the same work is returned
   * instead of starting a second one. With `resume` (the watchers, finding a file still in place),
   * work whose last run was interrupted (its process killed) starts as that run's retry, so the
   * failed run is resolved by it rather than left beside an unrelated new run.
   */
  async submit(
    pipeline: string,
    args: Record<string, unknown>,
    opts: { retryOf?: string; byHand?: boolean; resume?: boolean } = {},
  ): Promise<Info> {
    const job = this.jobs[pipeline];
    if (!job) {
      throw new VisibleError(
        "input",
        "run.unknown_pipeline",
        `no pipeline "${pipeline}" (have: ${this.pipelines.join(", ")})`,
      );
    }
    const workKey = job.workKey?.(args);
    if (workKey) {
      const active = await activeRunFor(this.db, workKey);
      if (active && opts.retryOf) {
        throw new VisibleError(
          "conflict",
          "run.already_running",
          `${active.id} is already ${active.status.toLowerCase()} on the same work (${workKey})`,
          { runId: active.id },
        );
      }
      if (active) return active;
      if (opts.resume && !opts.retryOf) {
        const last = await lastRunFor(this.db, workKey);
        if (last?.error?.startsWith(INTERRUPTED) && !last.retriedBy) {
          // An operator's retry may win the race: then that run is the one doing the work.
          return this.retry(last.id).catch(async (err) => {
            const now = await activeRunFor(this.db, workKey);
            if (now) return now;
            throw err;
          });
        }
      }
    }
    const byHand = opts.byHand ?? false;
    if (byHand) {
      const waiting = this.byHand.length + this.recordingByHand;
      if (waiting >= MAX_WAITING_BY_HAND) {
        throw new VisibleError(
          "busy",
          "run.queue_full",
          `${waiting} runs started by hand are already waiting; start more once they have run`,
        );
      }
      this.recordingByHand++;
    }
    try {
      const run = await this.lifecycle.record({
        pipeline,
        args,
        retryOf: opts.retryOf,
        workKey,
        owner: processOwner,
      });
      this.schedule(run, byHand);
      return run;
    } finally {
      if (byHand) this.recordingByHand--;
    }
  }

  retry(id: string, opts: RetryOptions = {}): Promise<Info> {
    return this.lifecycle.claimRetry(
      id,
      (run) => this.submit(run.pipeline, run.args, { retryOf: id }),
      opts,
    );
  }

  /** Resolves with the run's final state once it has finished. */
  wait(id: string): Promise<Info> {
    return this.done.get(id) ?? mustGetRun(this.db, id);
  }

  /** Resolves when nothing is running or queued in this process. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.done.values()]);
  }

  private schedule(run: Info, byHand: boolean) {
    const finished = new Promise<Info>((resolve) => {
      const start = () => {
        this.running++;
        this.execute(run)
          .then(resolve, () => resolve(mustGetRun(this.db, run.id)))
          .finally(() => {
            this.running--;
            this.done.delete(run.id);
            (this.queue.shift() ?? this.byHand.shift())?.();
          });
      };
      if (this.running < this.concurrency) start();
      else (byHand ? this.byHand : this.queue).push(start);
    });
    this.done.set(run.id, finished);
  }

  private async execute(queued: Info): Promise<Info> {
    await this.lifecycle.running(queued.id, processOwner);
    const run = { ...queued, status: "RUNNING" as const, startedAt: new Date().toISOString() };
    const timeline: { at: string; step: string }[] = [];
    const ctx: JobContext = {
      run,
      step: async (name, facts) => {
        timeline.push({ at: new Date().toISOString(), step: name });
        await this.lifecycle.note(run.id, { ...facts, timeline });
      },
    };
    let result: JobResult;
    try {
      result = (await this.jobs[run.pipeline]!.run(ctx)) ?? {};
    } catch (err) {
      result = { status: "FAILED", error: errorMessage(err), failure: classifyError(err) };
    }
    const final = await this.lifecycle.finish(run.id, {
      status: result.status ?? "SUCCEEDED",
      error: result.error,
      failure: result.failure,
      stats: { ...result.stats, ...(timeline.length ? { timeline } : {}) },
    });
    await this.opts.onFinished?.(final);
    return final;
  }
}
