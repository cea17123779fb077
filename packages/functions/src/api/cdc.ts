// The CDC page's API: per table fed by AWS DMS, the newest change applied, the lag behind the
// files waiting in dms/, the applied files' counts, and the files pending and failed
// (packages/core/src/cdc/status.ts reads them from the warehouse and the lake).
import { cdcStatus } from "@cdp/core/cdc/status";
import { Hono } from "hono";
import type { ApiEnv } from "./env";

export const cdcRoutes = new Hono<ApiEnv>().get("/tables", async (c) => {
  const platform = c.var.platform;
  const tables = await cdcStatus({ warehouse: await platform.warehouse(), lake: platform.lake });
  return c.json({ tables }, 200);
});
