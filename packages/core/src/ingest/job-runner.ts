// The ingest Glue job (packages/functions/src/glue/ingest.py) in TypeScript, for a warehouse that
// is not Redshift: it executes a stored IngestJob's plan phase by phase in the same order as the
// Python script, so the state machine runs end to end on a laptop and in the tests. Two phases
// differ only where PostgreSQL lacks Redshift's S3 commands:
//   load    — no COPY FROM s3: the staging CSV is streamed from the lake into the staging table;
//   unload  — no UNLOAD: the same rejected rows are written to the lake as the same CSV.
import type { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import type { ObjectStore } from "../lake/lake";
import { csvLine } from "../util/csv";
import { ident } from "../warehouse/ident";
import type { Warehouse } from "../warehouse/warehouse";
import type { RuleCountRow } from "./findings";
import type { IngestJob, IngestJobResults } from "./machine";
import { ROW } from "./plan";
import { rejectRowsFromWarehouse } from "./rejects";
import { runChecks, selectAndMerge } from "./steps";

export interface JobRunnerDeps {
  lake: ObjectStore;
  warehouse: Warehouse;
}

/** Run the plan stored at `planKey`; writes and returns the job's results. Throws on failure. */
export async function runIngestJob(
  deps: JobRunnerDeps,
  args: { planKey: string },
): Promise<IngestJobResults> {
  const { lake, warehouse: wh } = deps;
  const job = JSON.parse(await text(await lake.get(args.planKey))) as IngestJob;
  const { plan } = job;
  if (plan.dialect !== wh.dialect) {
    throw new Error(`the plan is for ${plan.dialect}; this warehouse speaks ${wh.dialect}`);
  }
  try {
    // prepare
    for (const sql of plan.prepare) await wh.query(sql);
    // load
    if (plan.load.length) {
      for (const sql of plan.load) await wh.query(sql);
    } else {
      const columns = [ROW, ...plan.columns.map((c) => ident(c.name))];
      await wh.copyCsv(plan.staging, columns, recordChunks(await lake.get(job.stagingKey)));
    }
    // check (and count repeated keys)
    const duplicateKeys = await runChecks(wh, plan);
    // report: what the checks found
    const failuresByRule = await wh.query<RuleCountRow>(plan.report.failuresByRule);
    const [q] = await wh.query<{ n: unknown }>(plan.report.quarantined);
    // select + merge (one transaction), when few enough records were rejected
    const [gate] = await wh.query<{ merge: unknown }>(job.mergeWhen);
    const merged = Number(gate?.merge) === 1;
    const counts = merged ? await selectAndMerge(wh, plan, duplicateKeys) : null;
    const loaded = counts?.loaded ?? 0;
    // unload the rejected rows
    if (plan.report.unloadRejects.length) {
      for (const sql of [...plan.report.rejectedRows, ...plan.report.unloadRejects])
        await wh.query(sql);
    } else {
      await unloadToLake(deps, job.plan, job.rejectsPrefix);
    }
    const results: IngestJobResults = {
      version: 1,
      ingestId: job.ingestId,
      failuresByRule: failuresByRule.map((r) => ({ ...r, n: Number(r.n) })),
      quarantined: Number(q?.n ?? 0),
      merged,
      loaded,
      changes:
        counts && plan.report.changes
          ? { inserted: counts.inserted, updated: counts.updated }
          : null,
    };
    await lake.put(job.resultsKey, JSON.stringify(results));
    return results;
  } finally {
    // cleanup, always
    for (const sql of plan.cleanup) await wh.query(sql).catch(() => {});
  }
}

/**
 * What a plan's UNLOAD writes, for a warehouse without UNLOAD (the cdc job's twin uses it too):
 * rule, error_type, severity, description, then the staged row, at `<rejectsPrefix>000`.
 */
export async function unloadToLake(
  deps: { lake: ObjectStore; warehouse: Warehouse },
  plan: Parameters<typeof rejectRowsFromWarehouse>[1],
  rejectsPrefix: string,
) {
  const columns = plan.columns.map((c) => c.name);
  async function* lines() {
    yield Buffer.from(
      csvLine(["rule", "error_type", "severity", "description", "_cdp_row", ...columns]),
    );
    for await (const page of rejectRowsFromWarehouse(deps.warehouse, plan)) {
      yield Buffer.from(
        page
          .map((r) =>
            csvLine([
              r.rule,
              r.errorType,
              r.severity,
              r.description,
              r.rowNumber,
              ...columns.map((c) => r.values[c]),
            ]),
          )
          .join(""),
      );
    }
  }
  await deps.lake.put(`${rejectsPrefix}000`, lines());
}

/**
 * A CSV stream re-cut into chunks of about `target` bytes that each end on a record boundary (a
 * line break outside quotes), as Warehouse.copyCsv requires.
 */
export async function* recordChunks(source: Readable, target = 4 << 20): AsyncGenerator<Buffer> {
  let inQuotes = false;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const data of source as AsyncIterable<Buffer>) {
    let start = 0;
    let cut = -1;
    for (let i = 0; i < data.length; i++) {
      const b = data[i];
      if (b === 0x22) inQuotes = !inQuotes;
      else if (b === 0x0a && !inQuotes && pendingBytes + (i + 1 - start) >= target) {
        cut = i + 1;
        pending.push(data.subarray(start, cut));
        yield Buffer.concat(pending);
        pending = [];
        pendingBytes = 0;
        start = cut;
      }
    }
    if (start < data.length) {
      pending.push(data.subarray(start));
      pendingBytes += data.length - start;
    }
  }
  if (pendingBytes) yield Buffer.concat(pending);
}
