// The local job runner: records every run in the ops store, runs jobs in-process with bounded
// concurrency, and starts work only after the row that records it is committed.
import { hostname } from "node:os";
import type { OpsDb } from "../ops/db";
import { errorMessage, isUniqueViolation, VisibleError } from "../util/error";
import { alreadyRetried } from "./errors";
import { type Info, isFailed, type Stats, type Status } from "./run";
import {
  activeRunFor,
  finishRun,
  insertRun,
  markRunning,
  mergeStats,
  mustGetRun,
  recoverOrphans,
  retryOfRun,
} from "./store";

export interface JobContext {
  run: Info;
  /** Record a step of the run's timeline (shown in the console's run detail). */
  step(name: string, facts?: Record<string, unknown>): Promise<void>;
}

export interface JobResult {
  status?: Extract<Status, "SUCCEEDED" | "FAILED">;
  error?: string;
  stats?: Stats;
}

export interface Job {
  run(ctx: JobContext): Promise<JobResult | undefined>;
  /** What work the arguments name (e.g. the source file): two runs of one work never overlap. */
  workKey?(args: Record<string, unknown>): string | undefined;
}

export interface RunnerOptions {
  concurrency?: number;
  /** Called once a run has finished and its final row is committed. */
  onFinished?: (run: Info) => Promise<void> | void;
}

export const processOwner = `${hostname()}:${process.pid}`;

/** Is the process with this id (on this host) still alive? */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Is the process named by an owner string (`host:pid`) still alive? Other hosts: assume yes. */
export function ownerAlive(owner: string): boolean {
  const [host, pid] = owner.split(":");
  if (host !== hostname()) return true;
  return Number(pid) === process.pid || pidAlive(Number(pid));
}

export class LocalRunner {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  private readonly done = new Map<string, Promise<Info>>();
  private readonly concurrency: number;

  constructor(
    private readonly db: OpsDb,
    private readonly jobs: Record<string, Job>,
    private readonly opts: RunnerOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? 2;
  }

  get pipelines(): string[] {
    return Object.keys(this.jobs);
  }

  /** Fail the runs a killed process left behind; call once on open. */
  recover(): Promise<string[]> {
    return recoverOrphans(this.db, ownerAlive);
  }

  /**
   * Record a run and schedule it. With a `workKey`, an active run of the same work is returned
   * instead of starting a second one.
   */
  async submit(
    pipeline: string,
    args: Record<string, unknown>,
    opts: { retryOf?: string } = {},
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
    }
    const run = await insertRun(this.db, {
      pipeline,
      args,
      retryOf: opts.retryOf,
      workKey,
      owner: processOwner,
    });
    this.schedule(run);
    return run;
  }

  async retry(id: string): Promise<Info> {
    const run = await mustGetRun(this.db, id);
    if (!isFailed(run.status)) {
      throw new VisibleError(
        "conflict",
        "run.not_failed",
        `run ${id} is ${run.status}; only failed, timed-out or stopped runs can be retried`,
        { status: run.status },
      );
    }
    if (run.retriedBy) throw alreadyRetried(id, run.retriedBy);
    try {
      return await this.submit(run.pipeline, run.args, { retryOf: id });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const winner = await retryOfRun(this.db, id);
      throw alreadyRetried(id, winner?.id ?? "another run");
    }
  }

  /** Resolves with the run's final state once it has finished. */
  wait(id: string): Promise<Info> {
    return this.done.get(id) ?? mustGetRun(this.db, id);
  }

  /** Resolves when nothing is running or queued in this process. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.done.values()]);
  }

  private schedule(run: Info) {
    const finished = new Promise<Info>((resolve) => {
      const start = () => {
        this.running++;
        this.execute(run)
          .then(resolve, () => resolve(mustGetRun(this.db, run.id)))
          .finally(() => {
            this.running--;
            this.done.delete(run.id);
            this.queue.shift()?.();
          });
      };
      if (this.running < this.concurrency) start();
      else this.queue.push(start);
    });
    this.done.set(run.id, finished);
  }

  private async execute(queued: Info): Promise<Info> {
    await markRunning(this.db, queued.id, processOwner);
    const run = { ...queued, status: "RUNNING" as const, startedAt: new Date().toISOString() };
    const timeline: { at: string; step: string }[] = [];
    const ctx: JobContext = {
      run,
      step: async (name, facts) => {
        timeline.push({ at: new Date().toISOString(), step: name });
        await mergeStats(this.db, run.id, { ...facts, timeline });
      },
    };
    let result: JobResult;
    try {
      result = (await this.jobs[run.pipeline]!.run(ctx)) ?? {};
    } catch (err) {
      result = { status: "FAILED", error: errorMessage(err) };
    }
    const status = result.status ?? "SUCCEEDED";
    const stats = result.stats ? { ...result.stats, timeline } : undefined;
    await finishRun(this.db, run.id, { status, error: result.error ?? null, stats });
    if (stats === undefined && timeline.length) await mergeStats(this.db, run.id, { timeline });
    const final = await mustGetRun(this.db, run.id);
    await this.opts.onFinished?.(final);
    return final;
  }
}
