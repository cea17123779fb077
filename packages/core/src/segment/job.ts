// The `segment` pipeline for the local runner: one run segments every user (segment.ts).
import type { PipelineDeps } from "../pipeline";
import type { Job } from "../run/job";
import { SegmentArgs } from "./model";
import { runSegment } from "./segment";

export function segmentJob(deps: PipelineDeps): Job {
  return {
    // The same request twice (a double click, the schedule while one runs) is one run; another
    // request is a run of its own.
    workKey: (args) =>
      `segment:${JSON.stringify(Object.entries(args).sort(([a], [b]) => (a < b ? -1 : 1)))}`,
    async run({ run, step }) {
      const args = SegmentArgs.parse(run.args);
      const r = await runSegment(
        { lake: deps.lake, warehouse: await deps.warehouse() },
        run,
        args,
        step,
      );
      return { status: r.status, stats: r.stats };
    },
  };
}
