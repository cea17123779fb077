import { viewRun } from "@cdp/core/pipelines";
import type { RetryFilter } from "@cdp/core/run/operations";
import { FailedStatuses, ListFilter, Status } from "@cdp/core/run/run";
import { Hono } from "hono";
import { stream } from "hono/streaming";
import { z } from "zod";
import type { ApiEnv } from "./env";
import { csv, validate } from "./validate";

const ListQuery = z.object({
  status: z.string().optional(),
  pipeline: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export function toFilter(q: z.infer<typeof ListQuery>): ListFilter {
  return ListFilter.parse({
    status: csv(q.status)?.map((s) => Status.parse(s.toUpperCase())),
    pipeline: csv(q.pipeline),
    from: q.from,
    to: q.to,
    cursor: q.cursor,
    limit: q.limit,
  });
}

const BulkFilter = z.object({
  status: z.string().optional(),
  pipeline: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
});

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
    return c.json({ items: page.items.map(viewRun), nextCursor: page.nextCursor }, 200);
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
      return c.json({ run: viewRun(wait ? await starter.wait(run.id) : run) }, 201);
    },
  )
  // What a bulk retry of this filter would do: failed runs matching it that were not retried yet.
  // The filter is the server's, not the page the console shows.
  .get("/retryable", validate("query", BulkFilter), async (c) => {
    const filter = toRetryFilter(c.req.valid("query"));
    const status = (filter.status ?? [...FailedStatuses]).filter((s) => FailedStatuses.includes(s));
    let count = 0;
    const sample: { id: string; pipeline: string; status: string; createdAt: string }[] = [];
    let cursor: string | undefined;
    if (status.length) {
      do {
        const page = await c.var.platform.operations.list({
          ...filter,
          status,
          cursor,
          limit: 200,
        });
        for (const r of page.items) {
          if (r.retriedBy) continue;
          count++;
          if (sample.length < 20)
            sample.push({
              id: r.id,
              pipeline: r.pipeline,
              status: r.status,
              createdAt: r.createdAt,
            });
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor && count < RETRYABLE_COUNT_CAP);
    }
    return c.json({ count, capped: count >= RETRYABLE_COUNT_CAP, sample }, 200);
  })
  // Retry every failed run matching the filter (skipping those already retried). The response is
  // NDJSON: a `progress` line per run, then one `done` line with the result.
  .post(
    "/retry-all",
    validate("json", BulkFilter.extend({ max: z.number().int().min(1).max(1000).optional() })),
    async (c) => {
      const body = c.req.valid("json");
      const filter = toRetryFilter(body);
      const { operations } = c.var.platform;
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
          { max: body.max },
        );
        await write({
          type: "done",
          retried: result.retried.map((r) => ({ id: r.id, retryId: r.retry.id })),
          skipped: result.skipped,
          failed: result.failed,
          stoppedEarly: result.stoppedEarly,
        });
      });
    },
  )
  .get("/:id", async (c) => {
    const run = await c.var.platform.operations.get(c.req.param("id"));
    return c.json({ ...viewRun(run), chain: run.chain.map(viewRun) }, 200);
  })
  .post("/:id/retry", validate("query", z.object({ wait: z.string().optional() })), async (c) => {
    const run = await c.var.platform.operations.retry(c.req.param("id"), c.var.actor);
    const wait = c.req.valid("query").wait === "true";
    return c.json({ run: viewRun(wait ? await c.var.platform.starter.wait(run.id) : run) }, 201);
  });
