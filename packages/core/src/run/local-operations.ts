// The local adapter of the operations port: runs recorded in the ops store, retried by the runner.
import type { OpsDb } from "../ops/db";
import { VisibleError } from "../util/error";
import type { LocalRunner } from "./local-runner";
import { type Detail, type Operations, type RetryPreview, retryMatchingWith } from "./operations";
import { type Info, isActive, isFailed } from "./run";
import { listRuns, mustGetRun, retryChain, retryOfRun } from "./store";

export function previewLocalRetry(run: Info): RetryPreview {
  const description = `Runs ${run.pipeline} again locally with the same arguments.`;
  if (run.retriedBy) {
    return { action: "rerun", description, blockedReason: `already retried as ${run.retriedBy}` };
  }
  if (!isFailed(run.status)) {
    const why = isActive(run.status) ? "it is still going" : `it ${run.status.toLowerCase()}`;
    return {
      action: "rerun",
      description,
      blockedReason: `only failed runs can be retried; ${why}`,
    };
  }
  return { action: "rerun", description, blockedReason: null };
}

export function localOperations(db: OpsDb, runner: LocalRunner): Operations {
  const ops: Operations = {
    list: (filter) => listRuns(db, filter),
    async get(id): Promise<Detail> {
      const run = await mustGetRun(db, id);
      return {
        ...run,
        chain: await retryChain(db, id),
        retry: previewLocalRetry(run),
        engineDetail: {},
        links: [],
      };
    },
    async retry(id, _actor, opts) {
      try {
        return await runner.retry(id, opts);
      } catch (err) {
        // Two retries at once: the loser finds the winner already running the same work. Say so
        // as the port promises (already retried, naming the retry), not as an unrelated overlap.
        if (err instanceof VisibleError && err.code === "run.already_running") {
          const winner = await retryOfRun(db, id);
          if (winner) {
            throw new VisibleError(
              "conflict",
              "run.already_retried",
              `run ${id} was already retried as ${winner.id}`,
              { runId: winner.id },
            );
          }
        }
        throw err;
      }
    },
    retryMatching: (filter, actor, onProgress, opts) =>
      retryMatchingWith(ops, filter, actor, onProgress, opts),
  };
  return ops;
}
