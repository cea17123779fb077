// The cdc state machine's Plan step: take the table's turn (turn.ts), then the table's next file —
// read once (hashed, gunzipped, profiled, written to the lake as the normalised staging CSV),
// planned against the table as it is now, and stored for the Glue job; or settled here when there
// is nothing for the job to do (applied before, no changes, not a usable DMS file).
import { createHash } from "node:crypto";
import { z } from "zod";
import type { MalformedRecord } from "../ingest/csv-reader";
import { openCsv } from "../ingest/csv-reader";
import { maxQuarantined } from "../ingest/findings";
import { moveSource } from "../ingest/lake-files";
import { ExecutionArn, eventKey } from "../ingest/machine";
import { defaultQuality } from "../ingest/model";
import { withoutOversized } from "../ingest/oversize";
import { checkStatementSizes } from "../ingest/redshift-plan";
import { STAGING_CHUNK_BYTES, settleKey } from "../ingest/steps";
import { rulePatterns } from "../quality/compile";
import { runIdOfExecution } from "../run/aws/ids";
import { getRun } from "../run/store";
import { VisibleError } from "../util/error";
import { createId } from "../util/id";
import { normalizeName } from "../warehouse/ident";
import { REDSHIFT_MAX_BATCH_STATEMENTS } from "../warehouse/limits";
import { describeTable, supportsMerge } from "../warehouse/warehouse";
import { alreadyApplied, type FileResult, failFile, noCounts, skipFile } from "./apply";
import { restoreFailedFiles } from "./cdc";
import { ensure, fileProblem, readHashed } from "./file-input";
import { type DmsFile, type DmsTable, dmsFile, doneKey, ledgerKey, tombstoneTable } from "./files";
import {
  artifactKeys,
  CdcInput,
  type CdcJob,
  type CdcMachineDeps,
  cdcLifecycle,
  filesNeedFix,
  tableOfKey,
  tally,
} from "./machine";
import { CdcStats, DMS_COLUMNS, PIPELINE } from "./model";
import { buildCdcPlan, type CdcPlan } from "./plan";
import { takeTurn } from "./turn";

export const PlanStepInput = z.object({ event: CdcInput, executionArn: ExecutionArn });
export type PlanStepInput = z.input<typeof PlanStepInput>;

export interface PlanStepOutput {
  /**
   * apply: the Glue job runs `planKey`; next: a file was settled here, take the next one; queued:
   * another run holds the table and applies this file; nothing: no file waits; done: the run ended.
   */
  action: "apply" | "next" | "queued" | "nothing" | "done";
  runId: string;
  /** The run's outcome, when done. */
  status: "SUCCEEDED" | "FAILED" | null;
  reason: string | null;
  planKey: string | null;
  fileKey: string | null;
  table: string | null;
}

const DMS_NAMES = new Set<string>(Object.values(DMS_COLUMNS));

export async function planStep(
  deps: CdcMachineDeps,
  input: PlanStepInput,
): Promise<PlanStepOutput> {
  const { event, executionArn } = PlanStepInput.parse(input);
  const runId = runIdOfExecution(executionArn);
  const bucket = event.detail.bucket.name;
  if (deps.s3 && bucket !== deps.s3.bucket) {
    throw new VisibleError(
      "input",
      "cdc.wrong_bucket",
      `the event is for bucket ${bucket}, not the lake (${deps.s3.bucket})`,
    );
  }
  const key = await eventKey(deps.lake, event.detail.object.key);
  const out = (o: Partial<PlanStepOutput> & Pick<PlanStepOutput, "action">): PlanStepOutput => ({
    runId,
    status: null,
    reason: null,
    planKey: null,
    fileKey: null,
    table: null,
    ...o,
  });
  let table: ReturnType<typeof tableOfKey>;
  try {
    table = tableOfKey(key);
  } catch (err) {
    if (!(err instanceof VisibleError && err.kind === "input")) throw err;
    return unusableFolder(deps, { runId, executionArn, key, bucket, reason: err.message });
  }
  if (!table) {
    return out({
      action: "nothing",
      reason: `${key} is not a DMS file: they go in dms/<SCHEMA>/<TABLE>/<name>.csv`,
    });
  }
  // A console retry first puts back the files its failed run moved to error/dms/… — once, before
  // its run has taken the table: a file that fails again then stays in error/.
  const mine = event.retry ? await getRun(deps.ops, runId) : null;
  if (event.retry && !CdcStats.parse(mine?.stats ?? {}).tables.length) {
    await restoreFailedFiles(deps, event.retry.runId);
  }
  const turn = await takeTurn(deps, {
    runId,
    executionArn,
    table,
    bucket,
    args: {
      path: table.folder,
      bucket,
      executionArn,
      ...(event.retry ? { retryOf: event.retry.runId } : {}),
      ...(event.continues ? { continues: event.continues } : {}),
    },
  });
  const t = { table: table.target };
  if (turn.kind === "queued") {
    return out({
      ...t,
      action: "queued",
      reason: `run ${turn.holder} holds ${table.target}: it applies ${key} after the files before it`,
    });
  }
  if (turn.kind === "nothing") return out({ ...t, action: "nothing", reason: turn.reason });
  if (turn.kind === "done") {
    const status = turn.run.status === "SUCCEEDED" ? "SUCCEEDED" : "FAILED";
    const reason = turn.handOn
      ? `${turn.run.error ?? "applied its share"}; execution ${turn.handOn.name} carries on with ${table.folder}`
      : turn.run.error;
    return out({ ...t, action: "done", status, reason });
  }
  return planFile(deps, runId, table, turn.file);
}

/** A folder no warehouse table can be named after: the file goes to error/, the run fails. */
async function unusableFolder(
  deps: CdcMachineDeps,
  a: { runId: string; executionArn: string; key: string; bucket: string; reason: string },
): Promise<PlanStepOutput> {
  const life = cdcLifecycle(deps);
  await life.enter({
    id: a.runId,
    pipeline: PIPELINE,
    engine: "sfn",
    args: { path: a.key, bucket: a.bucket, executionArn: a.executionArn },
    workKey: a.key,
    owner: a.executionArn,
  });
  const source = a.key.split("/").slice(1, -1).join("/");
  const table: DmsTable = { source, schema: "", table: "", target: source };
  if (await deps.lake.exists(a.key)) {
    const file = dmsFile({ key: a.key, size: 0 });
    const r = await failFile(deps, { runId: a.runId, scratch: "" }, table, file, a.reason, null);
    await tally(deps, a.runId, table, a.key, r);
  }
  await life.finish(a.runId, { status: "FAILED", error: a.reason, failure: filesNeedFix });
  return {
    action: "done",
    runId: a.runId,
    status: "FAILED",
    reason: a.reason,
    planKey: null,
    fileKey: a.key,
    table: null,
  };
}

/** Thrown inside planFile to settle the file as failed (moved to error/ with this reason). */
class FileFailure extends Error {}

async function planFile(
  deps: CdcMachineDeps,
  runId: string,
  table: DmsTable,
  file: DmsFile,
): Promise<PlanStepOutput> {
  const quality = deps.quality ?? defaultQuality;
  const wh = deps.warehouse;
  const dialect = wh.dialect;
  if (dialect === "redshift" && !deps.s3) {
    throw new Error("planning for Redshift needs the lake bucket and the role for COPY/UNLOAD");
  }
  const workId = createId("run");
  const keys = artifactKeys(workId);
  const ctx = { runId, scratch: workId };
  const settled = async (r: FileResult): Promise<PlanStepOutput> => {
    await tally(deps, runId, table, file.key, r);
    return {
      action: "next",
      runId,
      status: null,
      reason: `${file.name}: ${r.outcome}${r.reason ? ` (${r.reason.split("\n")[0]})` : ""}`,
      planKey: null,
      fileKey: file.key,
      table: table.target,
    };
  };
  let key: string | null = null;
  try {
    const malformed: MalformedRecord[] = [];
    const oversized: MalformedRecord[] = [];
    const hash = createHash("sha256");
    const body = readHashed(await deps.lake.get(file.key), hash, /\.gz$/i.test(file.name));
    const csv = await openCsv(body, {
      onMalformed: (m) => malformed.push(m),
      chunkBytes: STAGING_CHUNK_BYTES,
      sequence: DMS_COLUMNS.changeSeq,
      op: DMS_COLUMNS.op,
      patterns: rulePatterns(quality.rules, table.target),
    });
    const header = csv.header;
    const data = header.filter((h) => !DMS_NAMES.has(h.name));
    if (!data.length) throw new FileFailure(`${file.name} has no data columns, only DMS's`);
    const configured = quality.tables[table.target]?.key;
    const asked = configured !== undefined;
    key = normalizeName(configured ?? data[0]!.name);
    key = await settleKey(wh, { schema: table.schema, table: table.table, key, asked });
    // Redshift: records too big for COPY are left out of the staging file and quarantined.
    await deps.lake.put(
      keys.stagingKey,
      dialect === "redshift"
        ? withoutOversized(csv.chunks(), header, (r) => oversized.push(r))
        : csv.chunks(),
    );
    const summary = csv.summary();
    const sha256 = hash.digest("hex");
    if (summary.rowsRead === 0) {
      // A header and no change: nothing to apply (and no table to make of types never seen).
      await deps.lake.delete(keys.stagingKey);
      const movedTo = await moveSource(deps.lake, file.key, doneKey("processed", file.key), runId);
      return settled({ outcome: "applied", key, counts: noCounts(), movedTo });
    }
    const plan = buildCdcPlan({
      runId,
      scratch: workId,
      file: { key: ledgerKey(file.key), sha256, kind: file.kind },
      schema: table.schema,
      table: table.table,
      tombstones: tombstoneTable(table),
      key,
      dialect,
      header,
      stats: summary.stats,
      seqOrdered: summary.sequenceOrdered,
      ops: summary.ops,
      merge: await supportsMerge(wh),
      rows: summary.rowsStaged,
      rowsRead: summary.rowsRead,
      existing: await describeTable(wh, table.schema, table.table),
      rules: quality.rules,
      appliedAt: new Date(),
      ...(deps.s3 && dialect === "redshift"
        ? {
            s3: {
              stagingUri: `s3://${deps.s3.bucket}/${keys.stagingKey}`,
              rejectsUri: `s3://${deps.s3.bucket}/${keys.rejectsPrefix}`,
              iamRole: deps.s3.iamRole,
            },
          }
        : {}),
    });
    await ensure(wh, plan.ensure);
    if (await alreadyApplied(wh, plan)) {
      await deps.lake.delete(keys.stagingKey);
      return settled(await skipFile(deps, ctx, file, key));
    }
    const settings = { ...quality.defaults, ...quality.tables[table.target] };
    const rejected = [...malformed, ...oversized].sort((a, b) => a.recordNumber - b.recordNumber);
    const job = cdcJobDocument({
      runId,
      workId,
      fileKey: file.key,
      table,
      key,
      sha256,
      rowsRead: summary.rowsRead,
      rowsStaged: summary.rowsStaged - oversized.length,
      malformedCount: summary.malformedCount + oversized.length,
      rejectThreshold: settings.rejectThreshold,
      plan,
    });
    if (rejected.length) await deps.lake.put(keys.malformedKey, JSON.stringify(rejected));
    else job.malformedKey = null;
    await deps.lake.put(keys.planKey, JSON.stringify(job));
    return {
      action: "apply",
      runId,
      status: null,
      reason: null,
      planKey: keys.planKey,
      fileKey: file.key,
      table: table.target,
    };
  } catch (err) {
    await deps.lake.delete(keys.stagingKey).catch(() => {});
    const problem =
      err instanceof FileFailure
        ? err.message
        : fileProblem(err) && `${file.name}: ${fileProblem(err)}`;
    if (!problem) throw err;
    return settled(await failFile(deps, ctx, table, file, problem, key));
  }
}

/**
 * plans/<workId>.json for one file: its plan, the Data API calls of its select and apply phases,
 * and the gate the job asks before applying (few enough rows rejected). Refused, as a file
 * problem, past the Data API's limits.
 */
export function cdcJobDocument(f: {
  runId: string;
  workId: string;
  fileKey: string;
  table: DmsTable;
  key: string;
  sha256: string;
  rowsRead: number;
  rowsStaged: number;
  malformedCount: number;
  rejectThreshold: number;
  plan: CdcPlan;
}): CdcJob {
  const { plan } = f;
  const keys = artifactKeys(f.workId);
  const batches = dataApiCalls(plan);
  const max = maxQuarantined(f.rowsRead, f.rejectThreshold);
  return {
    version: 1,
    kind: "cdc",
    runId: f.runId,
    ingestId: f.workId,
    fileKey: f.fileKey,
    source: f.table.source,
    target: f.table.target,
    key: f.key,
    sha256: f.sha256,
    rowsRead: f.rowsRead,
    rowsStaged: f.rowsStaged,
    malformedCount: f.malformedCount,
    rejectThreshold: f.rejectThreshold,
    stagingKey: keys.stagingKey,
    malformedKey: keys.malformedKey,
    resultsKey: keys.resultsKey,
    rejectsPrefix: keys.rejectsPrefix,
    mergeWhen:
      `SELECT CASE WHEN ${f.rowsStaged} > 0 AND count(DISTINCT "_cdp_row") + ${f.malformedCount} <= ${max} ` +
      `THEN 1 ELSE 0 END AS "merge" FROM ${plan.rejects} WHERE "severity" = 'error'`,
    plan: { ...plan, batches: { merge: batches, unique: batches } },
  };
}

/**
 * The select and apply phases as Redshift Data API calls, each one transaction: the apply's last
 * statement counts the changes applied (the script reads a count from a call's last statement;
 * Report reads the split from the ledger). Refused, as a file problem, past the Data API's limits.
 */
function dataApiCalls(plan: CdcPlan) {
  const apply = [
    ...plan.apply,
    `SELECT count(*) AS n FROM ${plan.changes} WHERE "_cdp_action" <> 'S'`,
  ];
  if (plan.dialect === "redshift") {
    if (apply.length > REDSHIFT_MAX_BATCH_STATEMENTS) {
      throw new VisibleError(
        "input",
        "cdc.batch_too_large",
        `applying this file takes ${apply.length} statements in one transaction (its schema changes); the Redshift Data API runs at most ${REDSHIFT_MAX_BATCH_STATEMENTS}: split the columns it adds over several files`,
      );
    }
    const every = [
      ...plan.prepare,
      ...plan.load,
      ...plan.check.map((c) => c.sql),
      ...plan.select,
      ...apply,
      ...plan.report.rejectedRows,
      ...plan.report.unloadRejects,
    ];
    checkStatementSizes(
      every.map((sql) => ({ what: sql, sql })),
      plan.columns.length,
    );
  }
  return [
    { sqls: plan.select, skipIf: null },
    { sqls: apply, skipIf: null },
  ];
}
