// The `cdc` pipeline for the local runner: one run applies the DMS files under a lake path.
import type { Job } from "../run/job";
import type { CdcDeps } from "./apply";
import { applyDms } from "./cdc";
import { CdcArgs } from "./model";

export function cdcJob(deps: () => Promise<CdcDeps>): Job {
  return {
    // Two runs of one path never overlap; runs of overlapping paths take their tables in turn.
    workKey: (args) => (typeof args.path === "string" ? `cdc:${args.path}` : undefined),
    async run({ run, step }) {
      const result = await applyDms(await deps(), run, CdcArgs.parse(run.args), step);
      return { status: result.status, error: result.error, stats: result.stats };
    },
  };
}
