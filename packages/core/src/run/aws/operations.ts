// The AWS adapter of the operations port: Glue job runs and Step Functions executions listed,
// explained and retried through their engines (glue.ts, sfn.ts), merged into the one Run model;
// the ops store adds what AWS does not keep (arguments of runs we started, row stats, retry links).
import { inArray } from "drizzle-orm";
import type { OpsDb } from "../../ops/db";
import type { AwsClients } from "../../util/aws";
import { VisibleError } from "../../util/error";
import { alreadyRetried, needsFixFirst, runNotFound } from "../errors";
import { retryNeedsFix } from "../failure";
import type { RetryOptions } from "../lifecycle";
import { type Detail, type Operations, type RetryPreview, retryMatchingWith } from "../operations";
import { type Info, isActive, isFailed, ListFilter, type Page, walkRetryChain } from "../run";
import { runTable } from "../run.sql";
import type { AwsEngine, LoadedRun } from "./engine";
import { enrich } from "./enrich";
import { type GlueJobConfig, glueEngine } from "./glue";
import { mergePage } from "./merge";
import { type StateMachineConfig, sfnEngine } from "./sfn";

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
}

export interface AwsOperationsDeps {
  clients: Pick<AwsClients, "glue" | "sfn">;
  config: AwsOperationsConfig;
  db: OpsDb;
}

/**
 * Why a retry is refused now, as the conflict the retry would raise; null when it may go. A run
 * that needs a fix is refused unless confirmed (the preview leaves that to the console to ask).
 */
async function conflictFor(l: LoadedRun, opts: RetryOptions = {}): Promise<VisibleError | null> {
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
  if (opts.confirm !== undefined && retryNeedsFix(run) && !opts.confirm) return needsFixFirst(run);
  const { twin, successor } = await l.twinAndSuccessor();
  if (successor) {
    run.retriedBy = successor;
    return alreadyRetried(run.id, successor);
  }
  if (twin) {
    return new VisibleError(
      "conflict",
      "run.already_running",
      `${twin.id} is already ${twin.status.toLowerCase()} with the same ${l.sameWork}; wait for it instead of starting another`,
      { runId: twin.id },
    );
  }
  return null;
}

/** The conflict as the run detail words it. */
function blockedReason(run: Info, conflict: VisibleError): string {
  if (conflict.code === "run.already_retried") return `already retried as ${run.retriedBy}`;
  if (conflict.code === "run.not_failed") {
    const why = isActive(run.status) ? "it is still going" : `it ${run.status.toLowerCase()}`;
    return `only failed runs can be retried; ${why}`;
  }
  return conflict.message;
}

export function awsOperations(deps: AwsOperationsDeps): Operations {
  const { clients, config, db } = deps;
  const ctx = { db, region: config.region, pageSize: config.pageSize ?? 100 };
  const engines: AwsEngine[] = [
    glueEngine(clients.glue, ctx, config.glueJobs),
    sfnEngine(clients.sfn, ctx, config.stateMachines),
  ];

  async function load(id: string): Promise<LoadedRun> {
    const engine = engines.find((e) => e.owns(id));
    if (!engine) throw runNotFound(id);
    return engine.load(id);
  }

  async function infoOf(id: string): Promise<Info | null> {
    try {
      return (await load(id)).info;
    } catch (err) {
      if (err instanceof VisibleError && err.kind === "not_found") return null;
      throw err;
    }
  }

  /**
   * Resolutions the ops store cannot vouch for: a failed run whose retry's row is not final (a
   * Glue job's retry, which no task of ours finishes) asks the engine how that retry ended. Runs
   * whose retries a task recorded (the ingest machine's) cost nothing; at most a few per page.
   */
  async function engineResolutions(items: Info[]): Promise<Info[]> {
    const open = items.filter((r) => isFailed(r.status) && !r.resolvedBy && r.retriedBy);
    if (!open.length) return items;
    const rows = await db
      .select({ id: runTable.id, status: runTable.status })
      .from(runTable)
      .where(
        inArray(
          runTable.id,
          open.map((r) => r.retriedBy!),
        ),
      );
    const recorded = new Map(rows.map((r) => [r.id, r.status]));
    let budget = 5;
    const out: Info[] = [];
    for (const run of items) {
      const status = run.retriedBy ? recorded.get(run.retriedBy) : undefined;
      const final = status !== undefined && status !== "QUEUED" && status !== "RUNNING";
      if (!open.includes(run) || final || budget <= 0) {
        out.push(run);
        continue;
      }
      budget--;
      let by: string | null = null;
      for (let next = run.retriedBy, n = 0; next && !by && n < 5; n++) {
        const retry = await infoOf(next);
        if (!retry) break;
        if (retry.status === "SUCCEEDED") by = retry.id;
        next = retry.retriedBy;
      }
      out.push(by ? { ...run, resolvedBy: by } : run);
    }
    return out;
  }

  async function mergedPage(f: ListFilter & { limit: number }): Promise<Page<Info>> {
    const page = await mergePage(
      engines.flatMap((e) => e.sources(f)),
      f,
      { pageSize: ctx.pageSize, maxPages: config.maxPagesPerRequest ?? 20 },
    );
    return { ...page, items: await engineResolutions(await enrich(db, page.items)) };
  }

  async function list(input: ListFilter): Promise<Page<Info>> {
    const f = ListFilter.parse(input);
    if (f.resolved === undefined) return mergedPage(f);
    // Whether a run is resolved is the ops store's to say, not the engines': filter the merged
    // runs once enriched, reading on (a few merged pages at most) to fill the page. The cursor is
    // the merge's, so pages never repeat or skip a run; a page may come back short.
    const items: Info[] = [];
    let cursor = f.cursor;
    for (let read = 0; read < 5; read++) {
      const page = await mergedPage({ ...f, cursor, limit: f.limit - items.length });
      items.push(...page.items.filter((r) => !!r.resolvedBy === f.resolved));
      cursor = page.nextCursor ?? undefined;
      if (!cursor || items.length >= f.limit) break;
    }
    return { items, nextCursor: cursor ?? null };
  }

  async function chainOf(run: Info): Promise<Info[]> {
    return walkRetryChain(run, infoOf);
  }

  async function get(id: string): Promise<Detail> {
    const l = await load(id);
    const conflict = await conflictFor(l);
    const retry: RetryPreview = { ...l.preview(), blockedReason: null };
    if (conflict) retry.blockedReason = blockedReason(l.info, conflict);
    const chain = await chainOf(l.info);
    // The chain was read from the engines: a success after this run in it resolves it, whatever
    // the ops store recorded (a Glue job's retry, which no task of ours finishes).
    const info = { ...l.info };
    if (isFailed(info.status) && !info.resolvedBy) {
      const after = chain.slice(chain.findIndex((r) => r.id === info.id) + 1);
      info.resolvedBy = after.find((r) => r.status === "SUCCEEDED")?.id ?? null;
    }
    return { ...info, chain, retry, ...l.detail() };
  }

  async function retry(id: string, opts: RetryOptions = {}): Promise<Info> {
    const l = await load(id);
    const conflict = await conflictFor(l, { confirm: opts.confirm ?? false });
    if (conflict) throw conflict;
    return l.retry();
  }

  const ops: Operations = {
    list,
    get,
    retry: (id, _actor, opts) => retry(id, opts),
    retryMatching: (filter, actor, onProgress, opts) =>
      retryMatchingWith(ops, filter, actor, onProgress, opts),
  };
  return ops;
}
