import { acknowledgeAlert, listAlerts } from "@cdp/core/alert/alert";
import { Hono } from "hono";
import { z } from "zod";
import type { ApiEnv } from "./env";
import { validate } from "./validate";

export const alertRoutes = new Hono<ApiEnv>()
  .get(
    "/",
    validate(
      "query",
      z.object({
        unacknowledged: z.string().optional(),
        limit: z.coerce.number().int().min(1).max(500).optional(),
      }),
    ),
    async (c) => {
      const q = c.req.valid("query");
      const items = await listAlerts(c.var.platform.ops.db, {
        unacknowledged: q.unacknowledged === "true",
        limit: q.limit,
      });
      return c.json({ items }, 200);
    },
  )
  .post("/:id/ack", async (c) => {
    const alert = await acknowledgeAlert(c.var.platform.ops.db, c.req.param("id"), c.var.actor);
    return c.json({ alert }, 200);
  });
