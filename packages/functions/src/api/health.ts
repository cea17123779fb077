// Health of each dependency with its latency; 503 when any is down. Every platform has an ops
// store, a warehouse and an object store; a platform adds its engines' checks (deployed: Glue and
// Step Functions) as `extraChecks`.
import { sql } from "drizzle-orm";
import { Hono } from "hono";
import type { ApiEnv } from "./env";

export interface Check {
  name: string;
  ok: boolean;
  latencyMs: number;
  error?: string;
}

async function timed(name: string, fn: () => Promise<unknown>): Promise<Check> {
  const start = performance.now();
  try {
    await fn();
    return { name, ok: true, latencyMs: Math.round((performance.now() - start) * 10) / 10 };
  } catch (err) {
    const latencyMs = Math.round((performance.now() - start) * 10) / 10;
    return { name, ok: false, latencyMs, error: err instanceof Error ? err.message : String(err) };
  }
}

export const healthRoutes = new Hono<ApiEnv>().get("/", async (c) => {
  const p = c.var.platform;
  const checks = await Promise.all([
    timed("ops store", () => p.ops.db.execute(sql`select 1`)),
    timed("warehouse", async () => (await p.warehouse()).query("select 1")),
    timed("object store", () => p.lake.list("health/")),
    ...(p.extraChecks ?? []).map((x) => timed(x.name, () => x.check())),
  ]);
  const ok = checks.every((x) => x.ok);
  // Anyone may ask whether it is up; why a dependency is down is for those who showed a token.
  const shown: Check[] = c.var.authed ? checks : checks.map(({ error: _hidden, ...rest }) => rest);
  return c.json({ ok, runtime: p.runtime, checks: shown }, ok ? 200 : 503);
});
