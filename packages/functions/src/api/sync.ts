// The Salesforce sync's API (for the console's Sync page and `cdp sync`). Shapes are a contract:
// extend, never rename.
//
// GET  /api/sync/runs                        ?cursor= &limit= → { items: SyncRunSummary[], nextCursor }
// GET  /api/sync/runs/:runId/errors          ?status=failed,unsent (default failed) &cursor= &limit=
//                                            → { runId, items: [{ externalId, status, errorCode,
//                                              message, payload, attempts, transport, updatedAt }],
//                                              nextCursor }
// POST /api/sync/runs/:runId/retry-failed    ?wait=true → 201 { run }: a sync run re-sending only
//                                            that run's records Salesforce did not accept; 409
//                                            sync.nothing_to_retry | sync.busy | sync.still_running
import { viewRun } from "@cdp/core/pipelines";
import { ListFilter } from "@cdp/core/run/run";
import { PIPELINE, RecordStatus } from "@cdp/core/sync/model";
import { listRecords } from "@cdp/core/sync/state";
import { mustGetSyncRun, retryFailed, summarize } from "@cdp/core/sync/views";
import { Hono } from "hono";
import { z } from "zod";
import type { ApiEnv } from "./env";
import { csv, validate } from "./validate";

const Page = z.object({
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export const syncRoutes = new Hono<ApiEnv>()
  .get("/runs", validate("query", Page), async (c) => {
    const q = c.req.valid("query");
    const page = await c.var.platform.operations.list(
      ListFilter.parse({ pipeline: [PIPELINE], cursor: q.cursor, limit: q.limit }),
    );
    return c.json({ items: page.items.map(summarize), nextCursor: page.nextCursor }, 200);
  })
  .get(
    "/runs/:runId/errors",
    validate("query", Page.extend({ status: z.string().optional() })),
    async (c) => {
      const q = c.req.valid("query");
      const runId = c.req.param("runId");
      const db = c.var.platform.ops.db;
      await mustGetSyncRun(db, runId);
      const status = (csv(q.status) ?? ["failed"]).map((s) => RecordStatus.parse(s));
      const page = await listRecords(db, runId, { status, after: q.cursor, limit: q.limit ?? 100 });
      return c.json({ runId, ...page }, 200);
    },
  )
  .post(
    "/runs/:runId/retry-failed",
    validate("query", z.object({ wait: z.string().optional() })),
    async (c) => {
      const { platform } = c.var;
      const run = await retryFailed(
        platform.ops.db,
        platform.starter,
        c.req.param("runId"),
        c.var.actor,
      );
      const wait = c.req.valid("query").wait === "true";
      return c.json({ run: viewRun(wait ? await platform.starter.wait(run.id) : run) }, 201);
    },
  );
