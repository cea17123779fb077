// The `segment` pipeline: users segmented by k-means on features from the warehouse (features.ts),
// results in the lake (ml/segments/<runId>/) and in the warehouse table _cdp.segments. Locally the
// runner runs segment.ts in-process (job.ts), daily and by hand; deployed, the ML state machine
// runs the same steps around SageMaker's training and batch transform.
import { pipeline } from "../pipeline";
import { segmentJob } from "./job";
import { PIPELINE, SegmentArgs, SegmentStats, segmentCounts, segmentSubject } from "./model";
import { segmentStateMachine } from "./sagemaker/asl";
import { segmentRetry } from "./sagemaker/machine";

export const segment = pipeline({
  name: PIPELINE,
  description:
    "segments users by k-means on features from the warehouse; results to ml/segments/ and _cdp.segments",
  args: SegmentArgs,
  stats: SegmentStats,
  start: "button",
  subject: segmentSubject,
  counts: segmentCounts,
  // Daily, as the deployed EventBridge schedule; the first one a few minutes after `cdp start`
  // (the sample's ingest has landed by then).
  schedule: { everyMs: 24 * 3_600_000, firstAfterMs: 5 * 60_000 },
  job: (deps) => segmentJob(deps),
  stateMachine: {
    resource: "SegmentMachine",
    definition: segmentStateMachine,
    retry: segmentRetry,
  },
});
