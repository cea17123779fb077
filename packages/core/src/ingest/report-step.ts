// The ingest state machine's Report step, after the Glue job: what the checks found, the rejects
// file and failure records (from the rows the job UNLOADed), the file to processed/ (or error/ past
// the reject threshold), and the run finished (metrics, alerts).
import { z } from "zod";
import { mustGetRun } from "../run/store";
import type { MalformedRecord } from "./csv-reader";
import { checkReport, notifyQuarantine, overThreshold, thresholdReason } from "./findings";
import { thresholdNeedsFix } from "./fixes";
import { moveToProcessed, rejectFile } from "./lake-files";
import { ingestLifecycle } from "./lifecycle";
import {
  type IngestJob,
  type IngestJobResults,
  type MachineDeps,
  objectsUnder,
  readJson,
  removeWorkFiles,
} from "./machine";
import { IngestStats, type TargetStats } from "./model";
import { recordRejects, rejectRowsFromUnload, rejectsKeyFor, settleFailures } from "./rejects";
import { recordSchemaChanges } from "./schema-history";
import { mergedCounts, schemaChanges } from "./steps";

export const ReportStepInput = z.object({
  runId: z.string(),
  planKey: z.string(),
  jobRunId: z.string().optional(),
});
export type ReportStepInput = z.input<typeof ReportStepInput>;

export interface ReportStepOutput {
  status: "SUCCEEDED" | "FAILED";
  error: string | null;
  rowsLoaded: number;
  rowsQuarantined: number;
  sourceKey: string;
  errorKey: string | null;
}

export async function reportStep(
  deps: MachineDeps,
  input: ReportStepInput,
): Promise<ReportStepOutput> {
  const { runId, planKey, jobRunId } = ReportStepInput.parse(input);
  const done = await mustGetRun(deps.ops, runId);
  if (done.status === "SUCCEEDED" || done.status === "FAILED") {
    // Step Functions retried the step after it had finished (a lost Lambda response): answer
    // with what was recorded rather than moving the file twice.
    const s = IngestStats.parse(done.stats);
    return {
      status: done.status,
      error: done.error,
      ...pick({ ...s, sourceKey: s.sourceKey ?? "" }),
    };
  }
  const job = await readJson<IngestJob>(deps.lake, planKey);
  const results = await readJson<IngestJobResults>(deps.lake, job.resultsKey);
  const { plan, table, sourceKey } = job;

  const found = checkReport(results.failuresByRule, results.quarantined, job.malformedCount);
  const stats: TargetStats & { ingestId: string; jobRunId?: string } = {
    ingestId: job.ingestId,
    ...(jobRunId ? { jobRunId } : {}),
    table,
    key: job.key,
    rowsRead: job.rowsRead,
    rowsLoaded: 0,
    rowsQuarantined: found.quarantined,
    rowsInserted: 0,
    rowsUpdated: 0,
    rowsUnchanged: 0,
    columnsAdded: [],
    columnsWidened: [],
    sourceKey,
    errorKey: null,
    rejectsKey: null,
    failures: found.failures,
    skippedRules: plan.skippedRules,
    rejectThreshold: job.rejectThreshold,
  };

  if (stats.rowsQuarantined > 0) {
    stats.rejectsKey = await rejectsKeyFor(deps.lake, { table, sourceKey, runId });
    stats.errorKey = stats.rejectsKey;
    const malformed = job.malformedKey
      ? await readJson<MalformedRecord[]>(deps.lake, job.malformedKey)
      : [];
    const columns = plan.columns.map((c) => c.name);
    await recordRejects(
      deps,
      { runId, table, sourceKey, columns, rejectsAt: stats.errorKey },
      rejectRowsFromUnload(objectsUnder(deps.lake, job.rejectsPrefix), columns),
      malformed,
    );
  }

  let out: ReportStepOutput;
  if (overThreshold(stats.rowsQuarantined, stats.rowsRead, job.rejectThreshold)) {
    if (results.merged) {
      throw new Error(
        `the job merged ${job.ingestId} although ${stats.rowsQuarantined} of ${stats.rowsRead} records were rejected: its gate and the report disagree`,
      );
    }
    const reason = thresholdReason(stats);
    const errorKey = await rejectFile(deps.lake, { runId, sourceKey, table, reason });
    stats.sourceKey = errorKey;
    stats.errorKey = errorKey;
    await ingestLifecycle(deps).finish(runId, {
      status: "FAILED",
      error: reason,
      stats,
      failure: thresholdNeedsFix(table),
    });
    out = { status: "FAILED", error: reason, ...pick(stats) };
  } else {
    if (results.merged) {
      const split = mergedCounts(results.loaded, results.changes ?? null);
      stats.rowsLoaded = split.loaded;
      stats.rowsInserted = split.inserted;
      stats.rowsUpdated = split.updated;
      stats.rowsUnchanged = split.unchanged;
      Object.assign(stats, schemaChanges(plan));
      await recordSchemaChanges(deps.ops, { runId, table, sourceKey, columns: plan.columns });
    }
    await settleFailures(deps.ops, { runId, table, sourceKey });
    stats.sourceKey = await moveToProcessed(deps.lake, { runId, sourceKey, table });
    if (stats.rowsQuarantined > 0) {
      await notifyQuarantine(deps.notifier, { ...stats, runId, sourceKey });
    }
    await ingestLifecycle(deps).finish(runId, { status: "SUCCEEDED", stats });
    out = { status: "SUCCEEDED", error: null, ...pick(stats) };
  }
  await removeWorkFiles(deps.lake, job);
  return out;
}

const pick = (
  s: Pick<TargetStats, "rowsLoaded" | "rowsQuarantined" | "sourceKey" | "errorKey">,
) => ({
  rowsLoaded: s.rowsLoaded,
  rowsQuarantined: s.rowsQuarantined,
  sourceKey: s.sourceKey,
  errorKey: s.errorKey,
});
