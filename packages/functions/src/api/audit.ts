import { listAudit } from "@cdp/core/audit/audit";
import { Hono } from "hono";
import { z } from "zod";
import type { ApiEnv } from "./env";
import { validate } from "./validate";

export const auditRoutes = new Hono<ApiEnv>().get(
  "/",
  validate(
    "query",
    z.object({
      runId: z.string().optional(),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
    }),
  ),
  async (c) => {
    const q = c.req.valid("query");
    return c.json({ items: await listAudit(c.var.platform.ops.db, q) }, 200);
  },
);
