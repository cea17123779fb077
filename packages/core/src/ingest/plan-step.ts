// The ingest state machine's Plan step: record the run, read the file once (profiling it and
// writing the normalised staging CSV to the lake), describe the target table, build the plan, and
// store it for the Glue job (machine.ts has the documents they exchange).
import { z } from "zod";
import { rulePatterns } from "../quality/compile";
import { runIdOfExecution } from "../run/aws/ids";
import { activeRunFor, mergeStats } from "../run/store";
import { VisibleError } from "../util/error";
import { createId } from "../util/id";
import { boundViews, undroppableColumns } from "../warehouse/dependencies";
import { describeTable } from "../warehouse/warehouse";
import type { MalformedRecord } from "./csv-reader";
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
import { withoutOversized } from "./oversize";
import { buildPlan, type Plan, type PlanInput, planColumns } from "./plan";
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

  const dialect = deps.warehouse.dialect;
  if (dialect === "redshift" && !deps.s3) {
    throw new Error("planning for Redshift needs the lake bucket and the role for COPY/UNLOAD");
  }
  // Redshift: records too big for COPY are left out of the staging file and quarantined.
  const oversized: MalformedRecord[] = [];
  const staged = await readAndStage(deps.lake, sourceKey, key, {
    patterns: rulePatterns(quality.rules, table),
    stage: (header, chunks) =>
      deps.lake.put(
        keys.stagingKey,
        dialect === "redshift"
          ? withoutOversized(chunks, header, (r) => oversized.push(r))
          : chunks,
      ),
  });
  /** The file cannot be loaded: it goes to error/ with the reason, and the run fails. */
  const reject = async (reason: string): Promise<PlanStepOutput> => {
    await deps.lake.delete(keys.stagingKey).catch(() => {});
    const errorKey = await rejectFile(deps.lake, { runId, sourceKey, table, reason });
    await ingestLifecycle(deps).finish(runId, {
      status: "FAILED",
      error: reason,
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
      reason,
    };
  };
  if (!staged.ok) return reject(staged.reason);
  const { header, summary } = staged;
  const malformed = byRecord(staged.malformed, oversized);
  const rowsStaged = summary.rowsStaged - oversized.length;
  const malformedCount = summary.malformedCount + oversized.length;

  const existing = await describeTable(deps.warehouse, schema, table);
  const planInput: PlanInput = {
    runId: ingestId,
    table,
    schema,
    key,
    dialect,
    header,
    stats: summary.stats,
    // All records the stats counted (oversized ones too), so what they prove stays true.
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
  };
  // Only a widening needs to know what stands in its way (the catalog is read only then).
  if (existing && planColumns(planInput).some((c) => c.change === "widen")) {
    if (dialect === "redshift") {
      planInput.pinned = await undroppableColumns(deps.warehouse, dialect, schema, table);
    }
    planInput.views = await boundViews(deps.warehouse, schema, table);
  }
  let plan: Plan;
  try {
    plan = buildPlan(planInput);
  } catch (err) {
    // A file this plan cannot load (a view in the way, a statement too big for the Data API).
    if (err instanceof VisibleError && err.kind === "input") return reject(err.message);
    throw err;
  }
  const max = maxQuarantined(summary.rowsRead, settings.rejectThreshold);
  const job: IngestJob = {
    version: 1,
    runId,
    ingestId,
    sourceKey,
    table,
    key,
    rowsRead: summary.rowsRead,
    rowsStaged,
    malformedCount,
    rejectThreshold: settings.rejectThreshold,
    maxQuarantined: max,
    stagingKey: keys.stagingKey,
    malformedKey: malformed.length ? keys.malformedKey : null,
    resultsKey: keys.resultsKey,
    rejectsPrefix: keys.rejectsPrefix,
    mergeWhen:
      `SELECT CASE WHEN ${rowsStaged} > 0 AND count(DISTINCT "_cdp_row") + ${malformedCount} <= ${max} ` +
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

/** Two lists of records in record order, merged (the rejects file lists them in that order). */
function byRecord(a: readonly MalformedRecord[], b: readonly MalformedRecord[]): MalformedRecord[] {
  if (!b.length) return [...a];
  return [...a, ...b].sort((x, y) => x.recordNumber - y.recordNumber);
}
