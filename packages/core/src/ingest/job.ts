// The `ingest` pipeline for the local runner: one run per source file.
import type { Job } from "../run/job";
import { getRun } from "../run/store";
import { missingFileNeedsFix } from "./fixes";
import { type IngestDeps, ingestFile } from "./ingest";
import { IngestArgs } from "./model";

export function ingestJob(deps: () => Promise<IngestDeps>): Job {
  return {
    workKey: (args) => (typeof args.sourceKey === "string" ? args.sourceKey : undefined),
    async run({ run, step }) {
      const d = await deps();
      const args = IngestArgs.parse(run.args);
      let sourceKey = args.sourceKey;
      if (!(await d.lake.exists(sourceKey)) && run.retryOf) {
        // A retry: the failed attempt moved the file (to error/); take it from where it is now.
        const previous = await getRun(d.ops, run.retryOf);
        const moved = previous?.stats.sourceKey;
        if (typeof moved === "string") sourceKey = moved;
      }
      if (!(await d.lake.exists(sourceKey))) {
        return {
          status: "FAILED",
          error: `the source file ${sourceKey} is not in the lake any more (was it moved or deleted by hand?)`,
          failure: missingFileNeedsFix,
        };
      }
      const result = await ingestFile(d, run.id, { ...args, sourceKey }, step);
      return {
        status: result.status,
        error: result.error,
        stats: result.stats,
        failure: result.failure,
      };
    },
  };
}
