import { schemaHistory } from "@cdp/core/ingest/schema-history";
import {
  failureSamples,
  failureStatusCounts,
  failureStatuses,
  failureSummary,
  failuresOverTime,
} from "@cdp/core/quality/failures";
import { Hono } from "hono";
import { z } from "zod";
import type { ApiEnv } from "./env";
import { validate } from "./validate";

const Filter = z.object({
  table: z.string().optional(),
  rule: z.string().optional(),
  runId: z.string().optional(),
  since: z.string().datetime({ offset: true }).optional(),
  /** Open failing rows (the default), the ones a later version of their file fixed, or all. */
  status: z.enum(failureStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

const toFilter = (q: z.infer<typeof Filter>) => ({
  ...q,
  since: q.since ? new Date(q.since) : undefined,
});

export const qualityRoutes = new Hono<ApiEnv>()
  .get("/summary", validate("query", Filter), async (c) => {
    const f = toFilter(c.req.valid("query"));
    const db = c.var.platform.ops.db;
    const [byRule, overTime, statuses] = await Promise.all([
      failureSummary(db, f),
      failuresOverTime(db, f),
      failureStatusCounts(db, f),
    ]);
    return c.json({ byRule, overTime, statuses }, 200);
  })
  .get("/failures", validate("query", Filter), async (c) => {
    const items = await failureSamples(c.var.platform.ops.db, toFilter(c.req.valid("query")));
    return c.json({ items }, 200);
  });

export const schemaRoutes = new Hono<ApiEnv>().get(
  "/",
  validate("query", z.object({ table: z.string().optional() })),
  async (c) => {
    const changes = await schemaHistory(c.var.platform.ops.db, c.req.valid("query").table);
    return c.json({ changes }, 200);
  },
);
