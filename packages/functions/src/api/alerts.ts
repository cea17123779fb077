// The alerts API. Query params and response shapes are a contract: extend, never rename.
//
// GET  /api/alerts          ?unacknowledged=true (not acknowledged) &open=true (neither
//                           acknowledged nor resolved) &resolved=true (only resolved) &limit=
//                           → { items: Alert[] }; a resolved alert has resolvedAt and resolution
//                           ("resolved by run run_… (retry succeeded)"); every alert has
//                           runbook, the address of its docs/runbook.md section.
// POST /api/alerts/ack      { ids: [...] } (at most 500) → { acknowledged: Alert[],
//                           alreadyAcknowledged: id[], notFound: id[] }
// POST /api/alerts/:id/ack  → { alert }
import {
  acknowledgeAlert,
  acknowledgeAlerts,
  listAlerts,
  MAX_BULK_ACK,
} from "@cdp/core/alert/alert";
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
        open: z.string().optional(),
        resolved: z.string().optional(),
        limit: z.coerce.number().int().min(1).max(500).optional(),
      }),
    ),
    async (c) => {
      const q = c.req.valid("query");
      const items = await listAlerts(c.var.platform.ops.db, {
        unacknowledged: q.unacknowledged === "true",
        open: q.open === "true",
        resolved: q.resolved === "true",
        limit: q.limit,
        runbookBase: c.var.platform.runbookUrl,
      });
      return c.json({ items }, 200);
    },
  )
  // Acknowledge several at once: the ones the console shows, or the ones selected.
  .post(
    "/ack",
    validate("json", z.object({ ids: z.array(z.string().min(1)).min(1).max(MAX_BULK_ACK) })),
    async (c) => {
      const { ids } = c.req.valid("json");
      const { platform } = c.var;
      const result = await acknowledgeAlerts(
        platform.ops.db,
        ids,
        c.var.actor,
        platform.runbookUrl,
      );
      return c.json(result, 200);
    },
  )
  .post("/:id/ack", async (c) => {
    const { platform } = c.var;
    const id = c.req.param("id");
    const alert = await acknowledgeAlert(platform.ops.db, id, c.var.actor, platform.runbookUrl);
    return c.json({ alert }, 200);
  });
