// The sync state machine's ReportFailure step (a Lambda): the Sync step failed in a way the sync
// could not record itself (the Lambda crashed or timed out, the ops store or the warehouse was
// unreachable). Record the run FAILED with why — entering it first if the step failed before it
// could — and alert, through the run's completion, as the other machines' failure steps do. A run
// the Sync step had already finished keeps its outcome.
import { z } from "zod";
import { describeCause } from "../../ingest/failure-step";
import { ExecutionArn } from "../../ingest/machine";
import { runIdOfExecution } from "../../run/aws/ids";
import { needsFix, transient } from "../../run/failure";
import { getRun } from "../../run/store";
import { PIPELINE, SYNC_WORK_KEY } from "../model";
import { type SyncMachineDeps, syncArgsOf, syncLifecycle } from "./machine";

const CaughtError = z.looseObject({ Error: z.string().optional(), Cause: z.unknown().optional() });

export const SyncFailureStepInput = z.object({
  state: z.looseObject({ error: CaughtError.optional() }),
  /** The execution's input (the run's arguments, should the run not exist yet). */
  input: z.unknown().optional(),
  executionArn: ExecutionArn,
});
export type SyncFailureStepInput = z.input<typeof SyncFailureStepInput>;

export interface SyncFailureStepOutput {
  runId: string;
  error: string;
}

export async function syncFailureStep(
  deps: SyncMachineDeps,
  raw: SyncFailureStepInput,
): Promise<SyncFailureStepOutput> {
  const { state, input, executionArn } = SyncFailureStepInput.parse(raw);
  const runId = runIdOfExecution(executionArn);
  const error = `syncing to Salesforce failed: ${describeCause(state.error)}`;
  const life = syncLifecycle(deps);
  const run = await getRun(deps.ops, runId);
  if (run && run.status !== "RUNNING" && run.status !== "QUEUED") {
    return { runId, error: run.error ?? error };
  }
  if (!run) {
    await life.enter({
      id: runId,
      pipeline: PIPELINE,
      engine: "sfn",
      args: safeArgs(input),
      workKey: SYNC_WORK_KEY,
      owner: executionArn,
    });
  }
  // Its arguments could not be read: they must change. Anything else (a timeout, an unreachable
  // store, the Lambda service) may pass on a retry.
  const failure =
    state.error?.Error === "ZodError"
      ? needsFix("the execution's input: an S3 event or `cdp sync salesforce`'s arguments")
      : transient;
  await life.finish(runId, { status: "FAILED", error, failure });
  return { runId, error };
}

function safeArgs(input: unknown): Record<string, unknown> {
  try {
    return syncArgsOf(input).args;
  } catch {
    return {};
  }
}
