// The ML state machine's ReportFailure step (a Lambda): a step failed. Record the run (the Export
// step may have failed before it could) as FAILED with what failed and why — a SageMaker job's
// FailureReason, a Lambda's error message — drop the scratch table an interrupted Export left, and
// alert (through the run's completion). The run's files stay in ml/ for the operator; a retry is a
// new execution with its own (machine.ts, segmentRetry).
import { z } from "zod";
import { describeCause } from "../../ingest/failure-step";
import { ExecutionArn } from "../../ingest/machine";
import { runIdOfExecution } from "../../run/aws/ids";
import { needsFix, transient } from "../../run/failure";
import { getRun } from "../../run/store";
import { dropFeatures } from "../feature-read";
import { resultsStage } from "../store";
import { dropScratch } from "./export-sql";
import { SEGMENT_PIPELINE, type SegmentMachineDeps, segmentLifecycle } from "./machine";

/** Which step failed, as the machine's Pass states name it (asl.ts). */
export const FailedIn = z.enum([
  "exporting the features",
  "training (SageMaker)",
  "creating the model (SageMaker)",
  "scoring (SageMaker batch transform)",
  "loading the segments",
]);

const CaughtError = z.looseObject({ Error: z.string().optional(), Cause: z.unknown().optional() });

export const FailureStepInput = z.object({
  state: z.looseObject({
    failedIn: FailedIn,
    error: CaughtError.optional(),
    export: z
      .looseObject({ scratch: z.object({ schema: z.string(), table: z.string() }).optional() })
      .optional(),
  }),
  executionArn: ExecutionArn,
});
export type FailureStepInput = z.input<typeof FailureStepInput>;

const needsInputFix = needsFix(
  "the run's arguments or the feature query (features.ts) — whatever the error names",
);

export interface FailureStepOutput {
  runId: string;
  error: string;
}

export async function failureStep(
  deps: SegmentMachineDeps,
  raw: FailureStepInput,
): Promise<FailureStepOutput> {
  const { state, executionArn } = FailureStepInput.parse(raw);
  const runId = runIdOfExecution(executionArn);
  const message = `${state.failedIn} failed: ${causeOf(state.error)}`;
  if (state.export?.scratch) {
    await deps.warehouse.query(dropScratch(state.export.scratch)).catch(() => {});
  }
  // The feature scratch table an interrupted Export left, the results stage an interrupted Load.
  await dropFeatures(deps.warehouse, runId).catch(() => {});
  await deps.warehouse.query(`DROP TABLE IF EXISTS ${resultsStage(runId)}`).catch(() => {});
  const life = segmentLifecycle(deps);
  const run = await getRun(deps.ops, runId);
  if (run && run.status !== "RUNNING" && run.status !== "QUEUED") return { runId, error: message };
  if (!run) {
    await life.enter({
      id: runId,
      pipeline: SEGMENT_PIPELINE,
      engine: "sfn",
      args: {},
      workKey: SEGMENT_PIPELINE,
      owner: executionArn,
    });
  }
  // Our steps' VisibleErrors are input errors (bad arguments, an unusable feature query, no rows):
  // a retry needs a fix. The rest — a SageMaker job, capacity, a timeout — may pass on a retry.
  const failure = state.error?.Error === "VisibleError" ? needsInputFix : transient;
  await life.finish(runId, { status: "FAILED", error: message, failure });
  return { runId, error: message };
}

/** A SageMaker job's FailureReason (a .sync task's cause is the job's description), or else. */
function causeOf(error: z.infer<typeof CaughtError> | undefined): string {
  try {
    const parsed = typeof error?.Cause === "string" ? JSON.parse(error.Cause) : error?.Cause;
    const reason = (parsed as { FailureReason?: unknown } | undefined)?.FailureReason;
    if (typeof reason === "string" && reason) return reason;
  } catch {
    // not JSON: a plain cause
  }
  return describeCause(error);
}
