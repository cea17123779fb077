// The cdc state machine's Report step, after the Glue job applied one file: what the checks found,
// the rejects file and failure records (from the rows the job UNLOADed), the counts (from the
// file's ledger row, written in the apply's transaction), schema history, the file to
// processed/dms/… (or error/dms/… when too many rows failed), and the file added to the run's stats.
// Then the machine goes back to Plan for the table's next file.
import { z } from "zod";
import type { MalformedRecord } from "../ingest/csv-reader";
import { checkReport, notifyQuarantine, overThreshold, thresholdReason } from "../ingest/findings";
import { moveSource } from "../ingest/lake-files";
import { objectsUnder, readJson, removeWorkFiles } from "../ingest/machine";
import { recordRejects, rejectRowsFromUnload } from "../ingest/rejects";
import { recordSchemaChanges } from "../ingest/schema-history";
import { schemaChanges } from "../ingest/steps";
import { mustGetRun } from "../run/store";
import { shareSchemaWithReader } from "../warehouse/read-only-sql";
import { type FileResult, failFile, noCounts } from "./apply";
import { cdcRejectsKey, dmsFile, dmsTable, doneKey } from "./files";
import type { CdcJob, CdcJobResults, CdcMachineDeps } from "./machine";
import { tally } from "./machine";

export const ReportStepInput = z.object({
  runId: z.string(),
  planKey: z.string(),
  jobRunId: z.string().optional(),
});
export type ReportStepInput = z.input<typeof ReportStepInput>;

export interface ReportStepOutput {
  fileKey: string;
  outcome: "applied" | "failed";
  /** Where the file is now. */
  movedTo: string;
}

const n = (v: unknown) => Number(v ?? 0);

export async function reportStep(
  deps: CdcMachineDeps,
  input: ReportStepInput,
): Promise<ReportStepOutput> {
  const { runId, planKey } = ReportStepInput.parse(input);
  const job = await readJson<CdcJob>(deps.lake, planKey);
  const run = await mustGetRun(deps.ops, runId);
  const reported = (run.stats as { reported?: { planKey: string } & ReportStepOutput }).reported;
  // Step Functions retried the step after it had finished (a lost Lambda response): answer with
  // what was recorded rather than counting the file twice.
  if (reported?.planKey === planKey) return reported;
  const results = await readJson<CdcJobResults>(deps.lake, job.resultsKey);
  const { plan, fileKey } = job;
  const table = dmsTable(job.source);
  const file = dmsFile({ key: fileKey, size: 0 });
  const found = checkReport(results.failuresByRule, results.quarantined, job.malformedCount);
  const counts = noCounts();
  counts.changes = job.rowsRead;
  counts.quarantined = found.quarantined;

  let rejectsKey: string | undefined;
  if (found.quarantined > 0) {
    rejectsKey = cdcRejectsKey(fileKey);
    const columns = plan.staged.map((c) => c.name);
    const malformed = job.malformedKey
      ? await readJson<MalformedRecord[]>(deps.lake, job.malformedKey)
      : [];
    await recordRejects(
      deps,
      { runId, table: table.target, sourceKey: fileKey, columns, rejectsAt: rejectsKey },
      rejectRowsFromUnload(objectsUnder(deps.lake, job.rejectsPrefix), columns),
      malformed,
    );
  }

  let r: FileResult;
  if (!results.merged) {
    if (!overThreshold(found.quarantined, job.rowsRead, job.rejectThreshold)) {
      throw new Error(
        `the job did not apply ${fileKey} although ${found.quarantined} of ${job.rowsRead} records were rejected: its gate and the report disagree`,
      );
    }
    const reason = thresholdReason({
      table: table.target,
      rowsRead: job.rowsRead,
      rowsQuarantined: found.quarantined,
      rejectThreshold: job.rejectThreshold,
      failures: found.failures,
    });
    const ctx = { runId, scratch: job.ingestId };
    r = { ...(await failFile(deps, ctx, table, file, reason, job.key, counts)), rejectsKey };
  } else {
    // The ledger row the apply's transaction wrote: how the file's last changes split.
    const [row] = await deps.warehouse.query<Record<string, unknown>>(plan.report.actions);
    counts.inserted = n(row?.inserted);
    counts.updated = n(row?.updated);
    counts.deleted = n(row?.deleted);
    counts.skippedStale = n(row?.skipped_stale);
    const last = counts.inserted + counts.updated + counts.deleted + counts.skippedStale;
    const stagedQuarantined = found.quarantined - job.malformedCount;
    counts.superseded = Math.max(0, job.rowsStaged - stagedQuarantined - last);
    Object.assign(counts, schemaChanges(plan));
    await recordSchemaChanges(deps.ops, {
      runId,
      table: table.target,
      sourceKey: fileKey,
      columns: plan.columns,
    });
    // A table in a new schema: readable through the SQL endpoint like the others.
    if (!plan.alreadyApplied) await shareSchemaWithReader(deps.warehouse, table.schema);
    const movedTo = await moveSource(deps.lake, fileKey, doneKey("processed", fileKey), runId);
    if (found.quarantined > 0) {
      await notifyQuarantine(deps.notifier, {
        runId,
        table: table.target,
        sourceKey: fileKey,
        rowsRead: job.rowsRead,
        rowsLoaded: counts.inserted + counts.updated + counts.deleted,
        rowsQuarantined: found.quarantined,
        errorKey: rejectsKey ?? null,
        failures: found.failures,
      });
    }
    r = { outcome: "applied", key: job.key, counts, movedTo, rejectsKey };
  }
  const out: ReportStepOutput = {
    fileKey,
    outcome: r.outcome === "failed" ? "failed" : "applied",
    movedTo: r.movedTo,
  };
  await tally(deps, runId, table, fileKey, r, { reported: { planKey, ...out } });
  await removeWorkFiles(deps.lake, job);
  return out;
}
