import { MetricNames } from "@cdp/core/metric/metric";
import { Hono } from "hono";
import { z } from "zod";
import type { ApiEnv } from "./env";
import { csv, validate } from "./validate";

const Query = z.object({
  names: z.string().optional(),
  /** How far back, in hours (default 24). */
  hours: z.coerce
    .number()
    .min(1)
    .max(24 * 90)
    .optional(),
  /** Bucket width in minutes (default: about 60 buckets over the range). */
  bucket: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
});

export const metricRoutes = new Hono<ApiEnv>().get("/", validate("query", Query), async (c) => {
  const q = c.req.valid("query");
  const hours = q.hours ?? 24;
  const names = z.array(z.enum(MetricNames)).parse(csv(q.names) ?? [...MetricNames]);
  const bucketMinutes = q.bucket ?? Math.max(1, Math.round((hours * 60) / 60));
  const opts = { names, since: new Date(Date.now() - hours * 3_600_000), bucketMinutes };
  // Read where the runtime keeps them: CloudWatch when deployed, the ops store locally.
  const series = await c.var.platform.metrics.series(opts);
  return c.json({ bucketMinutes, series }, 200);
});
