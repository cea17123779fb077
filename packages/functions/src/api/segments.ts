// The segmentation API, for the console's Segments page and `cdp segment explain`. Query params
// and response shapes are a contract: extend, never rename.
//
// GET /api/segments/runs        ?limit=      → { items: SegmentRunSummary[] } successful runs,
//                                              newest first: k, sizes and labels by segment,
//                                              inertia (fitted space), silhouette, keys, moved
// GET /api/segments/profile     ?run=        → SegmentProfile (default: the latest run): each
//                                              segment's label, size, share, centroid in the
//                                              features' units and z-scores; the features; drift
// GET /api/segments/drift       ?from= &to=  → Drift + fromLabels, toLabels (default: the latest
//                                              run against the one before it)
// GET /api/segments/users/:id   ?run=        → UserWhy: the stored segment, the user's features
//                                              now, distances to every centroid, deciding features
import {
  driftBetween,
  explainUser,
  listSegmentRuns,
  readProfile,
  resolveRun,
} from "@cdp/core/segment/views";
import { Hono } from "hono";
import { z } from "zod";
import type { ApiEnv } from "./env";
import { validate } from "./validate";

const runId = z.string().min(1).max(128);

export const segmentRoutes = new Hono<ApiEnv>()
  .get(
    "/runs",
    validate("query", z.object({ limit: z.coerce.number().int().min(1).max(500).optional() })),
    async (c) => {
      const items = await listSegmentRuns(c.var.platform.operations, c.req.valid("query").limit);
      return c.json({ items }, 200);
    },
  )
  .get("/profile", validate("query", z.object({ run: runId.optional() })), async (c) => {
    const { platform } = c.var;
    const run = await resolveRun(await platform.warehouse(), c.req.valid("query").run);
    return c.json(await readProfile(platform.lake, run), 200);
  })
  .get(
    "/drift",
    validate("query", z.object({ from: runId.optional(), to: runId.optional() })),
    async (c) => {
      const { platform } = c.var;
      return c.json(
        await driftBetween(await platform.warehouse(), platform.lake, c.req.valid("query")),
        200,
      );
    },
  )
  .get(
    "/users/:id",
    validate("param", z.object({ id: z.string().min(1).max(1024) })),
    validate("query", z.object({ run: runId.optional() })),
    async (c) => {
      const { platform } = c.var;
      const why = await explainUser(
        await platform.warehouse(),
        platform.lake,
        c.req.valid("param").id,
        c.req.valid("query").run,
      );
      return c.json(why, 200);
    },
  );
