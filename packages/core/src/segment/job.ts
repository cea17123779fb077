// The `segment` pipeline for the local runner: one run segments every user (segment.ts).
import type { PipelineDeps } from "../pipeline";
import type { Job } from "../run/job";
import { SegmentArgs } from "./model";
import { runSegment } from "./segment";

export function segmentJob(deps: PipelineDeps): Job {
  return {
    // One run at a time: a fit takes every core, and runs replace the latest segments in turn.
    workKey: () => "segment",
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
