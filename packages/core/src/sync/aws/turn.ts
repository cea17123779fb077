// One sync at a time, deployed as locally (job.ts's work key). Each loaded segmentation starts an
// execution, and an operator may start one too, so two may overlap; two syncs at once would diff
// against the same snapshot and send the same records twice. The run that holds the sync is its
// run row with work_key `sync:salesforce` still QUEUED or RUNNING; taking it happens in one
// ops-store transaction under a PostgreSQL advisory lock on that key (as cdc/turn.ts does per
// table). An execution that finds it held waits and asks again (asl.ts: WaitForTurn) rather than
// ending: the holder may have read an older segmentation than the one that started this execution.
//
// A holder whose Lambda ended without finishing its run (killed, and its failure step failed too)
// is seen by its age: a run's work is one invocation of at most 15 minutes (a retried invocation
// enters the run again, which restarts the clock), so a holder started longer ago than STALE_AFTER
// is over. Its run is failed as interrupted and the sync taken over.
import { and, eq, inArray, ne } from "drizzle-orm";
import { lockUntilCommit } from "../../ops/db";
import { transient } from "../../run/failure";
import type { Info } from "../../run/run";
import { runTable } from "../../run/run.sql";
import { finishRun, getRun } from "../../run/store";
import { PIPELINE, SYNC_WORK_KEY, type SyncArgs } from "../model";
import { type SyncMachineDeps, syncLifecycle } from "./machine";

/** Longer than a Lambda can run (15 minutes), with a margin. */
export const STALE_AFTER_MS = 20 * 60_000;

export type SyncTurn =
  /** Another run holds the sync: wait, then ask again. */
  | { kind: "busy"; holder: string }
  /** This execution's run is over already (a step retried after it finished). */
  | { kind: "done"; run: Info }
  /** This execution's run holds the sync (entered RUNNING). */
  | { kind: "mine"; run: Info };

export async function takeSyncTurn(
  deps: SyncMachineDeps,
  at: { runId: string; executionArn: string; args: SyncArgs; now?: Date },
): Promise<SyncTurn> {
  const { runId } = at;
  const now = (at.now ?? new Date()).getTime();
  const interrupted: string[] = [];
  const turn = await deps.ops.transaction(async (tx): Promise<SyncTurn> => {
    await lockUntilCommit(tx, "sync", SYNC_WORK_KEY);
    const mine = await getRun(tx, runId);
    if (mine && mine.status !== "QUEUED" && mine.status !== "RUNNING") {
      return { kind: "done", run: mine };
    }
    const holders = await tx
      .select({
        id: runTable.id,
        startedAt: runTable.startedAt,
        createdAt: runTable.createdAt,
      })
      .from(runTable)
      .where(
        and(
          eq(runTable.workKey, SYNC_WORK_KEY),
          inArray(runTable.status, ["QUEUED", "RUNNING"]),
          ne(runTable.id, runId),
        ),
      );
    for (const h of holders) {
      const since = (h.startedAt ?? h.createdAt).getTime();
      if (now - since < STALE_AFTER_MS) return { kind: "busy", holder: h.id };
    }
    for (const h of holders) {
      await finishRun(tx, h.id, {
        status: "FAILED",
        error: `Interrupted: its sync ended without finishing the run; run ${runId} took the sync over (what it had not sent is owed again).`,
        failure: transient,
      });
      interrupted.push(h.id);
    }
    await syncLifecycle({ ...deps, ops: tx }).enter({
      id: runId,
      pipeline: PIPELINE,
      engine: "sfn",
      args: at.args,
      workKey: SYNC_WORK_KEY,
      owner: at.executionArn,
    });
    return { kind: "mine", run: (await getRun(tx, runId))! };
  });
  // After commit: the interrupted runs' metrics and alerts.
  for (const id of interrupted) {
    const run = await getRun(deps.ops, id);
    if (run) await syncLifecycle(deps).completed(run);
  }
  return turn;
}
