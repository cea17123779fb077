// What `cdp start` starts when a run finishes, as the pipelines' descriptors declare it: a
// pipeline whose `after` names the finished run's pipeline starts when that run succeeded (the
// sync after each segmentation; if a sync is still going, another once it ends), and a run that
// failed on a passing fault is retried after its pipeline's `retryAfterMs` (a sync waiting for
// API budget). Deployed, events do both.
import { findPipeline, pipelines } from "@cdp/core/pipelines";
import type { Info } from "@cdp/core/run/run";
import type { LocalPlatform } from "./platform";

export interface FollowUps {
  /** Pipelines to start now. */
  start: string[];
  /** Retry the run after this long (null: no retry). */
  retryAfterMs: number | null;
}

export function followUps(run: Pick<Info, "pipeline" | "status" | "failureClass">): FollowUps {
  const start =
    run.status === "SUCCEEDED"
      ? pipelines.filter((p) => p.after?.includes(run.pipeline)).map((p) => p.name)
      : [];
  const failed = run.status === "FAILED" || run.status === "TIMED_OUT";
  const after = findPipeline(run.pipeline)?.retryAfterMs;
  const retryAfterMs = failed && run.failureClass !== "needs_fix" && after ? after : null;
  return { start, retryAfterMs };
}

export interface TriggerOptions {
  log?: (line: string) => void;
  /** How a retry waits (tests run it at once). */
  later?: (fn: () => void, ms: number) => NodeJS.Timeout;
}

export function startTriggers(
  platform: Pick<LocalPlatform, "onRunFinished" | "runner">,
  opts: TriggerOptions = {},
) {
  const log = opts.log ?? ((l: string) => console.log(l));
  const later = opts.later ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const timers = new Set<NodeJS.Timeout>();
  // Pipelines asked to start while a run of theirs was going (one at a time: that run came back
  // instead of a new one, and it read its input before): started again once that run finishes.
  const owed = new Map<string, string>();
  const start = (name: string, after: Pick<Info, "id" | "pipeline">) => {
    const asked = new Date().toISOString();
    platform.runner
      .submit(name, {})
      .then((r) => {
        if (r.createdAt < asked) {
          owed.set(name, r.id);
          log(
            `${name} run ${r.id} is still going: another starts when it ends (after ${after.pipeline} run ${after.id})`,
          );
        } else log(`${r.id} ${name} started after ${after.pipeline} run ${after.id}`);
      })
      .catch((err) => log(`could not start ${name} after ${after.id}: ${err.message ?? err}`));
  };
  const off = platform.onRunFinished((run) => {
    const next = followUps(run);
    for (const name of next.start) start(name, run);
    if (owed.get(run.pipeline) === run.id) {
      owed.delete(run.pipeline);
      start(run.pipeline, run);
    }
    if (next.retryAfterMs !== null) {
      log(
        `${run.id} ${run.pipeline} failed on a passing fault: retried in ${Math.round(next.retryAfterMs / 60_000)} min`,
      );
      const t = later(() => {
        timers.delete(t);
        // A retry someone else made first (the console, `cdp retry`) wins: nothing to do then.
        platform.runner
          .retry(run.id)
          .catch((err) => log(`retry of ${run.id}: ${err.message ?? err}`));
      }, next.retryAfterMs);
      t.unref();
      timers.add(t);
    }
  });
  return {
    stop() {
      off();
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
