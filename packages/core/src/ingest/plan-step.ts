// The ingest state machine's Plan step: record the run, read the file once (profiling it and
// writing the normalised staging CSV to the lake), describe the target table, build the plan, and
// store it for the Glue job (machine.ts has the documents they exchange).
import { z } from "zod";
import { runIdOfExecution } from "../run/aws/ids";
import { activeRunFor, mergeStats } from "../run/store";
import { VisibleError } from "../util/error";
import { createId } from "../util/id";
import { describeTable } from "../warehouse/warehouse";
import { maxQuarantined } from "./findings";
import { fileNeedsFix } from "./fixes";
import { rejectFile } from "./lake-files";
import { ingestLifecycle } from "./lifecycle";
import {
  artifactKeys,
  ExecutionArn,
  eventKey,
  firstExisting,
  IngestInput,
  type IngestJob,
  type MachineDeps,
} from "./machine";
import { defaultQuality, PIPELINE } from "./model";
import { destinationKey } from "./naming";
import { buildPlan } from "./plan";
import { readAndStage, resolveTarget, settleKey } from "./steps";

export const PlanStepInput = z.object({ event: IngestInput, executionArn: ExecutionArn });
export type PlanStepInput = z.input<typeof PlanStepInput>;

export interface PlanStepOutput {
  runId: string;
  ingestId: string | null;
  planKey: string | null;
  table: string | null;
  sourceKey: string;
  /** Nothing for Glue to do: the file was rejected (rejected=true) or there is no work. */
  skip: boolean;
  rejected: boolean;
  reason: string | null;
}

/**
 * Record the run, read the file once (profiling it and writing the normalised staging CSV to the
 * lake), describe the target table, build the plan, and store it for the job.
 */
export async function planStep(deps: MachineDeps, input: PlanStepInput): Promise<PlanStepOutput> {
  const { event, executionArn } = PlanStepInput.parse(input);
  const quality = deps.quality ?? defaultQuality;
  const schema = deps.schema ?? "public";
  const runId = runIdOfExecution(executionArn);
  const bucket = event.detail.bucket.name;
  if (deps.s3 && bucket !== deps.s3.bucket) {
    throw new VisibleError(
      "input",
      "ingest.wrong_bucket",
      `the event is for bucket ${bucket}, not the lake (${deps.s3.bucket})`,
    );
  }
  const inboxKey = await eventKey(deps.lake, event.detail.object.key);
  const target = resolveTarget({ sourceKey: inboxKey }, quality);
  const { table, settings } = target;
  const nothing = (reason: string): PlanStepOutput => ({
    runId,
    ingestId: null,
    planKey: null,
    table,
    sourceKey: inboxKey,
    skip: true,
    rejected: false,
    reason,
  });

  // A console retry says where the failed run left the file; else it is in the inbox, or in
  // error/ where a failed attempt moved it.
  const sourceKey = await firstExisting(deps.lake, [
    event.retry?.sourceKey,
    inboxKey,
    destinationKey("error", table, inboxKey),
  ]);
  if (!sourceKey) {
    return nothing(`${inboxKey} is not in the lake any more (already ingested, or removed)`);
  }
  const active = await activeRunFor(deps.ops, inboxKey);
  if (active && active.id !== runId) {
    return nothing(`${inboxKey} is already being ingested by run ${active.id}`);
  }

  const ingestId = createId("run");
  const keys = artifactKeys(ingestId);
  await ingestLifecycle(deps).enter({
    pipeline: PIPELINE,
    engine: "sfn",
    id: runId,
    args: { sourceKey: inboxKey, bucket, executionArn },
    workKey: inboxKey,
    owner: executionArn,
  });
  const key = await settleKey(deps.warehouse, {
    schema,
    table,
    key: target.key,
    asked: target.keyAsked,
  });
  await mergeStats(deps.ops, runId, { ingestId, table, key });

  const staged = await readAndStage(deps.lake, sourceKey, key, {
    stage: (_header, chunks) => deps.lake.put(keys.stagingKey, chunks),
  });
  if (!staged.ok) {
    await deps.lake.delete(keys.stagingKey).catch(() => {});
    const errorKey = await rejectFile(deps.lake, {
      runId,
      sourceKey,
      table,
      reason: staged.reason,
    });
    await ingestLifecycle(deps).finish(runId, {
      status: "FAILED",
      error: staged.reason,
      stats: { sourceKey: errorKey, errorKey },
      failure: fileNeedsFix,
    });
    return {
      runId,
      ingestId,
      planKey: null,
      table,
      sourceKey: errorKey,
      skip: true,
      rejected: true,
      reason: staged.reason,
    };
  }
  const { header, summary, malformed } = staged;

  const dialect = deps.warehouse.dialect;
  if (dialect === "redshift" && !deps.s3) {
    throw new Error("planning for Redshift needs the lake bucket and the role for COPY/UNLOAD");
  }
  const existing = await describeTable(deps.warehouse, schema, table);
  const plan = buildPlan({
    runId: ingestId,
    table,
    schema,
    key,
    dialect,
    header,
    stats: summary.stats,
    rows: summary.rowsStaged,
    keyIncreasing: summary.keyIncreasing,
    existing,
    rules: quality.rules,
    ...(dialect === "redshift" && deps.s3
      ? {
          s3: {
            stagingUri: `s3://${deps.s3.bucket}/${keys.stagingKey}`,
            rejectsUri: `s3://${deps.s3.bucket}/${keys.rejectsPrefix}`,
            iamRole: deps.s3.iamRole,
          },
        }
      : {}),
  });
  const max = maxQuarantined(summary.rowsRead, settings.rejectThreshold);
  const job: IngestJob = {
    version: 1,
    runId,
    ingestId,
    sourceKey,
    table,
    key,
    rowsRead: summary.rowsRead,
    rowsStaged: summary.rowsStaged,
    malformedCount: summary.malformedCount,
    rejectThreshold: settings.rejectThreshold,
    maxQuarantined: max,
    stagingKey: keys.stagingKey,
    malformedKey: malformed.length ? keys.malformedKey : null,
    resultsKey: keys.resultsKey,
    rejectsPrefix: keys.rejectsPrefix,
    mergeWhen:
      `SELECT CASE WHEN ${summary.rowsStaged} > 0 AND count(DISTINCT "_cdp_row") + ${summary.malformedCount} <= ${max} ` +
      `THEN 1 ELSE 0 END AS "merge" FROM ${plan.rejects} WHERE "severity" = 'error'`,
    plan,
  };
  if (malformed.length) await deps.lake.put(keys.malformedKey, JSON.stringify(malformed));
  await deps.lake.put(keys.planKey, JSON.stringify(job));
  await mergeStats(deps.ops, runId, {
    rowsRead: summary.rowsRead,
    skippedRules: plan.skippedRules,
    planKey: keys.planKey,
  });
  return {
    runId,
    ingestId,
    planKey: keys.planKey,
    table,
    sourceKey,
    skip: false,
    rejected: false,
    reason: null,
  };
}
