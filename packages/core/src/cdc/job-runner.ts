// The Glue job for a stored CdcJob, in TypeScript, for a warehouse that is not Redshift: the
// phases of glue/ingest.py in the same order, over the same document, so the cdc state machine
// runs end to end in the tests. Where PostgreSQL lacks Redshift's S3 commands it does what they
// do: the staging CSV streams from the lake into staging (COPY), and the rejected rows are written
// to the lake as the same CSV (UNLOAD). Each Data API call of `plan.batches` is one transaction,
// as BatchExecuteStatement runs it.
import { text } from "node:stream/consumers";
import { recordChunks, unloadToLake } from "../ingest/job-runner";
import { runChecks } from "../ingest/steps";
import type { ObjectStore } from "../lake/lake";
import { ident } from "../warehouse/ident";
import type { Warehouse } from "../warehouse/warehouse";
import type { CdcJob, CdcJobResults } from "./machine";

export interface CdcJobRunnerDeps {
  lake: ObjectStore;
  warehouse: Warehouse;
}

/** Run the cdc job stored at `planKey`; writes and returns its results. Throws on failure. */
export async function runCdcJob(
  deps: CdcJobRunnerDeps,
  args: { planKey: string },
): Promise<CdcJobResults> {
  const { lake, warehouse: wh } = deps;
  const job = JSON.parse(await text(await lake.get(args.planKey))) as CdcJob;
  const { plan } = job;
  if (plan.dialect !== wh.dialect) {
    throw new Error(`the plan is for ${plan.dialect}; this warehouse speaks ${wh.dialect}`);
  }
  try {
    for (const sql of plan.prepare) await wh.query(sql);
    if (plan.load.length) {
      for (const sql of plan.load) await wh.query(sql);
    } else {
      const columns = ["_cdp_row", ...plan.staged.map((c) => c.name)].map(ident);
      await wh.copyCsv(plan.staging, columns, recordChunks(await lake.get(job.stagingKey)));
    }
    await runChecks(wh, plan);
    const failuresByRule = await wh.query<CdcJobResults["failuresByRule"][number]>(
      plan.report.failuresByRule,
    );
    const [q] = await wh.query<{ n: unknown }>(plan.report.quarantined);
    const [gate] = await wh.query<{ merge: unknown }>(job.mergeWhen);
    const merged = Number(gate?.merge) === 1;
    if (merged) {
      for (const call of plan.batches.unique) {
        await wh.transaction(async (tx) => {
          for (const sql of call.sqls) await tx.query(sql);
        });
      }
    }
    if (plan.report.unloadRejects.length) {
      for (const sql of [...plan.report.rejectedRows, ...plan.report.unloadRejects]) {
        await wh.query(sql);
      }
    } else {
      await unloadToLake(deps, { ...job.plan, columns: job.plan.staged }, job.rejectsPrefix);
    }
    const results: CdcJobResults = {
      version: 1,
      ingestId: job.ingestId,
      failuresByRule: failuresByRule.map((r) => ({ ...r, n: Number(r.n) })),
      quarantined: Number(q?.n ?? 0),
      merged,
      loaded: 0,
    };
    await lake.put(job.resultsKey, JSON.stringify(results));
    return results;
  } finally {
    for (const sql of plan.cleanup) await wh.query(sql).catch(() => {});
  }
}
