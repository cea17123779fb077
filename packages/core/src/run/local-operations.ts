// The local adapter of the operations port: runs recorded in the ops store, retried by the runner.
import type { OpsDb } from "../ops/db";
import type { LocalRunner } from "./local-runner";
import type { Detail, Operations, RetryPreview } from "./operations";
import { type Info, isActive, isFailed } from "./run";
import { listRuns, mustGetRun, retryChain } from "./store";

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
  return {
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
    retry: (id) => runner.retry(id),
  };
}
