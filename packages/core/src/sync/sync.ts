// A sync run: the latest segmentation's users as the mapping's records, diffed against the
// snapshot of what Salesforce accepted (plus what it did not accept last time), then sent — or,
// with no credentials (or --dry-run), written to the outbox. Nothing changed: no login, no API
// request. A run is SUCCEEDED only when every record it owed was accepted.
import type { ObjectStore } from "../lake/lake";
import type { OpsDb } from "../ops/db";
import { needsFix, transient } from "../run/failure";
import type { JobResult } from "../run/job";
import type { Info } from "../run/run";
import { getRun } from "../run/store";
import type { Secrets } from "../secrets/secrets";
import { errorMessage, VisibleError } from "../util/error";
import type { Warehouse } from "../warehouse/warehouse";
import { Budget, chooseTransport, estimateCalls, StopSync } from "./budget";
import type { PollPolicy } from "./bulk";
import { bulkCsv } from "./bulk";
import type { RetryPolicy } from "./collections";
import { connect, isLimitExceeded, RETRYABLE_RECORD_CODES } from "./connection";
import {
  parseReserve,
  readCredentials,
  readSettings,
  type SalesforceCredentials,
  type SalesforceSettings,
} from "./credentials";
import { SALESFORCE_MAPPING, type SalesforceMapping } from "./mapping";
import { emptyStats, PIPELINE, type SyncArgs, type SyncStats } from "./model";
import { writeOutbox } from "./outbox";
import { latestSegmentRun, type OutRecord, readRecords } from "./records";
import { deliver } from "./send";
import { loadHashes, recordOutcomes, recordUnsent, stillOwed, targetOf } from "./state";

export interface SyncDeps {
  ops: OpsDb;
  lake: ObjectStore;
  warehouse(): Promise<Warehouse>;
  secrets: Secrets;
}

/** Overrides for tests and the benchmark; the defaults are what runs. */
export interface SyncOptions {
  mapping?: SalesforceMapping;
  retry?: Partial<RetryPolicy>;
  poll?: Partial<PollPolicy>;
  maxPasses?: number;
  settings?: Partial<SalesforceSettings>;
}

/** A 503 or a network fault: 4 retries of the request, backing off from 1 s to 30 s. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseMs: 1000, maxMs: 30_000 };
/** Bulk job status: first after 2 s, doubling to every 30 s; a job may take 30 minutes. */
export const DEFAULT_POLL: PollPolicy = { initialMs: 2000, maxMs: 30_000, timeoutMs: 30 * 60_000 };
/** The first pass and 3 retries of the records a retry may fix (UNABLE_TO_LOCK_ROW, unprocessed). */
export const DEFAULT_PASSES = 4;

type Step = (name: string, facts?: Record<string, unknown>) => Promise<void>;

export async function runSync(
  deps: SyncDeps,
  run: Pick<Info, "id">,
  args: SyncArgs,
  step: Step,
  opts: SyncOptions = {},
): Promise<JobResult> {
  const mapping = opts.mapping ?? SALESFORCE_MAPPING;
  const target = targetOf(mapping);
  const stats: SyncStats = { ...emptyStats(), object: mapping.object };
  const done = (r: Omit<JobResult, "stats">): JobResult => ({
    ...r,
    stats: stats as JobResult["stats"],
  });

  // What is owed: the latest segmentation's changed records, or a run's records not accepted.
  let owed: OutRecord[];
  if (args.retryFailedOf) {
    owed = await owedAgain(deps.ops, target, args.retryFailedOf, stats);
  } else {
    const wh = await deps.warehouse();
    const seg = await latestSegmentRun(wh);
    if (!seg) {
      await step("nothing to sync: no segmentation run yet");
      return done({ status: "SUCCEEDED" });
    }
    stats.segmentRunId = seg.runId;
    stats.source = seg.source;
    const records = await readRecords(wh, seg, mapping);
    const accepted = await loadHashes(deps.ops, target);
    owed = records.filter((r) => accepted.get(r.externalId) !== r.hash);
    stats.users = records.length;
    stats.skippedUnchanged = records.length - owed.length;
  }
  stats.owed = owed.length;
  stats.rowsRead = stats.users;
  await step("diffed against what Salesforce accepted", {
    users: stats.users,
    owed: owed.length,
    unchanged: stats.skippedUnchanged,
  });
  if (!owed.length) return done({ status: "SUCCEEDED" });

  const creds = await readCredentials(deps.secrets);
  const settings: SalesforceSettings = { ...(await readSettings(deps.secrets)), ...opts.settings };
  if (args.dryRun || !creds) {
    const reason = args.dryRun
      ? "asked for a dry run"
      : `no Salesforce credentials (SALESFORCE_* in ${deps.secrets.describe})`;
    const bytes = Buffer.byteLength(bulkCsv(mapping, owed));
    stats.mode = "dry_run";
    stats.dryRunReason = reason;
    stats.outboxKey = await writeOutbox(deps.lake, run.id, mapping, owed, {
      transport: chooseTransport(owed.length, settings.bulkThreshold),
      estimatedApiCalls: estimateCalls(owed.length, bytes, settings.bulkThreshold),
      reason,
    });
    stats.sent = owed.length;
    await step(`dry run (${reason}): records written to the outbox`, {
      key: stats.outboxKey,
      records: owed.length,
    });
    return done({ status: "SUCCEEDED" });
  }
  return send(deps, run.id, creds, settings, mapping, owed, stats, step, opts, done);
}

/** A run's records that were not accepted, less those a later run has delivered since. */
async function owedAgain(ops: OpsDb, target: string, runId: string, stats: SyncStats) {
  const original = await getRun(ops, runId);
  if (!original || original.pipeline !== PIPELINE) {
    throw new VisibleError("input", "sync.no_such_run", `no sync run ${runId}`);
  }
  stats.retryFailedOf = runId;
  const { notAccepted, owed } = await stillOwed(ops, target, runId, new Date(original.createdAt));
  stats.users = notAccepted.length;
  stats.skippedUnchanged = notAccepted.length - owed.length;
  return owed;
}

async function send(
  deps: SyncDeps,
  runId: string,
  creds: SalesforceCredentials,
  settings: SalesforceSettings,
  mapping: SalesforceMapping,
  owed: OutRecord[],
  stats: SyncStats,
  step: Step,
  opts: SyncOptions,
  done: (r: Omit<JobResult, "stats">) => JobResult,
): Promise<JobResult> {
  const target = targetOf(mapping);
  const session = await connect(creds, { apiVersion: settings.apiVersion });
  const keep = (records: OutRecord[], why: StopSync) =>
    recordUnsent(deps.ops, runId, target, records, { errorCode: why.code, message: why.message });
  const finish = (r: Omit<JobResult, "stats">) => {
    stats.apiCalls = session.calls();
    const u = session.usage();
    if (u) stats.apiRemaining = u.max - u.used;
    return done(r);
  };

  // The org's budget first: /limits, then every response's Sforce-Limit-Info.
  let daily: { max: number; remaining: number };
  try {
    daily = await session.dailyApiRequests();
  } catch (err) {
    const stop = new StopSync(
      isLimitExceeded(err) ? "REQUEST_LIMIT_EXCEEDED" : "UNAVAILABLE",
      `could not read the org's API limits: ${errorMessage(err)}`,
    );
    await keep(owed, stop);
    stats.unsent = owed.length;
    stats.waitingForBudget = stop.code === "REQUEST_LIMIT_EXCEEDED";
    return finish({ status: "FAILED", error: stop.message, failure: transient });
  }
  const budget = new Budget(session.usage, parseReserve(settings.apiReserve, daily.max));
  stats.apiMax = daily.max;
  stats.apiReserve = budget.reserve;
  const needed = estimateCalls(
    owed.length,
    Buffer.byteLength(bulkCsv(mapping, owed)),
    settings.bulkThreshold,
  );
  await step("authenticated", {
    flow: creds.flow,
    apiRemaining: daily.remaining,
    reserve: budget.reserve,
    needed,
  });
  if (!budget.allows(needed)) {
    const stop = new StopSync("API_BUDGET", budget.waitMessage(needed));
    await keep(owed, stop);
    stats.unsent = owed.length;
    stats.waitingForBudget = true;
    await step(stop.message);
    return finish({ status: "FAILED", error: stop.message, failure: transient });
  }

  const d = await deliver(
    {
      session,
      mapping,
      budget,
      retry: { ...DEFAULT_RETRY, ...opts.retry },
      step,
      record: (outcomes) => recordOutcomes(deps.ops, runId, target, outcomes),
    },
    owed,
    {
      retry: { ...DEFAULT_RETRY, ...opts.retry },
      poll: { ...DEFAULT_POLL, ...opts.poll },
      bulkThreshold: settings.bulkThreshold,
      maxPasses: opts.maxPasses ?? DEFAULT_PASSES,
    },
  );
  stats.transport = d.transports.includes("bulk") ? "bulk" : (d.transports[0] ?? "none");
  stats.bulkJobs = d.bulkJobs;
  const codes: Record<string, number> = {};
  for (const o of d.outcomes.values()) {
    if (o.status === "succeeded") {
      if (o.created) stats.created++;
      else stats.updated++;
    } else {
      stats.failed++;
      const c = o.errorCode ?? "UNKNOWN";
      codes[c] = (codes[c] ?? 0) + 1;
    }
  }
  stats.sent = d.outcomes.size;
  stats.unsent = d.unsent.length;
  stats.rowsLoaded = stats.created + stats.updated;
  if (d.unsent.length && d.stop) {
    await keep(d.unsent, d.stop);
    codes[d.stop.code] = (codes[d.stop.code] ?? 0) + d.unsent.length;
  }
  stats.errorCodes = codes;
  stats.waitingForBudget =
    d.stop?.code === "API_BUDGET" || d.stop?.code === "REQUEST_LIMIT_EXCEEDED";

  if (d.stop) {
    const error = `${d.stop.message}. ${stats.created + stats.updated} of ${owed.length} records accepted; the other ${owed.length - stats.created - stats.updated} are kept and sent by the next run`;
    const failure =
      d.stop.code === "CONFIG"
        ? needsFix(
            'the Salesforce setup the mapping needs (sync/mapping.ts; README "Salesforce sync")',
          )
        : d.stop.code === "AUTH"
          ? needsFix(
              "the Salesforce credentials (SALESFORCE_* in the environment or the data dir's secrets.env)",
            )
          : transient;
    return finish({ status: "FAILED", error, failure });
  }
  if (stats.failed) {
    const list = Object.entries(codes)
      .map(([c, n]) => `${c} ×${n}`)
      .join(", ");
    const error = `${stats.failed} of ${owed.length} records were not accepted by Salesforce (${list}); see GET /api/sync/runs/${runId}/errors — they are sent again by the next run`;
    const onlyPassing = Object.keys(codes).every((c) => RETRYABLE_RECORD_CODES.has(c));
    return finish({
      status: "FAILED",
      error,
      failure: onlyPassing
        ? transient
        : needsFix(
            "the records' data or the org's validation rules: see the run's per-record errors",
          ),
    });
  }
  return finish({ status: "SUCCEEDED" });
}
