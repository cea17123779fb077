// The pipelines this platform runs, from the registry's descriptors, and which of them an operator
// may start from the console (those started with no arguments, where runs start by hand).
import { Hono } from "hono";
import type { ApiEnv } from "./env";

export const pipelineRoutes = new Hono<ApiEnv>().get("/", (c) => {
  const { pipelines, starter } = c.var.platform;
  const items = pipelines.map((p) => ({
    name: p.name,
    startable: starter.startable && p.start === "button",
  }));
  return c.json({ items }, 200);
});
