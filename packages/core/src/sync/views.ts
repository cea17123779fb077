// The sync as the console and the CLI read it: a run's summary (its counts, from its stats) and
// the retry of a run's records that Salesforce did not accept.
import { recordAudit } from "../audit/audit";
import type { OpsDb } from "../ops/db";
import type { RunStarter } from "../platform";
import type { Info } from "../run/run";
import { getRun } from "../run/store";
import { VisibleError } from "../util/error";
import { SALESFORCE_MAPPING } from "./mapping";
import { countsOf, PIPELINE, SyncArgs, SyncStats } from "./model";
import { stillOwed, targetOf } from "./state";

export interface SyncRunSummary {
  runId: string;
  status: Info["status"];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  retryOf: string | null;
  /** Set for a run that re-sent another run's failed records. */
  retryFailedOf: string | null;
  dryRun: boolean;
  /** Why it was a dry run (no credentials, or asked for); null for a live run. */
  dryRunReason: string | null;
  /** The Salesforce object upserted (Contact by default). */
  object: string;
  outboxKey: string | null;
  segmentRunId: string | null;
  transport: SyncStats["transport"];
  users: number;
  owed: number;
  sent: number;
  created: number;
  updated: number;
  failed: number;
  unsent: number;
  skippedUnchanged: number;
  apiCalls: number;
  waitingForBudget: boolean;
  errorCodes: Record<string, number>;
}

export function summarize(run: Info): SyncRunSummary {
  const s = SyncStats.parse(run.stats ?? {});
  const args = SyncArgs.safeParse(run.args ?? {});
  return {
    runId: run.id,
    status: run.status,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    error: run.error,
    retryOf: run.retryOf,
    retryFailedOf: (args.success ? args.data.retryFailedOf : undefined) ?? s.retryFailedOf,
    dryRun: s.mode === "dry_run",
    dryRunReason: s.dryRunReason,
    object: s.object,
    outboxKey: s.outboxKey,
    segmentRunId: s.segmentRunId,
    transport: s.transport,
    users: s.users,
    owed: s.owed,
    ...countsOf(s),
    waitingForBudget: s.waitingForBudget,
    errorCodes: s.errorCodes,
  };
}

/** The sync run, or a 404 naming what was asked for. */
export async function mustGetSyncRun(ops: OpsDb, runId: string): Promise<Info> {
  const run = await getRun(ops, runId);
  if (!run || run.pipeline !== PIPELINE) {
    throw new VisibleError("not_found", "sync.run_not_found", `no sync run ${runId}`);
  }
  return run;
}

/**
 * Start a run that re-sends only `runId`'s records Salesforce did not accept (failed, or never
 * sent). Refused when it has none, or while another sync runs (one sync at a time).
 */
export async function retryFailed(
  ops: OpsDb,
  starter: RunStarter,
  runId: string,
  actor: string,
): Promise<Info> {
  const run = await mustGetSyncRun(ops, runId);
  if (run.status === "QUEUED" || run.status === "RUNNING") {
    throw new VisibleError("conflict", "sync.still_running", `${runId} is still running`);
  }
  const { notAccepted, owed } = await stillOwed(
    ops,
    targetOf(SALESFORCE_MAPPING),
    runId,
    new Date(run.createdAt),
  );
  const records = owed.length;
  if (!records) {
    throw new VisibleError(
      "conflict",
      "sync.nothing_to_retry",
      notAccepted.length
        ? `${runId}'s ${notAccepted.length} records that Salesforce did not accept have been delivered by later runs since`
        : `${runId} has no records Salesforce did not accept`,
    );
  }
  const started = await starter.start(PIPELINE, { retryFailedOf: runId });
  if (started.args.retryFailedOf !== runId) {
    throw new VisibleError(
      "conflict",
      "sync.busy",
      `sync run ${started.id} is ${started.status.toLowerCase()}: one sync runs at a time; retry the failed records once it has finished`,
      { runId: started.id },
    );
  }
  await recordAudit(ops, {
    actor,
    action: "retry",
    runId,
    newRunId: started.id,
    detail: { what: "failed records", records },
  });
  return started;
}
