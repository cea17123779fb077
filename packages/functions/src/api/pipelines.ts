// The pipelines this platform runs, and which of them an operator may start from the console.
import { Hono } from "hono";
import type { ApiEnv } from "./env";

/**
 * Pipelines started by hand with no arguments (locally); the rest start from their triggers
 * (files, schedules), and deployed every pipeline does.
 */
const STARTABLE = new Set(["selftest", "housekeeping"]);

export const pipelineRoutes = new Hono<ApiEnv>().get("/", (c) => {
  const { pipelines, runner } = c.var.platform;
  const items = pipelines.map((name) => ({ name, startable: !!runner && STARTABLE.has(name) }));
  return c.json({ items }, 200);
});
