// The pipelines this platform runs, and which of them an operator may start from the console.
import { Hono } from "hono";
import type { ApiEnv } from "./env";

/** Pipelines started by hand with no arguments; the rest start from their triggers (files, schedules). */
const STARTABLE = new Set(["selftest", "housekeeping"]);

export const pipelineRoutes = new Hono<ApiEnv>().get("/", (c) => {
  const names = c.var.platform.runner?.pipelines ?? [];
  return c.json({ items: names.map((name) => ({ name, startable: STARTABLE.has(name) })) }, 200);
});
