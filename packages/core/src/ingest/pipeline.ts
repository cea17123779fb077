// The `ingest` pipeline: one CSV file from the lake into its warehouse table. Locally the runner
// runs ingest.ts in-process (job.ts); deployed, the ingest state machine (asl.ts) runs the same
// steps as Lambdas around a Glue job (plan-step.ts, report-step.ts, failure-step.ts).
import { pipeline } from "../pipeline";
import { ingestStateMachine } from "./asl";
import { ingestJob } from "./job";
import { ingestRetry } from "./machine";
import { IngestArgs, IngestStats, ingestCounts, ingestSubject, PIPELINE } from "./model";

export const ingest = pipeline({
  name: PIPELINE,
  description: "loads a CSV file into its warehouse table (upsert by key)",
  args: IngestArgs,
  stats: IngestStats,
  start: "file",
  subject: ingestSubject,
  counts: ingestCounts,
  job: (deps) =>
    ingestJob(async () => ({
      lake: deps.lake,
      ops: deps.ops,
      notifier: deps.notifier,
      warehouse: await deps.warehouse(),
    })),
  // Never redriven: every failure ends in a Fail state; a retry re-ingests the file (machine.ts).
  stateMachine: { resource: "IngestMachine", definition: ingestStateMachine, retry: ingestRetry },
});
