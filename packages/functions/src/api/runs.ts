// The runs API. Query params and response shapes are a contract: extend, never rename.
//
// GET  /api/runs            ?status=FAILED,TIMED_OUT &pipeline= &from= &to= &cursor= &limit=
//                           &resolved=false (leave out failed runs a retry resolved; true: only
//                           those) &attention=true (needs attention: failed — of the statuses
//                           given, else any failed status — and not resolved)
//                           → { items: Run[], nextCursor }; each Run has, beside its facts,
//                           subject, failureClass ("transient" | "needs_fix" | null), failureHint,
//                           resolvedBy, resolvedAt and needsAttention.
// GET  /api/runs/retryable  same filter → { count, capped, needsFix, sample[] }
// POST /api/runs/retry-all  { ...filter, max?, includeNeedsFix?, wait? } → NDJSON progress, done
// GET  /api/runs/:id        → Run + { chain, retry, engineDetail, links }
// POST /api/runs/:id/retry  ?wait=true ?confirm=true → 201 { run }; a run that needs a fix is a
//                           409 run.needs_fix (saying what must change) unless confirm=true.
import { type RunView, viewRun } from "@cdp/core/pipelines";
import type { Platform } from "@cdp/core/platform";
import type { RetryFilter, RetryMatchingResult } from "@cdp/core/run/operations";
import { FailedStatuses, type Info, ListFilter, needsAttention, Status } from "@cdp/core/run/run";
import { VisibleError } from "@cdp/core/util/error";
import { Hono } from "hono";
import { stream } from "hono/streaming";
import { z } from "zod";
import type { ApiEnv } from "./env";
import { csv, validate } from "./validate";

const flag = z.enum(["true", "false"]).optional();

const ListQuery = z.object({
  status: z.string().optional(),
  pipeline: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  resolved: flag,
  attention: flag,
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export function toFilter(q: z.infer<typeof ListQuery>): ListFilter {
  let status = csv(q.status)?.map((s) => Status.parse(s.toUpperCase()));
  let resolved = q.resolved === undefined ? undefined : q.resolved === "true";
  if (q.attention === "true") {
    const failed = (status ?? [...FailedStatuses]).filter((s) => FailedStatuses.includes(s));
    if (!failed.length) {
      throw new VisibleError(
        "input",
        "run.bad_filter",
        "attention=true lists failed runs, and the status filter names no failed status",
      );
    }
    status = failed;
    resolved = false;
  }
  return ListFilter.parse({
    status,
    pipeline: csv(q.pipeline),
    from: q.from,
    to: q.to,
    resolved,
    cursor: q.cursor,
    limit: q.limit,
  });
}

/** A run as the API serves it: its pipeline's view, and whether it still needs attention. */
export function view<R extends Info>(run: R): RunView<R> & { needsAttention: boolean } {
  return { ...viewRun(run), needsAttention: needsAttention(run) };
}

const BulkFilter = z.object({
  status: z.string().optional(),
  pipeline: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  resolved: flag,
  attention: flag,
});

/** How long a bulk retry with `wait` waits for its retries to finish before saying which still run. */
export const BULK_WAIT_MS = 120_000;

/** The retries a bulk retry started, once finished (or as they are when the wait runs out). */
async function outcomes(platform: Platform, retried: RetryMatchingResult["retried"]) {
  const deadline = new Promise<null>((r) => setTimeout(() => r(null), BULK_WAIT_MS).unref?.());
  const finished = await Promise.all(
    retried.map(async ({ retry }) => {
      const done = await Promise.race([
        platform.starter.wait(retry.id).catch(() => null),
        deadline,
      ]);
      return { id: retry.id, status: (done ?? retry).status };
    }),
  );
  const status = new Map(finished.map((f) => [f.id, f.status]));
  const count = (pred: (s: Status) => boolean) => finished.filter((f) => pred(f.status)).length;
  return {
    status,
    outcome: {
      succeeded: count((s) => s === "SUCCEEDED"),
      failed: count((s) => FailedStatuses.includes(s)),
      stillRunning: count((s) => s === "QUEUED" || s === "RUNNING"),
    },
  };
}

function toRetryFilter(q: z.infer<typeof BulkFilter>): RetryFilter {
  const { cursor: _c, limit: _l, ...filter } = toFilter(q);
  return filter;
}

/** How many runs a bulk retry would take on (counting stops here; the UI says "1000+"). */
const RETRYABLE_COUNT_CAP = 1000;

const StartRun = z.object({
  pipeline: z.string().min(1),
  args: z.record(z.string(), z.unknown()).default({}),
});

export const runRoutes = new Hono<ApiEnv>()
  .get("/", validate("query", ListQuery), async (c) => {
    const page = await c.var.platform.operations.list(toFilter(c.req.valid("query")));
    return c.json({ items: page.items.map(view), nextCursor: page.nextCursor }, 200);
  })
  .post(
    "/",
    validate("json", StartRun),
    validate("query", z.object({ wait: z.string().optional() })),
    async (c) => {
      const { starter } = c.var.platform;
      const body = c.req.valid("json");
      const run = await starter.start(body.pipeline, body.args);
      const wait = c.req.valid("query").wait === "true";
      return c.json({ run: view(wait ? await starter.wait(run.id) : run) }, 201);
    },
  )
  // What a bulk retry of this filter would do: failed runs matching it that were not retried yet,
  // and how many of those need a fix (a bulk retry skips them unless told to include them). The
  // filter is the server's, not the page the console shows.
  .get("/retryable", validate("query", BulkFilter), async (c) => {
    const filter = toRetryFilter(c.req.valid("query"));
    const status = (filter.status ?? [...FailedStatuses]).filter((s) => FailedStatuses.includes(s));
    let count = 0;
    let needsFix = 0;
    const sample: {
      id: string;
      pipeline: string;
      status: string;
      createdAt: string;
      subject: string | null;
      failureClass: Info["failureClass"];
      failureHint: string | null;
    }[] = [];
    let cursor: string | undefined;
    if (status.length) {
      do {
        const page = await c.var.platform.operations.list({
          ...filter,
          resolved: filter.resolved ?? false,
          status,
          cursor,
          limit: 200,
        });
        for (const r of page.items) {
          if (r.retriedBy) continue;
          count++;
          if (r.failureClass === "needs_fix") needsFix++;
          if (sample.length < 20)
            sample.push({
              id: r.id,
              pipeline: r.pipeline,
              status: r.status,
              createdAt: r.createdAt,
              subject: viewRun(r).subject,
              failureClass: r.failureClass,
              failureHint: r.failureHint,
            });
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor && count < RETRYABLE_COUNT_CAP);
    }
    return c.json({ count, capped: count >= RETRYABLE_COUNT_CAP, needsFix, sample }, 200);
  })
  // Retry every failed run matching the filter, skipping those already retried and — unless
  // `includeNeedsFix` — those that need a fix. The response is NDJSON: a `progress` line per run,
  // then one `done` line with the result: what was retried, skipped (and why, in words), failed to
  // start, and with `wait`, how the retries ended.
  .post(
    "/retry-all",
    validate(
      "json",
      BulkFilter.extend({
        max: z.number().int().min(1).max(1000).optional(),
        includeNeedsFix: z.boolean().optional(),
        wait: z.boolean().optional(),
      }),
    ),
    async (c) => {
      const body = c.req.valid("json");
      const filter = toRetryFilter(body);
      const { platform } = c.var;
      const { operations } = platform;
      const actor = c.var.actor;
      c.header("content-type", "application/x-ndjson");
      return stream(c, async (out) => {
        const write = (line: unknown) => out.write(`${JSON.stringify(line)}\n`);
        const result = await operations.retryMatching(
          filter,
          actor,
          (p) => {
            void write({
              type: "progress",
              processed: p.processed,
              retried: p.retried,
              skipped: p.skipped,
              failed: p.failed,
              last: {
                id: p.last.run.id,
                outcome: p.last.outcome,
                retryId: p.last.retry?.id ?? null,
                reason: p.last.reason ?? null,
              },
            });
          },
          { max: body.max, includeNeedsFix: body.includeNeedsFix },
        );
        const waited = body.wait ? await outcomes(platform, result.retried) : null;
        const skippedAs = (code: string) => result.skipped.filter((s) => s.code === code).length;
        await write({
          type: "done",
          retried: result.retried.map((r) => ({
            id: r.id,
            retryId: r.retry.id,
            status: waited?.status.get(r.retry.id) ?? r.retry.status,
          })),
          skipped: result.skipped,
          failed: result.failed,
          stoppedEarly: result.stoppedEarly,
          counts: {
            retried: result.retried.length,
            failedToStart: result.failed.length,
            skippedAlreadyRetried: skippedAs("run.already_retried"),
            skippedNeedsFix: skippedAs("run.needs_fix"),
            skippedOther:
              result.skipped.length - skippedAs("run.already_retried") - skippedAs("run.needs_fix"),
          },
          outcome: waited?.outcome ?? null,
        });
      });
    },
  )
  .get("/:id", async (c) => {
    const run = await c.var.platform.operations.get(c.req.param("id"));
    return c.json({ ...view(run), chain: run.chain.map(view) }, 200);
  })
  .post(
    "/:id/retry",
    validate("query", z.object({ wait: z.string().optional(), confirm: z.string().optional() })),
    async (c) => {
      const q = c.req.valid("query");
      const run = await c.var.platform.operations.retry(c.req.param("id"), c.var.actor, {
        confirm: q.confirm === "true",
      });
      const wait = q.wait === "true";
      return c.json({ run: view(wait ? await c.var.platform.starter.wait(run.id) : run) }, 201);
    },
  );
