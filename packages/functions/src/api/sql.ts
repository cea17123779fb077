// Read-only SQL on the warehouse, for `cdp sql` and the console: one SELECT, within limits, as a
// role that may only read (packages/core/src/warehouse/read-only-sql.ts says how).
import { runReadOnly } from "@cdp/core/warehouse/read-only-sql";
import { Hono } from "hono";
import { z } from "zod";
import type { ApiEnv } from "./env";
import { validate } from "./validate";

const Query = z.object({ query: z.string().min(1).max(100_000) });

export const sqlRoutes = new Hono<ApiEnv>().post("/", validate("json", Query), async (c) => {
  const wh = await c.var.platform.warehouse();
  const { rows, truncated } = await runReadOnly(wh, c.req.valid("json").query);
  // `truncated` is there only when the answer was cut.
  return c.json(truncated ? { rows, truncated } : { rows }, 200);
});
