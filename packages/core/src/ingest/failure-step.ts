// The ingest state machine's ReportFailure step: Plan, Load or Report failed — record the error on
// the run, drop the job's staging tables, move the source file to error/ with the reason beside it,
// and alert (through the run's completion).
import { z } from "zod";
import { runIdOfExecution } from "../run/aws/ids";
import { getRun } from "../run/store";
import { rejectFile } from "./lake-files";
import { ingestLifecycle } from "./lifecycle";
import {
  ExecutionArn,
  eventKey,
  firstExisting,
  type IngestJob,
  type MachineDeps,
  ObjectCreated,
  RetryOf,
  readJson,
  removeWorkFiles,
} from "./machine";
import { PIPELINE } from "./model";
import { tableFromKey } from "./naming";

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
    retry: RetryOf.optional(),
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
  // Plan failed before saying where the file is: a retry's file is where the retry said.
  const sourceKey =
    state.plan?.sourceKey ??
    (await firstExisting(deps.lake, [state.retry?.sourceKey])) ??
    (await eventKey(deps.lake, inboxKey));
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

  if (!(await getRun(deps.ops, runId))) {
    await ingestLifecycle(deps).enter({
      pipeline: PIPELINE,
      engine: "sfn",
      id: runId,
      args: { sourceKey: inboxKey, bucket: state.detail.bucket.name, executionArn },
      workKey: inboxKey,
      owner: executionArn,
    });
  }
  await ingestLifecycle(deps).finish(runId, {
    status: "FAILED",
    error: message,
    stats: { table, ...(errorKey ? { sourceKey: errorKey, errorKey } : {}) },
  });
  if (job) await removeWorkFiles(deps.lake, job);
  return { runId, error: message, errorKey };
}
