// The sync state machine's Sync step (a Lambda): take the sync's turn, then run the very sync the
// CLI and the local runner run (job.ts → sync.ts) on the deployed ports, and record the run. The
// run's own outcome — SUCCEEDED, or FAILED with its per-record errors kept — is the answer; only an
// error the sync could not turn into an outcome fails the step (the machine reports it).
import { z } from "zod";
import { ExecutionArn } from "../../ingest/machine";
import { runIdOfExecution } from "../../run/aws/ids";
import type { Info } from "../../run/run";
import { syncJob } from "../job";
import { countsOf, type SyncCounts, SyncStats } from "../model";
import { DEPLOYED_SYNC, type SyncMachineDeps, syncArgsOf, syncLifecycle } from "./machine";
import { takeSyncTurn } from "./turn";

export const SyncStepInput = z.object({
  /** The execution's input: the S3 event, or the run's arguments. */
  input: z.unknown(),
  executionArn: ExecutionArn,
});
export type SyncStepInput = z.input<typeof SyncStepInput>;

export interface SyncStepOutput {
  /** wait: another run holds the sync (WaitForTurn, then again); done: this run is over. */
  action: "wait" | "done";
  runId: string;
  /** The run's status when done (SUCCEEDED or FAILED), else null. */
  status: string | null;
  /** Why it failed, for the execution's cause; else null. */
  error: string | null;
  /** The run holding the sync, when waiting. */
  holder: string | null;
  /** `cdp sync salesforce --json`'s summary of the run, when done. */
  summary: SyncSummary | null;
}

export type SyncSummary = SyncCounts & { mode: string };

export async function syncStep(deps: SyncMachineDeps, raw: SyncStepInput): Promise<SyncStepOutput> {
  const { input, executionArn } = SyncStepInput.parse(raw);
  const runId = runIdOfExecution(executionArn);
  const { args, trigger } = syncArgsOf(input);
  const turn = await takeSyncTurn(deps, { runId, executionArn, args });
  if (turn.kind === "busy") {
    return {
      action: "wait",
      runId,
      status: null,
      error: null,
      holder: turn.holder,
      summary: null,
    };
  }
  if (turn.kind === "done") return doneWith(turn.run);

  const life = syncLifecycle(deps);
  const timeline: { at: string; step: string }[] = [];
  const step = async (name: string, facts?: Record<string, unknown>) => {
    timeline.push({ at: new Date().toISOString(), step: name });
    await life.note(runId, { ...facts, timeline });
  };
  if (trigger) await step(`started by ${trigger}`, { trigger });
  const job = syncJob(
    async () => ({
      ops: deps.ops,
      lake: deps.lake,
      warehouse: async () => deps.warehouse,
      secrets: deps.secrets,
    }),
    { ...DEPLOYED_SYNC, ...deps.options },
  );
  // Errors the sync cannot turn into an outcome (the ops store or the warehouse unreachable) fail
  // the step; the machine's ReportFailure records them on the run.
  const result = (await job.run({ run: turn.run, step })) ?? {};
  const final = await life.finish(runId, {
    status: result.status ?? "SUCCEEDED",
    error: result.error,
    failure: result.failure,
    stats: { ...result.stats, ...(trigger ? { trigger } : {}), timeline },
  });
  return doneWith(final);
}

function doneWith(run: Info): SyncStepOutput {
  const s = SyncStats.parse(run.stats);
  return {
    action: "done",
    runId: run.id,
    status: run.status,
    error: run.status === "SUCCEEDED" ? null : (run.error ?? `the sync ${run.status}`),
    holder: null,
    summary: { mode: s.mode, ...countsOf(s) },
  };
}
