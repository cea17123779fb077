// Read-only SQL on the warehouse, for `cdp sql` and the console.
import { VisibleError } from "@cdp/core/util/error";
import { Hono } from "hono";
import { z } from "zod";
import type { ApiEnv } from "./env";
import { validate } from "./validate";

const Query = z.object({ query: z.string().min(1).max(100_000) });

export const sqlRoutes = new Hono<ApiEnv>().post("/", validate("json", Query), async (c) => {
  const wh = await c.var.platform.warehouse();
  const { query } = c.req.valid("json");
  try {
    // A read-only transaction: the database itself refuses writes, whatever the text says.
    const rows = await wh.transaction(async (tx) => {
      await tx.query("SET TRANSACTION READ ONLY");
      return tx.query(query);
    });
    return c.json({ rows }, 200);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new VisibleError("input", "sql.failed", message);
  }
});
