// Whose turn it is to apply a table's files. DMS writes a table's files one after another and each
// one's Object Created event starts an execution, so several executions may be started for one
// table at once. A table's files must apply in order and never two at a time: a plan is made from
// the table as it is (a new table is created, columns are added, the ledger is asked whether the
// file was applied), and a second plan made before the first commits would be stale.
//
// The mechanism: a per-table lock in the ops store. The run that holds a table is its run row with
// `work_key` = `cdc:dms/<SCHEMA>/<TABLE>/` that is still RUNNING. Taking it, and letting it go,
// happen in one transaction under a PostgreSQL advisory lock on that key, which also lists the
// table's folder in the lake:
//   - an execution that finds the table held by a live run ends at once (Queued): that run lists
//     the folder again before it lets the table go, and this execution's file was in the folder
//     before its event started the execution — so the holder applies it;
//   - the holder applies the first waiting file (full loads by counter, then changes by name),
//     and again, until none waits; then, in the same transaction, it finishes its run (the lock is
//     free) — a file that arrives after that listing finds the table free, and its execution
//     takes it.
// So each file is applied by exactly one run, in order, one at a time; no execution waits or
// polls. Not the Glue job's MaxConcurrentRuns (it would serialise the job, not the plan made
// before it, and every table behind one another), nor a lock in the warehouse (Redshift enforces
// no unique key; a Data API call is its own session). Replays are still safe (the ledger), and
// the plan is order-safe by sequence, should a file ever apply late (a retry of a failed file).
//
// A holder whose execution ended without finishing its run (stopped, timed out, its failure step
// failed too) is seen as such (DescribeExecution) and its run failed as interrupted; the next
// execution for the table takes it over. A run that has applied many files hands its table to a
// new execution (an execution's history has a fixed size).
import { and, eq, inArray } from "drizzle-orm";
import { lockUntilCommit, type OpsDb } from "../ops/db";
import { transient } from "../run/failure";
import type { Info } from "../run/run";
import { runTable } from "../run/run.sql";
import { finishRun, getRun, mergeStats } from "../run/store";
import { type DmsFile, type DmsTable, listDmsFiles } from "./files";
import {
  type CdcMachineDeps,
  cdcLifecycle,
  failedFilesError,
  filesNeedFix,
  MAX_FILES_PER_EXECUTION,
} from "./machine";
import { CdcStats, emptyTableCounts, PIPELINE } from "./model";

/** What one Plan step may do now. */
export type Turn =
  /** A live run holds the table: it applies this execution's file too. */
  | { kind: "queued"; holder: string }
  /** No file waits and this execution holds nothing: its file was applied already. */
  | { kind: "nothing"; reason: string }
  /** This execution's run is over (now, or before: a step retried after it finished). */
  | { kind: "done"; run: Info; handOn: HandOn | null }
  /** This execution's run holds the table: apply `file` next. */
  | { kind: "file"; file: DmsFile };

/** A new execution that carries on a run's table. */
export interface HandOn {
  stateMachineArn: string;
  name: string;
  input: object;
}

/** A run's hold lasts at most this long before it hands its table on (below the machine's 24 h). */
export const MAX_HOLD_MS = 12 * 3600_000;

export const lockKeyOf = (table: { folder: string }) => `cdc:${table.folder}`;

/** `<name>-next-1`, `<name>-next-2`, …: a hand-on's execution name (at most 80 characters). */
export function handOnName(executionName: string): string {
  const m = /^(.*)-next-(\d+)$/.exec(executionName);
  const suffix = `-next-${m ? Number(m[2]) + 1 : 1}`;
  return (m ? m[1]! : executionName).slice(0, 80 - suffix.length) + suffix;
}

async function holderOf(tx: OpsDb, lockKey: string) {
  const [row] = await tx
    .select({ id: runTable.id, owner: runTable.owner })
    .from(runTable)
    .where(and(eq(runTable.workKey, lockKey), inArray(runTable.status, ["QUEUED", "RUNNING"])))
    .limit(1);
  return row ?? null;
}

export async function takeTurn(
  deps: CdcMachineDeps,
  at: {
    runId: string;
    executionArn: string;
    table: DmsTable & { folder: string };
    args: Record<string, unknown>;
    /** Where the next file's event points (a hand-on's input). */
    bucket: string;
  },
): Promise<Turn> {
  const { runId, executionArn, table } = at;
  const lockKey = lockKeyOf(table);
  const finished: string[] = [];
  const turn = await deps.ops.transaction(async (tx): Promise<Turn> => {
    // One decision at a time per table, however many executions ask.
    await lockUntilCommit(tx, "cdc", lockKey);
    const mine = await getRun(tx, runId);
    if (mine && mine.status !== "QUEUED" && mine.status !== "RUNNING") {
      return { kind: "done", run: mine, handOn: handOnOf(mine) };
    }
    const holder = await holderOf(tx, lockKey);
    if (holder && holder.id !== runId) {
      const owner = holder.owner ?? "";
      const alive =
        !deps.executions ||
        !owner.includes(":execution:") ||
        (await deps.executions.isRunning(owner));
      if (alive) return { kind: "queued", holder: holder.id };
      await finishRun(tx, holder.id, {
        status: "FAILED",
        error: `Interrupted: its execution stopped before the run finished; run ${runId} took ${table.target} over and applies its files from where it stopped.`,
        failure: transient,
      });
      finished.push(holder.id);
    }
    const files =
      (await listDmsFiles(deps.lake, table.folder)).find((g) => g.source === table.source)?.files ??
      [];
    if (holder?.id !== runId) {
      if (!files.length) {
        return { kind: "nothing", reason: `no file waits in ${table.folder}: applied already` };
      }
      await cdcLifecycle({ ...deps, ops: tx }).enter({
        id: runId,
        pipeline: PIPELINE,
        engine: "sfn",
        args: at.args,
        workKey: lockKey,
        owner: executionArn,
      });
      const seen = CdcStats.parse(mine?.stats ?? {});
      if (!seen.tables.length) {
        await mergeStats(tx, runId, { tables: [emptyTableCounts(table.target, table.source)] });
      }
    }
    const run = (await getRun(tx, runId))!;
    const stats = CdcStats.parse(run.stats);
    const handled = stats.filesApplied + stats.filesSkipped + stats.filesFailed;
    const held = Date.now() - Date.parse(run.startedAt ?? run.createdAt);
    const handOn =
      files.length > 0 &&
      deps.executions !== undefined &&
      (handled >= (deps.maxFilesPerExecution ?? MAX_FILES_PER_EXECUTION) || held > MAX_HOLD_MS);
    if (files.length && !handOn) return { kind: "file", file: files[0]! };
    // The run ends here, under the lock: nothing waits (or a new execution carries on).
    const error = failedFilesError(stats);
    const next = handOn
      ? {
          stateMachineArn: executionArn
            .replace(":execution:", ":stateMachine:")
            .replace(/:[^:]+$/, ""),
          name: handOnName(executionArn.split(":").at(-1)!),
          input: {
            detail: { bucket: { name: at.bucket }, object: { key: files[0]!.key } },
            continues: runId,
          },
        }
      : null;
    await finishRun(tx, runId, {
      status: error ? "FAILED" : "SUCCEEDED",
      error,
      stats: { ...stats, ...(next ? { handedOnTo: next } : {}) },
      failure: error ? filesNeedFix : null,
    });
    finished.push(runId);
    return { kind: "done", run: (await getRun(tx, runId))!, handOn: next };
  });
  // Side effects after commit: metrics and alerts of the runs finished here, then the hand-on.
  for (const id of finished) {
    const run = await getRun(deps.ops, id);
    if (run) await cdcLifecycle(deps).completed(run);
  }
  if (turn.kind === "done" && turn.handOn && deps.executions) {
    await deps.executions.start(turn.handOn.stateMachineArn, turn.handOn.name, turn.handOn.input);
  }
  return turn;
}

/** The hand-on a finished run recorded (started again when a step is retried: same name, once). */
function handOnOf(run: Info): HandOn | null {
  return (run.stats as { handedOnTo?: HandOn }).handedOnTo ?? null;
}
