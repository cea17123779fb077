// The AWS adapter of the operations port: Glue job runs and Step Functions executions listed,
// explained and retried through the SDKs, merged into the one Run model; the ops store adds what
// AWS does not keep (arguments of runs we started, row stats, retry links).
//
// Run ids carry their engine; names are encodeURIComponent-ed, so a ":" inside a Glue job name
// can't be taken for the separator (encode the whole id again when putting it in a URL path, as
// for any id):
//   glue:<jobName>:<jobRunId>                                a Glue job run
//   sfn:<stateMachineName>:<executionName>                   an execution's first attempt
//   sfn:<stateMachineName>:<executionName>:redrive-<n>       its n-th redrive (same execution ARN)
//
// The list cursor is base64url JSON: the filter's fingerprint, the sort key (start time, id) of the
// last run returned, and per source (a Glue job, or a state machine × status filter) the
// NextToken of the API page holding its next run (0 = first page; absent = source exhausted).
// Pages are re-read from those tokens and runs at or above the last key skipped, so pages never
// repeat or skip a run even when sources are read unevenly.
import { createHash } from "node:crypto";
import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  GetMetricDataCommand,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import {
  GetJobRunCommand,
  GetJobRunsCommand,
  GlueClient,
  type GlueClientConfig,
  type JobRun,
  StartJobRunCommand,
} from "@aws-sdk/client-glue";
import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  type ExecutionListItem,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  type SFNClientConfig,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { eq, inArray, or } from "drizzle-orm";
import type { MetricName, SeriesPoint } from "../metric/metric";
import type { OpsDb } from "../ops/db";
import { VisibleError } from "../util/error";
import { createId } from "../util/id";
import {
  type Detail,
  type Operations,
  type RetryAction,
  type RetryPreview,
  retryMatchingWith,
} from "./operations";
import {
  type Info,
  isActive,
  isFailed,
  ListFilter,
  type Page,
  type Status,
  walkRetryChain,
} from "./run";
import { runTable } from "./run.sql";
import { fromGlue, fromStepFunctions, sfnStatusesFor } from "./status";

// ---------------------------------------------------------------------------------------------
// Config and clients

export interface GlueJobConfig {
  name: string;
  /** The pipeline its runs belong to (default: the job name). */
  pipeline?: string;
}

export interface StateMachineConfig {
  arn: string;
  pipeline: string;
}

export interface AwsOperationsConfig {
  region: string;
  glueJobs: (string | GlueJobConfig)[];
  stateMachines: StateMachineConfig[];
  /**
   * Items per GetJobRuns / ListExecutions call (default 100). Fixed, because an API NextToken is
   * only valid with the arguments it was issued for, and cursors re-read pages by token.
   */
  pageSize?: number;
  /** API pages one list request may read before it returns what it has and a cursor (default 20). */
  maxPagesPerRequest?: number;
  /** CloudWatch namespace of the platform's metrics (default "CDP"), dimension "Pipeline". */
  metricsNamespace?: string;
}

export interface AwsClients {
  glue: GlueClient;
  sfn: SFNClient;
  cloudwatch: CloudWatchClient;
}

export interface AwsOperationsDeps {
  clients: AwsClients;
  config: AwsOperationsConfig;
  db: OpsDb;
}

/**
 * The one retry policy of every AWS client we make: adaptive retry (exponential backoff with
 * jitter plus client-side rate limiting once AWS throttles), five attempts in all. Throttling that
 * outlasts it surfaces as `aws.throttled` (503).
 */
export const retryPolicy = { retryMode: "adaptive", maxAttempts: 5 } as const;

type ClientOptions = Pick<
  GlueClientConfig & SFNClientConfig & CloudWatchClientConfig,
  "credentials" | "requestHandler" | "endpoint" | "retryStrategy" | "maxAttempts" | "retryMode"
>;

/** New clients with the retry policy; tests pass a fake request handler or credentials here. */
export function createAwsClients(region: string, options: ClientOptions = {}): AwsClients {
  const config = { region, ...retryPolicy, ...options };
  return {
    glue: new GlueClient(config as GlueClientConfig),
    sfn: new SFNClient(config as SFNClientConfig),
    cloudwatch: new CloudWatchClient(config as CloudWatchClientConfig),
  };
}

const clientsByRegion = new Map<string, AwsClients>();

/** The module's clients for a region, made once and reused by every request. */
export function awsClients(region: string): AwsClients {
  let clients = clientsByRegion.get(region);
  if (!clients) {
    clients = createAwsClients(region);
    clientsByRegion.set(region, clients);
  }
  return clients;
}

// ---------------------------------------------------------------------------------------------
// Errors

const throttlingCodes = new Set([
  "ThrottlingException",
  "TooManyRequestsException",
  "Throttling",
  "ThrottledException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
]);

interface AwsErrorShape {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

function errorName(err: unknown): string | undefined {
  return (err as AwsErrorShape | null)?.name;
}

export function isThrottling(err: unknown): boolean {
  const e = err as AwsErrorShape | null;
  return !!e && (throttlingCodes.has(e.name ?? "") || e.$metadata?.httpStatusCode === 429);
}

/** One AWS call; throttling that outlasted the retry policy becomes a clear 503-kind error. */
async function call<T>(service: string, operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (!isThrottling(err)) throw err;
    const e = err as AwsErrorShape;
    const attempts = e.$metadata?.attempts ?? retryPolicy.maxAttempts;
    throw new VisibleError(
      "unavailable",
      "aws.throttled",
      `AWS ${service} is throttling ${operation} (${e.name}: ${e.message ?? "rate exceeded"}); ` +
        `gave up after ${attempts} attempt${attempts === 1 ? "" : "s"}. Nothing was changed — wait a minute and try again.`,
      { service, operation, attempts },
    );
  }
}

function notFound(id: string): VisibleError {
  return new VisibleError("not_found", "run.not_found", `no run ${id}`);
}

function alreadyRetried(id: string, by: string): VisibleError {
  return new VisibleError(
    "conflict",
    "run.already_retried",
    `run ${id} was already retried as ${by}`,
    {
      runId: by,
    },
  );
}

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: string }).code === "23505") return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Ids

const enc = encodeURIComponent;

export function glueRunId(jobName: string, jobRunId: string): string {
  return `glue:${enc(jobName)}:${jobRunId}`;
}

export function sfnRunId(stateMachineName: string, executionName: string, attempt = 0): string {
  const base = `sfn:${enc(stateMachineName)}:${enc(executionName)}`;
  return attempt > 0 ? `${base}:redrive-${attempt}` : base;
}

export type ParsedRunId =
  | { engine: "glue"; jobName: string; jobRunId: string }
  | { engine: "sfn"; stateMachineName: string; executionName: string; attempt: number };

export function parseRunId(id: string): ParsedRunId | null {
  const parts = id.split(":");
  try {
    if (parts[0] === "glue" && parts.length === 3 && parts[1] && parts[2]) {
      return { engine: "glue", jobName: decodeURIComponent(parts[1]), jobRunId: parts[2] };
    }
    if (parts[0] === "sfn" && (parts.length === 3 || parts.length === 4) && parts[1] && parts[2]) {
      let attempt = 0;
      if (parts.length === 4) {
        const m = /^redrive-([1-9]\d{0,5})$/.exec(parts[3] ?? "");
        if (!m) return null;
        attempt = Number(m[1]);
      }
      return {
        engine: "sfn",
        stateMachineName: decodeURIComponent(parts[1]),
        executionName: decodeURIComponent(parts[2]),
        attempt,
      };
    }
  } catch {
    // a malformed %-escape: not one of our ids
  }
  return null;
}

/** Deterministic restart names: `nightly` → `nightly-retry-1`, `nightly-retry-1` → `nightly-retry-2`. */
export function restartName(executionName: string): string {
  const m = /^(.*)-retry-(\d+)$/.exec(executionName);
  const base = m ? (m[1] ?? executionName) : executionName;
  const suffix = `-retry-${m ? Number(m[2]) + 1 : 1}`;
  // Execution names are at most 80 characters.
  return base.slice(0, 80 - suffix.length) + suffix;
}

// ---------------------------------------------------------------------------------------------
// Mapping AWS shapes into the Run model

interface GlueJob {
  name: string;
  pipeline: string;
}

interface StateMachine {
  arn: string;
  name: string;
  pipeline: string;
}

function iso(d: Date | undefined | null): string | null {
  return d ? d.toISOString() : null;
}

function glueInfo(job: GlueJob, r: JobRun): Info {
  const status = fromGlue(r.JobRunState);
  const started = r.StartedOn ?? r.LastModifiedOn ?? new Date(0);
  return {
    id: glueRunId(job.name, r.Id ?? "unknown"),
    pipeline: job.pipeline,
    engine: "glue",
    status,
    createdAt: started.toISOString(),
    startedAt: iso(r.StartedOn),
    finishedAt: isActive(status) ? null : iso(r.CompletedOn ?? r.LastModifiedOn),
    args: { ...(r.Arguments ?? {}) },
    error: r.ErrorMessage ?? null,
    stats: {},
    retryOf: r.PreviousRunId ? glueRunId(job.name, r.PreviousRunId) : null,
    retriedBy: null,
  };
}

function parseInput(input: string | undefined): Record<string, unknown> {
  if (input === undefined) return {};
  try {
    const value: unknown = JSON.parse(input);
    if (value && typeof value === "object" && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    return { input: value };
  } catch {
    return { input };
  }
}

function sfnError(error: string | undefined, cause: string | undefined): string | null {
  if (!error && !cause) return null;
  return [error, cause].filter(Boolean).join(": ");
}

/** The execution's current attempt (`redriveCount`), as listed or described. */
function sfnInfo(sm: StateMachine, e: ExecutionListItem | DescribeExecutionOutput): Info {
  const attempt = e.redriveCount ?? 0;
  const status = fromStepFunctions(e.status);
  const described = "input" in e || "error" in e;
  const d = e as DescribeExecutionOutput;
  const started = e.startDate ?? new Date(0);
  return {
    id: sfnRunId(sm.name, e.name ?? "unknown", attempt),
    pipeline: sm.pipeline,
    engine: "sfn",
    status,
    // The sort key stays the execution's start, the order ListExecutions returns it in.
    createdAt: started.toISOString(),
    startedAt: attempt > 0 ? iso(e.redriveDate ?? started) : started.toISOString(),
    finishedAt: isActive(status) ? null : iso(e.stopDate),
    args: described ? parseInput(d.input) : {},
    error: described ? sfnError(d.error, d.cause) : null,
    stats: {},
    retryOf: attempt > 0 ? sfnRunId(sm.name, e.name ?? "unknown", attempt - 1) : null,
    retriedBy: null,
  };
}

/** Glue arguments are strings; ours may be any JSON value. */
function glueArgs(args: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(args).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

// ---------------------------------------------------------------------------------------------
// Ops store: what AWS doesn't keep

type Row = typeof runTable.$inferSelect;

/** Merge stored arguments, stats and retry links into runs read from AWS. */
async function enrich(db: OpsDb, runs: Info[]): Promise<Info[]> {
  if (!runs.length) return runs;
  const ids = runs.map((r) => r.id);
  const [rows, retries] = await Promise.all([
    db.select().from(runTable).where(inArray(runTable.id, ids)),
    db
      .select({ id: runTable.id, retryOf: runTable.retryOf })
      .from(runTable)
      .where(inArray(runTable.retryOf, ids)),
  ]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const retriedBy = new Map(retries.map((r) => [r.retryOf, r.id]));
  return runs.map((run) => {
    const row = byId.get(run.id);
    return {
      ...run,
      // GetJobRun does not always return a run's arguments; the ones we launched it with do.
      args: row && Object.keys(row.args).length ? row.args : run.args,
      stats: row ? { ...run.stats, ...(row.stats as Info["stats"]) } : run.stats,
      retryOf: row?.retryOf ?? run.retryOf,
      retriedBy: retriedBy.get(run.id) ?? run.retriedBy,
    };
  });
}

const claimPrefix = "pending-";
/** A claim whose AWS call never reported back (crashed process) stops blocking after this. */
const staleClaimMs = 10 * 60_000;

/**
 * Record a retry before starting it: the unique index on retry_of lets exactly one caller through,
 * so two clicks (or two API instances) start one run. The loser learns the winner's id.
 */
async function claimRetry(
  db: OpsDb,
  failedId: string,
  row: { id: string; pipeline: string; engine: "glue" | "sfn"; args: Record<string, unknown> },
): Promise<void> {
  const insert = () =>
    db.insert(runTable).values({
      ...row,
      status: "QUEUED",
      createdAt: new Date(),
      retryOf: failedId,
      // Never taken for an orphan of a local runner sharing this ops store.
      owner: "aws",
    });
  for (let attempt = 0; ; attempt++) {
    try {
      await insert();
      return;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    let winner = await retryRow(db, failedId, row.id);
    const pending = () => winner?.id.includes(`:${claimPrefix}`) ?? false;
    if (
      winner &&
      pending() &&
      Date.now() - winner.createdAt.getTime() > staleClaimMs &&
      attempt === 0
    ) {
      await db.delete(runTable).where(eq(runTable.id, winner.id));
      continue;
    }
    // Another caller is starting it right now: give it a moment so we can name the real run.
    for (let i = 0; i < 30 && winner && pending(); i++) {
      await new Promise((r) => setTimeout(r, 100));
      winner = (await retryRow(db, failedId, row.id)) ?? winner;
    }
    throw alreadyRetried(failedId, winner?.id ?? row.id);
  }
}

async function retryRow(db: OpsDb, failedId: string, claimId: string): Promise<Row | null> {
  const [row] = await db
    .select()
    .from(runTable)
    .where(or(eq(runTable.retryOf, failedId), eq(runTable.id, claimId)))
    .limit(1);
  return row ?? null;
}

async function releaseClaim(db: OpsDb, id: string) {
  await db.delete(runTable).where(eq(runTable.id, id));
}

/**
 * Record a run we started (not a retry) with the arguments we launched it with, so a later retry
 * can repeat them even when GetJobRun doesn't return them.
 */
export async function recordStartedRun(
  db: OpsDb,
  run: { id: string; pipeline: string; engine: "glue" | "sfn"; args: Record<string, unknown> },
): Promise<void> {
  await db
    .insert(runTable)
    .values({ ...run, status: "QUEUED", createdAt: new Date(), owner: "aws" });
}

// ---------------------------------------------------------------------------------------------
// Listing: one merged, newest-first stream over every source

interface SourcePage {
  items: Info[];
  next: string | undefined;
  /** The page reached runs older than `from`: nothing further can match. */
  reachedFrom: boolean;
}

interface Source {
  key: string;
  fetch(token: string | undefined): Promise<SourcePage>;
}

interface SourceState {
  source: Source;
  /** Token of the page in `buf` (undefined: the first page). */
  at: string | undefined;
  buf: Info[] | null;
  next: string | undefined;
  exhausted: boolean;
}

type SortKey = [number, string];

const keyOf = (r: Info): SortKey => [Date.parse(r.createdAt), r.id];

/** Does `a` come after `b` in newest-first order (older, or as old with a smaller id)? */
function after(a: SortKey, b: SortKey): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

interface CursorState {
  v: 1;
  f: string;
  b: SortKey | null;
  s: Record<string, string | 0>;
}

function encodeCursor(c: CursorState): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

function decodeCursor(cursor: string, fingerprint: string): CursorState {
  let c: CursorState;
  try {
    c = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as CursorState;
  } catch {
    throw new VisibleError("input", "run.bad_cursor", "the cursor is not one this API issued");
  }
  if (c?.v !== 1 || typeof c.s !== "object" || c.s === null) {
    throw new VisibleError("input", "run.bad_cursor", "the cursor is not one this API issued");
  }
  if (c.f !== fingerprint) {
    throw new VisibleError(
      "input",
      "run.bad_cursor",
      "the cursor belongs to a different filter; list again without it",
    );
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// The adapter

interface GlueLoaded {
  engine: "glue";
  info: Info;
  job: GlueJob;
  run: JobRun;
}

interface SfnFacts {
  status: Status | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  failedState: string | null;
  error: string | null;
  cause: string | null;
  failedEvent: { type: string; error?: string; cause?: string; resource?: string } | null;
}

interface SfnLoaded {
  engine: "sfn";
  info: Info;
  sm: StateMachine;
  executionArn: string;
  execution: DescribeExecutionOutput;
  attempt: number;
  facts: SfnFacts | null;
}

type Loaded = GlueLoaded | SfnLoaded;

const activeGlueStates = new Set(["STARTING", "RUNNING", "WAITING"]);
const terminalEvents: Record<string, Status> = {
  ExecutionFailed: "FAILED",
  ExecutionTimedOut: "TIMED_OUT",
  ExecutionAborted: "STOPPED",
};

/** The `…EventDetails` member a history event carries, whatever its type. */
function eventDetails(e: HistoryEvent): Record<string, unknown> {
  for (const [k, v] of Object.entries(e)) {
    if (k.endsWith("EventDetails") && v && typeof v === "object")
      return v as Record<string, unknown>;
  }
  return {};
}

export function awsOperations(deps: AwsOperationsDeps): Operations & {
  /** CloudWatch metric series in the shape of `querySeries` (the Metrics page). */
  series(opts: { names: MetricName[]; since: Date; bucketMinutes: number }): Promise<SeriesPoint[]>;
} {
  const { clients, config, db } = deps;
  const { glue, sfn } = clients;
  const region = config.region;
  const pageSize = config.pageSize ?? 100;
  const jobs: GlueJob[] = config.glueJobs.map((j) =>
    typeof j === "string"
      ? { name: j, pipeline: j }
      : { name: j.name, pipeline: j.pipeline ?? j.name },
  );
  const machines: StateMachine[] = config.stateMachines.map((m) => {
    const parts = m.arn.split(":");
    if (parts.length < 7 || parts[5] !== "stateMachine" || !parts[6]) {
      throw new Error(`not a state machine ARN: ${m.arn}`);
    }
    return { arn: m.arn, name: parts[6], pipeline: m.pipeline };
  });
  const executionArn = (sm: StateMachine, name: string) =>
    `${sm.arn.replace(":stateMachine:", ":execution:")}:${name}`;

  const consoleUrl = `https://${region}.console.aws.amazon.com`;
  // The CloudWatch console's hash routes escape "%" as "$25".
  const cwEnc = (s: string) => encodeURIComponent(s).replace(/%/g, "$25");
  const logLink = (group: string, stream: string) =>
    `${consoleUrl}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${cwEnc(group)}/log-events/${cwEnc(stream)}`;

  // --- sources -------------------------------------------------------------------------------

  function sourcesFor(f: ListFilter & { limit: number }): Source[] {
    const from = f.from ? Date.parse(f.from) : undefined;
    const wantPipeline = (p: string) => !f.pipeline?.length || f.pipeline.includes(p);
    const sources: Source[] = [];
    for (const job of jobs) {
      if (!wantPipeline(job.pipeline)) continue;
      sources.push({
        key: `glue:${job.name}`,
        async fetch(token) {
          const out = await call("Glue", "GetJobRuns", () =>
            glue.send(
              new GetJobRunsCommand({ JobName: job.name, MaxResults: pageSize, NextToken: token }),
            ),
          );
          const items = (out.JobRuns ?? []).map((r) => glueInfo(job, r));
          // Glue returns a job's runs newest first, and has no time filter: stop at `from` ourselves.
          const reachedFrom =
            from !== undefined && items.some((i) => Date.parse(i.createdAt) < from);
          return { items, next: out.NextToken || undefined, reachedFrom };
        },
      });
    }
    // ListExecutions filters by one status at a time; PENDING_REDRIVE only applies to Map Runs.
    const sfnStatuses = f.status?.length
      ? [...new Set(f.status.flatMap(sfnStatusesFor))].filter((s) => s !== "PENDING_REDRIVE")
      : [undefined];
    for (const sm of machines) {
      if (!wantPipeline(sm.pipeline)) continue;
      for (const statusFilter of sfnStatuses) {
        sources.push({
          key: `sfn:${sm.name}${statusFilter ? `:${statusFilter}` : ""}`,
          async fetch(token) {
            const out = await call("Step Functions", "ListExecutions", () =>
              sfn.send(
                new ListExecutionsCommand({
                  stateMachineArn: sm.arn,
                  statusFilter: statusFilter as ExecutionListItem["status"],
                  maxResults: pageSize,
                  nextToken: token,
                }),
              ),
            );
            const items = (out.executions ?? []).map((e) => sfnInfo(sm, e));
            const reachedFrom =
              from !== undefined && items.some((i) => Date.parse(i.createdAt) < from);
            return { items, next: out.nextToken || undefined, reachedFrom };
          },
        });
      }
    }
    return sources;
  }

  async function list(input: ListFilter): Promise<Page<Info>> {
    const f = ListFilter.parse(input);
    const sources = sourcesFor(f);
    const fingerprint = createHash("sha256")
      .update(
        canonical({
          status: f.status ?? null,
          pipeline: f.pipeline ?? null,
          from: f.from ?? null,
          to: f.to ?? null,
          sources: sources.map((s) => s.key),
          pageSize,
        }),
      )
      .digest("base64url")
      .slice(0, 16);
    const cursor = f.cursor ? decodeCursor(f.cursor, fingerprint) : null;
    let boundary: SortKey | null = cursor?.b ?? null;
    const from = f.from ? Date.parse(f.from) : undefined;
    const to = f.to ? Date.parse(f.to) : undefined;
    const statuses = f.status?.length ? new Set(f.status) : null;
    const matches = (r: Info) => {
      const [t] = keyOf(r);
      return (
        (!statuses || statuses.has(r.status)) &&
        (from === undefined || t >= from) &&
        (to === undefined || t <= to) &&
        (!boundary || after(keyOf(r), boundary))
      );
    };

    const states: SourceState[] = [];
    for (const source of sources) {
      const saved = cursor ? cursor.s[source.key] : 0;
      if (saved === undefined) continue; // exhausted in an earlier page
      states.push({
        source,
        at: saved === 0 ? undefined : saved,
        buf: null,
        next: undefined,
        exhausted: false,
      });
    }
    // Restoring every source costs a page each; leave room to always make progress.
    let budget = Math.max(config.maxPagesPerRequest ?? 20, states.length + 2);

    /** Make sure the state's next run is in `buf`, or that it has none; false when out of budget. */
    async function fill(s: SourceState): Promise<boolean> {
      while (s.buf === null || (s.buf.length === 0 && !s.exhausted)) {
        if (s.buf !== null) {
          s.at = s.next;
          s.buf = null;
        }
        if (budget <= 0) return false;
        budget--;
        const page = await s.source.fetch(s.at);
        s.buf = page.items.filter(matches).sort((a, b) => (after(keyOf(a), keyOf(b)) ? 1 : -1));
        s.next = page.next;
        s.exhausted = !page.next || page.reachedFrom;
      }
      return true;
    }

    const items: Info[] = [];
    let stalled = !(await Promise.all(states.map(fill))).every(Boolean);
    while (!stalled && items.length < f.limit) {
      let best: SourceState | null = null;
      for (const s of states) {
        const head = s.buf?.[0];
        if (head && (!best || after(keyOf(best.buf![0]!), keyOf(head)))) best = s;
      }
      if (!best) break;
      const run = best.buf!.shift()!;
      items.push(run);
      boundary = keyOf(run);
      // A full page needs no look-ahead: the cursor keeps the source's next token.
      if (items.length < f.limit) stalled = !(await fill(best));
    }

    const s: Record<string, string | 0> = {};
    for (const st of states) {
      if (st.buf === null) s[st.source.key] = st.at ?? 0;
      else if (st.buf.length) s[st.source.key] = st.at ?? 0;
      else if (!st.exhausted && st.next) s[st.source.key] = st.next;
    }
    const more = Object.keys(s).length > 0;
    return {
      items: await enrich(db, items),
      nextCursor: more ? encodeCursor({ v: 1, f: fingerprint, b: boundary, s }) : null,
    };
  }

  // --- one run -------------------------------------------------------------------------------

  async function sfnFacts(arn: string, attempt: number, redriveCount: number): Promise<SfnFacts> {
    const facts: SfnFacts = {
      status: null,
      startedAt: null,
      finishedAt: null,
      failedState: null,
      error: null,
      cause: null,
      failedEvent: null,
    };
    let segment = redriveCount;
    let token: string | undefined;
    // Newest first; each ExecutionRedriven event starts an attempt. Read only as far as needed.
    for (let page = 0; page < 10; page++) {
      const out = await call("Step Functions", "GetExecutionHistory", () =>
        sfn.send(
          new GetExecutionHistoryCommand({
            executionArn: arn,
            reverseOrder: true,
            maxResults: 200,
            nextToken: token,
          }),
        ),
      );
      for (const e of out.events ?? []) {
        const type = e.type ?? "";
        if (segment === attempt) {
          const details = eventDetails(e);
          const terminal = terminalEvents[type];
          if (terminal && !facts.status) {
            facts.status = terminal;
            facts.finishedAt = e.timestamp ?? null;
            facts.error = (details.error as string | undefined) ?? null;
            facts.cause = (details.cause as string | undefined) ?? null;
          } else if (facts.status && !facts.failedState) {
            if (type.endsWith("StateEntered")) {
              facts.failedState = (e.stateEnteredEventDetails?.name as string | undefined) ?? null;
            } else if (!facts.failedEvent && /(Failed|TimedOut|Aborted)$/.test(type)) {
              facts.failedEvent = {
                type,
                error: details.error as string | undefined,
                cause: details.cause as string | undefined,
                resource: details.resource as string | undefined,
              };
            }
          }
          if (type === "ExecutionRedriven" || type === "ExecutionStarted") {
            facts.startedAt = e.timestamp ?? null;
            return facts;
          }
        } else if (type === "ExecutionRedriven") {
          segment--;
        }
      }
      token = out.nextToken;
      if (!token) break;
    }
    return facts;
  }

  async function load(id: string): Promise<Loaded> {
    const parsed = parseRunId(id);
    if (!parsed) throw notFound(id);
    if (parsed.engine === "glue") {
      const job = jobs.find((j) => j.name === parsed.jobName);
      if (!job || parsed.jobRunId.startsWith(claimPrefix)) throw notFound(id);
      let run: JobRun | undefined;
      try {
        const out = await call("Glue", "GetJobRun", () =>
          glue.send(
            new GetJobRunCommand({
              JobName: job.name,
              RunId: parsed.jobRunId,
              PredecessorsIncluded: false,
            }),
          ),
        );
        run = out.JobRun;
      } catch (err) {
        if (errorName(err) === "EntityNotFoundException") throw notFound(id);
        throw err;
      }
      if (!run) throw notFound(id);
      const [info] = await enrich(db, [glueInfo(job, run)]);
      return { engine: "glue", info: info!, job, run };
    }
    const sm = machines.find((m) => m.name === parsed.stateMachineName);
    if (!sm) throw notFound(id);
    const arn = executionArn(sm, parsed.executionName);
    let execution: DescribeExecutionOutput;
    try {
      execution = await call("Step Functions", "DescribeExecution", () =>
        sfn.send(new DescribeExecutionCommand({ executionArn: arn })),
      );
    } catch (err) {
      if (errorName(err) === "ExecutionDoesNotExist") throw notFound(id);
      throw err;
    }
    const redriveCount = execution.redriveCount ?? 0;
    if (parsed.attempt > redriveCount) throw notFound(id);
    let info = sfnInfo(sm, execution);
    let facts: SfnFacts | null = null;
    if (parsed.attempt < redriveCount) {
      // An earlier attempt: the execution has moved on, its history tells how that attempt ended.
      facts = await sfnFacts(arn, parsed.attempt, redriveCount);
      const status = facts.status ?? "FAILED";
      info = {
        ...info,
        id,
        status,
        startedAt: iso(facts.startedAt) ?? info.createdAt,
        finishedAt: iso(facts.finishedAt),
        error: sfnError(facts.error ?? undefined, facts.cause ?? undefined),
        retryOf:
          parsed.attempt > 0 ? sfnRunId(sm.name, parsed.executionName, parsed.attempt - 1) : null,
        retriedBy: sfnRunId(sm.name, parsed.executionName, parsed.attempt + 1),
      };
    } else if (isFailed(info.status)) {
      facts = await sfnFacts(arn, parsed.attempt, redriveCount);
      if (!info.error)
        info = { ...info, error: sfnError(facts.error ?? undefined, facts.cause ?? undefined) };
    }
    const [enriched] = await enrich(db, [info]);
    return {
      engine: "sfn",
      info: enriched!,
      sm,
      executionArn: arn,
      execution,
      attempt: parsed.attempt,
      facts,
    };
  }

  /**
   * A run of the same work still going (same Glue job and arguments; same state machine and
   * input), and — for Glue — the automatic retry Glue itself made of this run, if any.
   */
  async function twinAndSuccessor(
    l: Loaded,
  ): Promise<{ twin: Info | null; successor: string | null }> {
    if (l.engine === "glue") {
      const want = canonical(glueArgs(l.info.args));
      let token: string | undefined;
      const recent: JobRun[] = [];
      // Active runs are the newest; two pages is plenty and keeps this bounded.
      for (let page = 0; page < 2; page++) {
        const out = await call("Glue", "GetJobRuns", () =>
          glue.send(
            new GetJobRunsCommand({ JobName: l.job.name, MaxResults: pageSize, NextToken: token }),
          ),
        );
        recent.push(...(out.JobRuns ?? []));
        token = out.NextToken;
        if (!token) break;
      }
      const successor = recent.find((r) => r.PreviousRunId && r.PreviousRunId === l.run.Id);
      const active = await enrich(
        db,
        recent
          .filter((r) => r.Id !== l.run.Id && activeGlueStates.has(r.JobRunState ?? ""))
          .map((r) => glueInfo(l.job, r)),
      );
      const twin = active.find((r) => canonical(glueArgs(r.args)) === want) ?? null;
      return { twin, successor: successor?.Id ? glueRunId(l.job.name, successor.Id) : null };
    }
    const want = canonical(parseInput(l.execution.input));
    const out = await call("Step Functions", "ListExecutions", () =>
      sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: l.sm.arn,
          statusFilter: "RUNNING",
          maxResults: 20,
        }),
      ),
    );
    for (const e of (out.executions ?? []).slice(0, 10)) {
      if (e.executionArn === l.executionArn) continue;
      const d = await call("Step Functions", "DescribeExecution", () =>
        sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn })),
      );
      if (canonical(parseInput(d.input)) === want)
        return { twin: sfnInfo(l.sm, d), successor: null };
    }
    return { twin: null, successor: null };
  }

  function actionFor(l: Loaded): { action: RetryAction; description: string } {
    if (l.engine === "glue") {
      const n = Object.keys(l.info.args).length;
      return {
        action: "rerun",
        description: `Starts Glue job ${l.job.name} again (StartJobRun) with the ${n} argument${n === 1 ? "" : "s"} this run was launched with.`,
      };
    }
    if (l.execution.redriveStatus === "REDRIVABLE") {
      return {
        action: "redrive",
        description: `Redrives execution ${l.execution.name} (RedriveExecution): it resumes from the state that failed${l.facts?.failedState ? ` (${l.facts.failedState})` : ""}, keeping the steps that succeeded.`,
      };
    }
    const why = l.execution.redriveStatusReason ? ` (${l.execution.redriveStatusReason})` : "";
    return {
      action: "restart",
      description: `Starts a new execution ${restartName(l.execution.name ?? "")} of ${l.sm.name} with the same input (StartExecution); it cannot be redriven${why}.`,
    };
  }

  /** Why a retry is refused now, as the conflict the retry would raise; null when it may go. */
  async function conflictFor(l: Loaded): Promise<VisibleError | null> {
    const run = l.info;
    if (run.retriedBy) return alreadyRetried(run.id, run.retriedBy);
    if (!isFailed(run.status)) {
      const why = isActive(run.status) ? "it is still going" : `it ${run.status.toLowerCase()}`;
      return new VisibleError(
        "conflict",
        "run.not_failed",
        `run ${run.id} is ${run.status}; only failed, timed-out or stopped runs can be retried (${why})`,
        { status: run.status },
      );
    }
    const { twin, successor } = await twinAndSuccessor(l);
    if (successor) {
      run.retriedBy = successor;
      return alreadyRetried(run.id, successor);
    }
    if (twin) {
      return new VisibleError(
        "conflict",
        "run.already_running",
        `${twin.id} is already ${twin.status.toLowerCase()} with the same ${l.engine === "glue" ? "arguments" : "input"}; wait for it instead of starting another`,
        { runId: twin.id },
      );
    }
    return null;
  }

  async function chainOf(l: Loaded): Promise<Info[]> {
    const infoOf = async (id: string) => {
      try {
        return (await load(id)).info;
      } catch (err) {
        if (err instanceof VisibleError && err.kind === "not_found") return null;
        throw err;
      }
    };
    return walkRetryChain(l.info, infoOf);
  }

  async function get(id: string): Promise<Detail> {
    const l = await load(id);
    const conflict = await conflictFor(l);
    const { action, description } = actionFor(l);
    const retry: RetryPreview = { action, description, blockedReason: null };
    if (conflict) {
      retry.blockedReason =
        conflict.code === "run.already_retried"
          ? `already retried as ${l.info.retriedBy}`
          : conflict.code === "run.not_failed"
            ? `only failed runs can be retried; ${isActive(l.info.status) ? "it is still going" : `it ${l.info.status.toLowerCase()}`}`
            : conflict.message;
    }
    const chain = await chainOf(l);
    if (l.engine === "glue") {
      const r = l.run;
      const group = r.LogGroupName ?? "/aws-glue/jobs";
      const runId = r.Id ?? "";
      return {
        ...l.info,
        chain,
        retry,
        engineDetail: {
          jobName: l.job.name,
          jobRunId: runId,
          state: r.JobRunState,
          attempt: r.Attempt ?? 0,
          previousRunId: r.PreviousRunId ?? null,
          errorMessage: r.ErrorMessage ?? null,
          arguments: r.Arguments ?? null,
          dpuSeconds: r.DPUSeconds ?? null,
          executionTimeSeconds: r.ExecutionTime ?? null,
          timeoutMinutes: r.Timeout ?? null,
          workerType: r.WorkerType ?? null,
          numberOfWorkers: r.NumberOfWorkers ?? null,
          maxCapacity: r.MaxCapacity ?? null,
          glueVersion: r.GlueVersion ?? null,
          logGroups: { output: `${group}/output`, error: `${group}/error` },
        },
        links: [
          {
            label: "Glue job run",
            url: `${consoleUrl}/gluestudio/home?region=${region}#/job/${enc(l.job.name)}/run/${runId}`,
          },
          { label: "Output log", url: logLink(`${group}/output`, runId) },
          { label: "Error log", url: logLink(`${group}/error`, runId) },
        ],
      };
    }
    const e = l.execution;
    return {
      ...l.info,
      chain,
      retry,
      engineDetail: {
        stateMachineArn: l.sm.arn,
        executionArn: l.executionArn,
        name: e.name,
        attempt: l.attempt,
        executionStatus: e.status,
        input: e.input ?? null,
        failedState: l.facts?.failedState ?? null,
        error: l.facts?.error ?? e.error ?? null,
        cause: l.facts?.cause ?? e.cause ?? null,
        failedEvent: l.facts?.failedEvent ?? null,
        redriveCount: e.redriveCount ?? 0,
        redriveStatus: e.redriveStatus ?? null,
        redriveStatusReason: e.redriveStatusReason ?? null,
      },
      links: [
        {
          label: "Step Functions execution",
          url: `${consoleUrl}/states/home?region=${region}#/v2/executions/details/${l.executionArn}`,
        },
      ],
    };
  }

  // --- retry ---------------------------------------------------------------------------------

  async function rerunGlue(l: GlueLoaded): Promise<Info> {
    const claimId = glueRunId(l.job.name, `${claimPrefix}${createId("run")}`);
    await claimRetry(db, l.info.id, {
      id: claimId,
      pipeline: l.job.pipeline,
      engine: "glue",
      args: l.info.args,
    });
    let jobRunId: string | undefined;
    try {
      const out = await call("Glue", "StartJobRun", () =>
        glue.send(
          new StartJobRunCommand({ JobName: l.job.name, Arguments: glueArgs(l.info.args) }),
        ),
      );
      jobRunId = out.JobRunId;
    } catch (err) {
      await releaseClaim(db, claimId);
      if (errorName(err) === "ConcurrentRunsExceededException") {
        throw new VisibleError(
          "conflict",
          "run.already_running",
          `Glue refused to start ${l.job.name}: it already runs as many runs as it may at once (${(err as Error).message})`,
        );
      }
      throw err;
    }
    if (!jobRunId) {
      await releaseClaim(db, claimId);
      throw new Error(`Glue StartJobRun for ${l.job.name} returned no JobRunId`);
    }
    const id = glueRunId(l.job.name, jobRunId);
    await db.update(runTable).set({ id }).where(eq(runTable.id, claimId));
    return {
      id,
      pipeline: l.job.pipeline,
      engine: "glue",
      status: "QUEUED",
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
      args: l.info.args,
      error: null,
      stats: {},
      retryOf: l.info.id,
      retriedBy: null,
    };
  }

  async function restartSfn(l: SfnLoaded): Promise<Info> {
    const name = restartName(l.execution.name ?? "");
    const id = sfnRunId(l.sm.name, name);
    const args = parseInput(l.execution.input);
    await claimRetry(db, l.info.id, { id, pipeline: l.sm.pipeline, engine: "sfn", args });
    try {
      const out = await call("Step Functions", "StartExecution", () =>
        sfn.send(
          new StartExecutionCommand({ stateMachineArn: l.sm.arn, name, input: l.execution.input }),
        ),
      );
      const startedAt = out.startDate ?? new Date();
      await db.update(runTable).set({ status: "RUNNING", startedAt }).where(eq(runTable.id, id));
      return {
        id,
        pipeline: l.sm.pipeline,
        engine: "sfn",
        status: "RUNNING",
        createdAt: startedAt.toISOString(),
        startedAt: startedAt.toISOString(),
        finishedAt: null,
        args,
        error: null,
        stats: {},
        retryOf: l.info.id,
        retriedBy: null,
      };
    } catch (err) {
      // The name is deterministic: if it exists, this retry was already started (keep the record).
      if (errorName(err) === "ExecutionAlreadyExists") throw alreadyRetried(l.info.id, id);
      await releaseClaim(db, id);
      throw err;
    }
  }

  async function redriveSfn(l: SfnLoaded): Promise<Info> {
    const redriveCount = l.execution.redriveCount ?? 0;
    const id = sfnRunId(l.sm.name, l.execution.name ?? "", redriveCount + 1);
    const args = parseInput(l.execution.input);
    await claimRetry(db, l.info.id, { id, pipeline: l.sm.pipeline, engine: "sfn", args });
    // Same failure, same token: Step Functions redrives once however often it is asked.
    const clientToken = createHash("sha256")
      .update(`${l.executionArn}#${redriveCount}`)
      .digest("hex");
    let redriveDate: Date;
    try {
      const out = await call("Step Functions", "RedriveExecution", () =>
        sfn.send(new RedriveExecutionCommand({ executionArn: l.executionArn, clientToken })),
      );
      redriveDate = out.redriveDate ?? new Date();
    } catch (err) {
      await releaseClaim(db, id);
      // It stopped being redrivable since we looked (e.g. the 14-day window closed): start anew.
      if (errorName(err) === "ExecutionNotRedrivable") {
        return restartSfn({ ...l, execution: { ...l.execution, redriveStatus: "NOT_REDRIVABLE" } });
      }
      throw err;
    }
    await db
      .update(runTable)
      .set({ status: "RUNNING", startedAt: redriveDate })
      .where(eq(runTable.id, id));
    return {
      ...l.info,
      id,
      status: "RUNNING",
      startedAt: redriveDate.toISOString(),
      finishedAt: null,
      args,
      error: null,
      stats: {},
      retryOf: l.info.id,
      retriedBy: null,
    };
  }

  async function retry(id: string): Promise<Info> {
    const l = await load(id);
    const conflict = await conflictFor(l);
    if (conflict) throw conflict;
    if (l.engine === "glue") return rerunGlue(l);
    return actionFor(l).action === "redrive" ? redriveSfn(l) : restartSfn(l);
  }

  // --- metrics -------------------------------------------------------------------------------

  async function series(opts: {
    names: MetricName[];
    since: Date;
    bucketMinutes: number;
  }): Promise<SeriesPoint[]> {
    const period = opts.bucketMinutes * 60;
    const namespace = config.metricsNamespace ?? "CDP";
    const pipelines = [
      ...new Set([...jobs.map((j) => j.pipeline), ...machines.map((m) => m.pipeline)]),
    ];
    const stats = [
      ["Sum", "sum"],
      ["Average", "avg"],
      ["Maximum", "max"],
    ] as const;
    const wanted: { name: MetricName; pipeline: string }[] = opts.names.flatMap((name) =>
      pipelines.map((pipeline) => ({ name, pipeline })),
    );
    const queries: MetricDataQuery[] = wanted.flatMap((w, i) =>
      stats.map(([stat, short]) => ({
        Id: `m${i}_${short}`,
        MetricStat: {
          Metric: {
            Namespace: namespace,
            MetricName: w.name,
            Dimensions: [{ Name: "Pipeline", Value: w.pipeline }],
          },
          Period: period,
          Stat: stat,
        },
        ReturnData: true,
      })),
    );
    const start = new Date(Math.floor(opts.since.getTime() / (period * 1000)) * period * 1000);
    const end = new Date();
    const points = new Map<string, SeriesPoint>();
    // GetMetricData takes at most 500 queries per call.
    for (let i = 0; i < queries.length; i += 500) {
      let token: string | undefined;
      for (let page = 0; page < 50; page++) {
        const out = await call("CloudWatch", "GetMetricData", () =>
          clients.cloudwatch.send(
            new GetMetricDataCommand({
              MetricDataQueries: queries.slice(i, i + 500),
              StartTime: start,
              EndTime: end,
              ScanBy: "TimestampAscending",
              NextToken: token,
            }),
          ),
        );
        for (const r of out.MetricDataResults ?? []) {
          const m = /^m(\d+)_(sum|avg|max)$/.exec(r.Id ?? "");
          const w = m ? wanted[Number(m[1])] : undefined;
          if (!m || !w) continue;
          const field = m[2] as "sum" | "avg" | "max";
          (r.Timestamps ?? []).forEach((ts, j) => {
            const t = ts.toISOString();
            const key = `${t}|${w.name}|${w.pipeline}`;
            const p = points.get(key) ?? {
              t,
              name: w.name,
              pipeline: w.pipeline,
              sum: 0,
              avg: 0,
              max: 0,
            };
            p[field] = r.Values?.[j] ?? 0;
            points.set(key, p);
          });
        }
        token = out.NextToken;
        if (!token) break;
      }
    }
    return [...points.values()].sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  }

  const ops = {
    list,
    get,
    retry: (id: string, _actor: string) => retry(id),
    retryMatching: (
      filter: Parameters<Operations["retryMatching"]>[0],
      actor: string,
      onProgress?: Parameters<Operations["retryMatching"]>[2],
      opts?: Parameters<Operations["retryMatching"]>[3],
    ) => retryMatchingWith(ops, filter, actor, onProgress, opts),
    series,
  };
  return ops;
}
