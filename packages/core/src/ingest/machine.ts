// The ingest state machine's steps (asl.ts): Plan, Report and ReportFailure, the verbs its Lambdas
// call, and the two documents they exchange with the Glue job through the lake:
//
//   plans/<ingestId>.json    IngestJob: the Plan and what the job needs around it (written by Plan)
//   results/<ingestId>.json  IngestJobResults: what the checks found, whether it merged (the job)
//   staging/<ingestId>.csv   the normalised staging CSV Redshift COPYs (Plan; removed by Report)
//   rejects/<ingestId>/…     the rejected rows the job UNLOADed (removed by Report)
//
// Every step works on the ports only, so the same code runs in the Lambdas (S3, Redshift Data API,
// Aurora) and in the tests, which execute the deployed definition against a lake folder and
// PGlite/PostgreSQL. Two ids: `runId` is the run the console shows (the execution's id, as the
// AWS operations adapter names it: sfn:<stateMachine>:<execution>); `ingestId` (run_<ulid>) names
// the run's staging tables and lake files, which need a short, SQL-safe name.
import { text } from "node:stream/consumers";
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Notifier } from "../alert/alert";
import type { ObjectStore } from "../lake/lake";
import { type Metrics, runPoints } from "../metric/metric";
import type { OpsDb } from "../ops/db";
import { runIdOfExecution } from "../run/aws/ids";
import type { Status } from "../run/run";
import { runTable } from "../run/run.sql";
import { activeRunFor, finishRun, mergeStats, mustGetRun } from "../run/store";
import { VisibleError } from "../util/error";
import { createId } from "../util/id";
import { describeTable, type Warehouse } from "../warehouse/warehouse";
import type { MalformedRecord } from "./csv-reader";
import { defaultQuality, type IngestStats, type QualityConfig } from "./ingest";
import { destinationKey, rejectsKey, tableFromKey } from "./naming";
import { buildPlan, type Plan } from "./plan";
import { recordSchemaChanges } from "./schema-history";
import {
  checkReport,
  maxQuarantined,
  moveToProcessed,
  notifyQuarantine,
  overThreshold,
  type RuleCountRow,
  readAndStage,
  recordRejects,
  rejectFile,
  rejectRowsFromUnload,
  resolveTarget,
  schemaChanges,
  thresholdReason,
} from "./steps";

export const PIPELINE = "ingest";

export interface MachineDeps {
  lake: ObjectStore;
  /** Plan: describe the target table; ReportFailure: drop a crashed job's staging tables. */
  warehouse: Warehouse;
  ops: OpsDb;
  notifier: Notifier;
  metrics: Metrics;
  quality?: QualityConfig;
  /** Warehouse schema of the loaded tables (default "public"). */
  schema?: string;
  /**
   * Redshift: the lake bucket its COPY reads the staging file from and its UNLOAD writes rejects
   * to, and the IAM role it assumes for both. Needed when the warehouse's dialect is redshift.
   */
  s3?: { bucket: string; iamRole: string };
}

/** plans/<ingestId>.json: everything the Glue job (or its local stand-in) needs. */
export interface IngestJob {
  version: 1;
  runId: string;
  ingestId: string;
  sourceKey: string;
  table: string;
  key: string;
  rowsRead: number;
  rowsStaged: number;
  malformedCount: number;
  rejectThreshold: number;
  /** The most rejected records (malformed included) with which the file still loads. */
  maxQuarantined: number;
  stagingKey: string;
  /** Malformed records (they never reached staging), for the rejects file; null when none. */
  malformedKey: string | null;
  resultsKey: string;
  rejectsPrefix: string;
  /**
   * One row with one column `merge`: 1 when the good rows are to be merged (some rows were staged
   * and no more than maxQuarantined records were rejected), else 0. Run after the checks.
   */
  mergeWhen: string;
  plan: Plan;
}

/** results/<ingestId>.json, written by the job once the plan has run. */
export interface IngestJobResults {
  version: 1;
  ingestId: string;
  /** Rows of plan.report.failuresByRule. */
  failuresByRule: RuleCountRow[];
  /** plan.report.quarantined: staged rows failing an error rule (malformed records not included). */
  quarantined: number;
  merged: boolean;
  /** plan.report.loaded when merged, else 0. */
  loaded: number;
}

export const ObjectCreated = z.looseObject({
  detail: z.looseObject({
    bucket: z.looseObject({ name: z.string().min(1) }),
    object: z.looseObject({ key: z.string().min(1) }),
  }),
});
export type ObjectCreated = z.infer<typeof ObjectCreated>;

const ExecutionArn = z.string().regex(/^arn:[^:]+:states:[^:]*:[^:]*:execution:[^:]+:[^:]+$/, {
  message: "not a Step Functions execution ARN",
});

export const artifactKeys = (ingestId: string) => ({
  planKey: `plans/${ingestId}.json`,
  resultsKey: `results/${ingestId}.json`,
  stagingKey: `staging/${ingestId}.csv`,
  malformedKey: `staging/${ingestId}.malformed.json`,
  rejectsPrefix: `rejects/${ingestId}/`,
});

async function readJson<T>(lake: ObjectStore, key: string): Promise<T> {
  return JSON.parse(await text(await lake.get(key))) as T;
}

/** S3 event keys may come URL-encoded (`a+b%2Cc.csv`); take whichever names an object. */
async function eventKey(lake: ObjectStore, key: string): Promise<string> {
  if (await lake.exists(key)) return key;
  try {
    const decoded = decodeURIComponent(key.replace(/\+/g, " "));
    if (decoded !== key && (await lake.exists(decoded))) return decoded;
  } catch {
    // not %-encoded after all
  }
  return key;
}

// ── Runs in the ops store ───────────────────────────────────────────────────────────────────

async function startRun(
  ops: OpsDb,
  run: { id: string; args: Record<string, unknown>; workKey: string; owner: string },
) {
  const now = new Date();
  const [existing] = await ops.select().from(runTable).where(eq(runTable.id, run.id));
  if (existing) {
    // A console retry records its run before starting the execution; a redrive re-enters Plan.
    await ops
      .update(runTable)
      .set({
        status: "RUNNING",
        startedAt: now,
        finishedAt: null,
        error: null,
        args: { ...existing.args, ...run.args },
        workKey: run.workKey,
        owner: run.owner,
      })
      .where(eq(runTable.id, run.id));
    return;
  }
  await ops.insert(runTable).values({
    id: run.id,
    pipeline: PIPELINE,
    engine: "sfn",
    status: "RUNNING",
    createdAt: now,
    startedAt: now,
    args: run.args,
    workKey: run.workKey,
    owner: run.owner,
  });
}

/** Finish a run as the local runner would: final row, then metrics, then an alert if it failed. */
async function endRun(
  deps: Pick<MachineDeps, "ops" | "metrics" | "notifier">,
  runId: string,
  result: { status: Extract<Status, "SUCCEEDED" | "FAILED">; error?: string; stats?: object },
) {
  const [row] = await deps.ops.select().from(runTable).where(eq(runTable.id, runId));
  const stats = { ...(row?.stats ?? {}), ...(result.stats ?? {}) };
  await finishRun(deps.ops, runId, { status: result.status, error: result.error, stats });
  const run = await mustGetRun(deps.ops, runId);
  await deps.metrics.record(runPoints(run));
  if (result.status !== "SUCCEEDED") {
    await deps.notifier.notify({
      kind: "run_failed",
      severity: "error",
      title: `${PIPELINE} run failed`,
      message: result.error ?? "no error message",
      runId,
    });
  }
}

// ── Plan ────────────────────────────────────────────────────────────────────────────────────

export const PlanStepInput = z.object({ event: ObjectCreated, executionArn: ExecutionArn });
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
  const { table, key, settings } = resolveTarget({ sourceKey: inboxKey }, quality);
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

  let sourceKey = inboxKey;
  if (!(await deps.lake.exists(sourceKey))) {
    // A retry of a failed execution: the failed attempt moved the file to error/.
    const moved = destinationKey("error", table, inboxKey);
    if (!(await deps.lake.exists(moved))) {
      return nothing(`${inboxKey} is not in the lake any more (already ingested, or removed)`);
    }
    sourceKey = moved;
  }
  const active = await activeRunFor(deps.ops, inboxKey);
  if (active && active.id !== runId) {
    return nothing(`${inboxKey} is already being ingested by run ${active.id}`);
  }

  const ingestId = createId("run");
  const keys = artifactKeys(ingestId);
  await startRun(deps.ops, {
    id: runId,
    args: { sourceKey: inboxKey, bucket, executionArn },
    workKey: inboxKey,
    owner: executionArn,
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
    await endRun(deps, runId, {
      status: "FAILED",
      error: staged.reason,
      stats: { sourceKey: errorKey, errorKey },
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

// ── Report ──────────────────────────────────────────────────────────────────────────────────

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

async function* objectsUnder(lake: ObjectStore, prefix: string) {
  for (const o of await lake.list(prefix)) yield await lake.get(o.key);
}

/** Remove the run's working files; the plan and results stay as the run's record. */
async function removeWorkFiles(lake: ObjectStore, job: Pick<IngestJob, "ingestId">) {
  const keys = artifactKeys(job.ingestId);
  const unloaded = await lake.list(keys.rejectsPrefix).catch(() => []);
  for (const key of [keys.stagingKey, keys.malformedKey, ...unloaded.map((o) => o.key)]) {
    await lake.delete(key).catch(() => {});
  }
}

/**
 * After the job: what the checks found, the rejects file and failure records (from the rows the
 * job UNLOADed), the file to processed/ (or error/ past the reject threshold), the run's stats,
 * metrics and alerts.
 */
export async function reportStep(
  deps: MachineDeps,
  input: ReportStepInput,
): Promise<ReportStepOutput> {
  const { runId, planKey, jobRunId } = ReportStepInput.parse(input);
  const done = await mustGetRun(deps.ops, runId);
  if (done.status === "SUCCEEDED" || done.status === "FAILED") {
    // Step Functions retried the step after it had finished (a lost Lambda response): answer
    // with what was recorded rather than moving the file twice.
    const s = done.stats as Partial<IngestStats>;
    return {
      status: done.status,
      error: done.error,
      rowsLoaded: s.rowsLoaded ?? 0,
      rowsQuarantined: s.rowsQuarantined ?? 0,
      sourceKey: s.sourceKey ?? "",
      errorKey: s.errorKey ?? null,
    };
  }
  const job = await readJson<IngestJob>(deps.lake, planKey);
  const results = await readJson<IngestJobResults>(deps.lake, job.resultsKey);
  const { plan, table, sourceKey } = job;

  const found = checkReport(results.failuresByRule, results.quarantined, job.malformedCount);
  const stats: IngestStats & { ingestId: string; jobRunId?: string } = {
    ingestId: job.ingestId,
    ...(jobRunId ? { jobRunId } : {}),
    table,
    key: job.key,
    rowsRead: job.rowsRead,
    rowsLoaded: 0,
    rowsQuarantined: found.quarantined,
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
    stats.rejectsKey = rejectsKey(table, sourceKey);
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
    await endRun(deps, runId, { status: "FAILED", error: reason, stats });
    out = { status: "FAILED", error: reason, ...pick(stats) };
  } else {
    if (results.merged) {
      stats.rowsLoaded = results.loaded;
      Object.assign(stats, schemaChanges(plan));
      await recordSchemaChanges(deps.ops, { runId, table, sourceKey, columns: plan.columns });
    }
    stats.sourceKey = await moveToProcessed(deps.lake, { runId, sourceKey, table });
    if (stats.rowsQuarantined > 0) {
      await notifyQuarantine(deps.notifier, { ...stats, runId, sourceKey });
    }
    await endRun(deps, runId, { status: "SUCCEEDED", stats });
    out = { status: "SUCCEEDED", error: null, ...pick(stats) };
  }
  await removeWorkFiles(deps.lake, job);
  return out;
}

const pick = (s: IngestStats) => ({
  rowsLoaded: s.rowsLoaded,
  rowsQuarantined: s.rowsQuarantined,
  sourceKey: s.sourceKey,
  errorKey: s.errorKey,
});

// ── ReportFailure ───────────────────────────────────────────────────────────────────────────

/** A Catch's error output: Step Functions' `{Error, Cause}`. */
const CaughtError = z.looseObject({ Error: z.string().optional(), Cause: z.unknown().optional() });

export const FailureStepInput = z.object({
  state: z.looseObject({
    detail: ObjectCreated.shape.detail,
    plan: z
      .looseObject({
        runId: z.string(),
        planKey: z.string().nullable(),
        table: z.string().nullable(),
        sourceKey: z.string(),
      })
      .optional(),
    load: z.unknown().optional(),
    error: CaughtError.optional(),
  }),
  executionArn: ExecutionArn,
});
export type FailureStepInput = z.input<typeof FailureStepInput>;

export interface FailureStepOutput {
  runId: string;
  error: string;
  errorKey: string | null;
}

/**
 * A Catch's Cause as an operator should read it: a Lambda error's `errorMessage`, a Glue job
 * run's `ErrorMessage`, or the text as it came.
 */
export function describeCause(error: z.infer<typeof CaughtError> | undefined): string {
  const cause = error?.Cause;
  let message = typeof cause === "string" ? cause : cause ? JSON.stringify(cause) : "";
  try {
    const parsed = typeof cause === "string" ? JSON.parse(cause) : cause;
    if (parsed && typeof parsed === "object") {
      const p = parsed as Record<string, unknown>;
      const m = p.errorMessage ?? p.ErrorMessage ?? p.message;
      if (typeof m === "string" && m) message = m;
    }
  } catch {
    // a plain-text cause
  }
  return message || error?.Error || "unknown error";
}

/**
 * Plan, Load or Report failed: record the error on the run, drop the job's staging tables, move
 * the source file to error/ with the reason beside it, and alert.
 */
export async function failureStep(
  deps: MachineDeps,
  input: FailureStepInput,
): Promise<FailureStepOutput> {
  const { state, executionArn } = FailureStepInput.parse(input);
  const runId = state.plan?.runId ?? runIdOfExecution(executionArn);
  const where = !state.plan ? "planning" : !state.load ? "loading (Glue job)" : "reporting";
  const message = `${where} failed: ${describeCause(state.error)}`;

  let job: IngestJob | null = null;
  if (state.plan?.planKey) {
    job = await readJson<IngestJob>(deps.lake, state.plan.planKey).catch(() => null);
  }
  if (job && job.plan.dialect === deps.warehouse.dialect) {
    for (const statement of job.plan.cleanup) {
      await deps.warehouse.query(statement).catch(() => {});
    }
  }

  const inboxKey = state.detail.object.key;
  const sourceKey = state.plan?.sourceKey ?? (await eventKey(deps.lake, inboxKey));
  let table = state.plan?.table ?? null;
  if (!table) {
    try {
      table = tableFromKey(sourceKey);
    } catch {
      table = "_unknown";
    }
  }
  let errorKey: string | null = null;
  if (await deps.lake.exists(sourceKey)) {
    errorKey = await rejectFile(deps.lake, { runId, sourceKey, table, reason: message });
  }

  const [row] = await deps.ops.select().from(runTable).where(eq(runTable.id, runId));
  if (!row) {
    await startRun(deps.ops, {
      id: runId,
      args: { sourceKey: inboxKey, bucket: state.detail.bucket.name, executionArn },
      workKey: inboxKey,
      owner: executionArn,
    });
  }
  await endRun(deps, runId, {
    status: "FAILED",
    error: message,
    stats: { table, ...(errorKey ? { sourceKey: errorKey, errorKey } : {}) },
  });
  if (job) await removeWorkFiles(deps.lake, job);
  return { runId, error: message, errorKey };
}
