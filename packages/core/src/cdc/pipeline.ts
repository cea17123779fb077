// The `cdc` pipeline: Oracle changes captured by AWS DMS (full load and CDC files under the lake's
// dms/) applied to their warehouse tables. Locally the runner runs cdc.ts in-process (job.ts);
// deployed, the cdc state machine (asl.ts) has a Glue job run the same plan (plan.ts) on Redshift.
import { pipeline } from "../pipeline";
import { cdcStateMachine } from "./asl";
import { cdcJob } from "./job";
import { cdcRetry } from "./machine";
import { CdcArgs, CdcStats, cdcCounts, cdcSubject, PIPELINE } from "./model";

export const cdc = pipeline({
  name: PIPELINE,
  description:
    "applies AWS DMS full-load and change files (dms/<SCHEMA>/<TABLE>/) to their warehouse tables",
  args: CdcArgs,
  stats: CdcStats,
  start: "file",
  subject: cdcSubject,
  counts: cdcCounts,
  job: (deps) =>
    cdcJob(async () => ({
      lake: deps.lake,
      ops: deps.ops,
      notifier: deps.notifier,
      warehouse: await deps.warehouse(),
    })),
  stateMachine: { resource: "CdcMachine", definition: cdcStateMachine, retry: cdcRetry },
});
