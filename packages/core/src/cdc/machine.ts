// The cdc state machine's steps (asl.ts): Plan, Report and ReportFailure, what they share, and the
// documents they exchange with the Glue job through the lake — the same prefixes as ingest's:
//
//   plans/<workId>.json    CdcJob: one file's apply plan (Plan writes; the Glue job runs it)
//   results/<workId>.json  what the checks found and whether it applied (the Glue job)
//   staging/<workId>.csv   the file, normalised, for Redshift's COPY (Plan; removed by Report)
//   rejects/<workId>/…     the rejected rows the job UNLOADed (removed by Report)
//
// The Glue job is ingest's script (glue/ingest.py): a CdcJob carries the fields it reads (`GlueJob`
// below), so one script runs both pipelines' stored plans. Two ids, as for ingest: `runId` is the
// run the console shows (its execution's id), `workId` (run_<ulid>) names one file's scratch tables
// and lake files. One run applies a table's files one after another (turn.ts).
import { z } from "zod";
import type { IngestJob } from "../ingest/machine";
import type { Plan } from "../ingest/plan";
import type { DataApiBatch } from "../ingest/redshift-plan";
import type { Metrics } from "../metric/metric";
import type { ExecutionRetry } from "../run/aws/sfn-retry";
import { needsFix } from "../run/failure";
import { type RunLifecycle, runLifecycle } from "../run/lifecycle";
import { getRun, mergeStats } from "../run/store";
import type { CdcDeps, FileResult } from "./apply";
import { addFile, sumTables } from "./cdc";
import { type DmsTable, dmsTable, splitDmsKey } from "./files";
import { CdcStats, cdcSubject, emptyTableCounts, MAX_FAILED_FILES_KEPT } from "./model";
import type { CdcPlan } from "./plan";

/** Step Functions as the Plan step uses it. */
export interface Executions {
  /** Whether the execution that holds a table is still going (DescribeExecution). */
  isRunning(executionArn: string): Promise<boolean>;
  /** Start the execution that carries on a run's table (StartExecution; same name, same input: once). */
  start(stateMachineArn: string, name: string, input: object): Promise<void>;
}

export interface CdcMachineDeps extends CdcDeps {
  metrics: Metrics;
  /** Redshift: the lake bucket COPY reads the staging file from and UNLOAD writes to, and the role. */
  s3?: { bucket: string; iamRole: string };
  /**
   * Absent (tests of one execution at a time): every holder counts as running, and a run never
   * hands its table on.
   */
  executions?: Executions;
  /** How many files one execution applies before it hands its table to a new one (default 400). */
  maxFilesPerExecution?: number;
}

/**
 * An execution's history holds at most 25,000 events (Step Functions service quotas), and each file
 * a run applies adds about 20 (Plan, Choice, the Glue job, Report): past this many, the run hands
 * the table to a new execution.
 */
export const MAX_FILES_PER_EXECUTION = 400;

/** What the Glue script (glue/ingest.py) reads of a stored job: an IngestJob and a CdcJob alike. */
export type GlueJob = Pick<IngestJob, "ingestId" | "resultsKey" | "mergeWhen"> & {
  plan: Pick<Plan, "dialect" | "prepare" | "load" | "check" | "cleanup"> & {
    duplicateKeys: string | null;
    batches: { merge: DataApiBatch[]; unique: DataApiBatch[] };
    report: Pick<Plan["report"], "failuresByRule" | "quarantined" | "unloadRejects"> & {
      rejectedRows?: string[];
    };
  };
};

/** plans/<workId>.json: one DMS file's apply, as the Glue job (or its twin) runs it. */
export interface CdcJob extends GlueJob {
  version: 1;
  kind: "cdc";
  runId: string;
  /** The file (dms/<SCHEMA>/<TABLE>/<name>) and its table. */
  fileKey: string;
  source: string;
  target: string;
  key: string;
  sha256: string;
  rowsRead: number;
  rowsStaged: number;
  malformedCount: number;
  rejectThreshold: number;
  stagingKey: string;
  /** Malformed records (they never reached staging), for the rejects file; null when none. */
  malformedKey: string | null;
  rejectsPrefix: string;
  /** The cdc plan, and the Data API calls its select and apply phases make (plan.batches). */
  plan: CdcPlan & GlueJob["plan"];
}

/** results/<workId>.json, as the Glue script writes it. */
export interface CdcJobResults {
  version: 1;
  ingestId: string;
  failuresByRule: { rule: string; error_type: string; severity: string; n: number | string }[];
  quarantined: number;
  merged: boolean;
  loaded: number;
}

export const artifactKeys = (workId: string) => ({
  planKey: `plans/${workId}.json`,
  resultsKey: `results/${workId}.json`,
  stagingKey: `staging/${workId}.csv`,
  malformedKey: `staging/${workId}.malformed.json`,
  rejectsPrefix: `rejects/${workId}/`,
});

export const ObjectCreated = z.looseObject({
  detail: z.looseObject({
    bucket: z.looseObject({ name: z.string().min(1) }),
    object: z.looseObject({ key: z.string().min(1) }),
  }),
});

/** A console retry: the failed run, whose files in error/ go back to dms/ first. */
export const CdcRetryOf = z.object({ runId: z.string().min(1) });

/**
 * The machine's input: the S3 Object Created event of a file under dms/; `retry` on a console
 * retry; `continues` when a run handed its table on (the run it carries on).
 */
export const CdcInput = ObjectCreated.extend({
  retry: CdcRetryOf.optional(),
  continues: z.string().optional(),
});
export type CdcInput = z.infer<typeof CdcInput>;

/** The table folder a key below dms/ names (`dms/CRM/CUSTOMERS/`), or null for any other key. */
export function tableOfKey(key: string): (DmsTable & { folder: string }) | null {
  const at = splitDmsKey(key);
  return at ? { ...dmsTable(at.source), folder: `dms/${at.source}/` } : null;
}

/** The lifecycle with cdc's subject in alert titles (`crm.customers ← 3 files`). */
export function cdcLifecycle(deps: CdcMachineDeps): RunLifecycle {
  return runLifecycle({ ...deps, subject: cdcSubject });
}

/** A file the run could not apply: what a retry puts back, and what tells the operator. */
export const filesNeedFix = needsFix(
  "fix the files in error/dms/… (the reason is beside each), then retry the run: it puts them back into dms/ and applies them",
);

/** Add one file's outcome to a run's stats (the run's one table; the totals; failed files). */
export async function tally(
  deps: Pick<CdcDeps, "ops">,
  runId: string,
  table: DmsTable,
  fileKey: string,
  r: FileResult,
  /** Facts recorded in the same update (Report: which plan it reported). */
  extra: Record<string, unknown> = {},
): Promise<CdcStats> {
  const run = await getRun(deps.ops, runId);
  const stats = CdcStats.parse(run?.stats ?? {});
  let counts = stats.tables.find((t) => t.source === table.source);
  if (!counts) {
    counts = emptyTableCounts(table.target, table.source);
    stats.tables.push(counts);
  }
  addFile(counts, r);
  if (r.outcome === "failed" && stats.failedFiles.length < MAX_FAILED_FILES_KEPT) {
    stats.failedFiles.push({ key: fileKey, errorKey: r.movedTo, reason: r.reason ?? "" });
  }
  if (r.rejectsKey && !stats.rejectsKeys.includes(r.rejectsKey))
    stats.rejectsKeys.push(r.rejectsKey);
  sumTables(stats);
  await mergeStats(deps.ops, runId, { ...stats, ...extra });
  return stats;
}

/** What a run that ended after its files says: null when every file applied. */
export function failedFilesError(stats: CdcStats): string | null {
  if (!stats.filesFailed) return null;
  const first = stats.failedFiles[0];
  const more = stats.filesFailed > 1 ? ` (and ${stats.filesFailed - 1} more)` : "";
  return (
    `${stats.filesFailed} file${stats.filesFailed === 1 ? "" : "s"} could not be applied; the others were. ` +
    `${first ? `${first.reason.split("\n")[0]} (moved to ${first.errorKey})` : ""}${more}`
  );
}

/**
 * The console's retry of a failed cdc execution: never a redrive (every failure ends in a Fail
 * state, where a redrive would only fail again); a new execution with the same event and `retry`,
 * whose Plan puts the files the failed run moved to error/dms/… back where they were and applies
 * the table's files in order.
 */
export const cdcRetry: ExecutionRetry = {
  redrive: false,
  restart({ input, run }) {
    const event = CdcInput.safeParse(input);
    if (!event.success) return { input, does: "runs the same input again" };
    const { continues: _, ...same } = event.data;
    const stats = CdcStats.safeParse(run.stats ?? {});
    const back = stats.success ? stats.data.failedFiles.map((f) => f.errorKey) : [];
    let folder = event.data.detail.object.key;
    try {
      folder = tableOfKey(folder)?.folder ?? folder;
    } catch {
      // not a usable table name: the retry fails the same way, and says so
    }
    return {
      input: { ...same, retry: { runId: run.id } },
      does: back.length
        ? `puts ${back.join(", ")} back into dms/ and applies ${folder} in order`
        : `applies the files waiting in ${folder} in order`,
    };
  },
};
