import { ListFilter, Status } from "@cdp/core/run/run";
import { VisibleError } from "@cdp/core/util/error";
import { Hono } from "hono";
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

const StartRun = z.object({
  pipeline: z.string().min(1),
  args: z.record(z.string(), z.unknown()).default({}),
});

export const runRoutes = new Hono<ApiEnv>()
  .get("/", validate("query", ListQuery), async (c) => {
    const page = await c.var.platform.operations.list(toFilter(c.req.valid("query")));
    return c.json(page, 200);
  })
  .post(
    "/",
    validate("json", StartRun),
    validate("query", z.object({ wait: z.string().optional() })),
    async (c) => {
      const runner = c.var.platform.runner;
      if (!runner) {
        throw new VisibleError(
          "input",
          "run.not_local",
          "runs are started by their triggers when deployed",
        );
      }
      const body = c.req.valid("json");
      const run = await runner.submit(body.pipeline, body.args);
      if (c.req.valid("query").wait === "true")
        return c.json({ run: await runner.wait(run.id) }, 201);
      return c.json({ run }, 201);
    },
  )
  .get("/:id", async (c) => {
    return c.json(await c.var.platform.operations.get(c.req.param("id")), 200);
  })
  .post("/:id/retry", validate("query", z.object({ wait: z.string().optional() })), async (c) => {
    const run = await c.var.platform.operations.retry(c.req.param("id"), c.var.actor);
    const runner = c.var.platform.runner;
    if (runner && c.req.valid("query").wait === "true")
      return c.json({ run: await runner.wait(run.id) }, 201);
    return c.json({ run }, 201);
  });
