// The cdc state machine's ReportFailure step: Plan, Apply or Report failed. Record the error on the
// run and fail it (which lets its table go), drop the job's scratch tables, and — when the Glue job
// or Report failed — move the file being applied to error/dms/… with the reason beside it, among
// the run's failed files (a retry puts it back). A Plan failure leaves the file where it is, in
// dms/: the table's next run (the next file's execution, or the retry) applies it.
import { z } from "zod";
import { describeCause } from "../ingest/failure-step";
import { ExecutionArn, readJson, removeWorkFiles } from "../ingest/machine";
import { runIdOfExecution } from "../run/aws/ids";
import { getRun } from "../run/store";
import { failFile } from "./apply";
import { dmsFile, dmsTable } from "./files";
import { type CdcJob, type CdcMachineDeps, cdcLifecycle, ObjectCreated, tally } from "./machine";
import { PIPELINE } from "./model";

const CaughtError = z.looseObject({ Error: z.string().optional(), Cause: z.unknown().optional() });

export const FailureStepInput = z.object({
  state: z.looseObject({
    detail: ObjectCreated.shape.detail,
    /** The Plan step's last output: the file it handed to the job, when it got that far. */
    plan: z.looseObject({ planKey: z.string().nullable().optional() }).optional(),
    /** Which step failed: the machine's Catch says (asl.ts). */
    failedIn: z.enum(["planning", "applying (Glue job)", "reporting"]),
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

export async function failureStep(
  deps: CdcMachineDeps,
  input: FailureStepInput,
): Promise<FailureStepOutput> {
  const { state, executionArn } = FailureStepInput.parse(input);
  const runId = runIdOfExecution(executionArn);
  const message = `${state.failedIn} failed: ${describeCause(state.error)}`;
  // After Plan, $.plan is this file's; when Plan failed it is the file before's, applied already.
  const planKey = state.failedIn === "planning" ? null : (state.plan?.planKey ?? null);
  const job = planKey ? await readJson<CdcJob>(deps.lake, planKey).catch(() => null) : null;
  if (job && job.plan.dialect === deps.warehouse.dialect) {
    for (const statement of job.plan.cleanup) {
      await deps.warehouse.query(statement).catch(() => {});
    }
  }
  const life = cdcLifecycle(deps);
  const run = await getRun(deps.ops, runId);
  if (run && run.status !== "RUNNING" && run.status !== "QUEUED") {
    // The run had ended (handing its table on failed): it stays as it ended.
    if (job) await removeWorkFiles(deps.lake, job);
    return { runId, error: message, errorKey: null };
  }
  if (!run) {
    // Plan failed before this execution held its table: recorded without taking the table.
    const key = state.detail.object.key;
    await life.enter({
      id: runId,
      pipeline: PIPELINE,
      engine: "sfn",
      args: { path: key, bucket: state.detail.bucket.name, executionArn },
      workKey: key,
      owner: executionArn,
    });
  }
  let errorKey: string | null = null;
  if (job && (await deps.lake.exists(job.fileKey))) {
    const table = dmsTable(job.source);
    const file = dmsFile({ key: job.fileKey, size: 0 });
    const r = await failFile(deps, { runId, scratch: job.ingestId }, table, file, message, job.key);
    errorKey = r.movedTo;
    await tally(deps, runId, table, job.fileKey, r);
  }
  await life.finish(runId, { status: "FAILED", error: message });
  if (job) await removeWorkFiles(deps.lake, job);
  return { runId, error: message, errorKey };
}
