// Metrics: rows read/loaded/quarantined and durations per pipeline. Recorded and read back through
// the metrics port: the ops store locally; deployed, CloudWatch (written as EMF, read with
// GetMetricData).
import { and, gte, inArray, sql } from "drizzle-orm";
import type { OpsDb } from "../ops/db";
import { metricTable } from "./metric.sql";

export const MetricNames = [
  "RowsRead",
  "RowsLoaded",
  "RowsInserted",
  "RowsUpdated",
  "RowsUnchanged",
  "RowsQuarantined",
  "RunDuration",
  "RunFailed",
  "RunSucceeded",
  /** A failed run resolved by a retry, dated when it failed: failures = RunFailed − RunResolved. */
  "RunResolved",
] as const;
export type MetricName = (typeof MetricNames)[number];

export interface Point {
  name: MetricName;
  value: number;
  unit: "Count" | "Milliseconds";
  pipeline: string;
  runId?: string;
  at?: Date;
}

export interface SeriesPoint {
  t: string;
  name: MetricName;
  pipeline: string;
  sum: number;
  avg: number;
  max: number;
}

export interface SeriesQuery {
  names: MetricName[];
  since: Date;
  bucketMinutes: number;
}

export interface Metrics {
  record(points: Point[]): Promise<void>;
  /** Metric series bucketed by `bucketMinutes`, oldest first, for the Metrics page. */
  series(q: SeriesQuery): Promise<SeriesPoint[]>;
}

export function localMetrics(db: OpsDb): Metrics {
  return {
    async record(points) {
      if (!points.length) return;
      await db.insert(metricTable).values(
        points.map((p) => ({
          name: p.name,
          value: p.value,
          unit: p.unit,
          pipeline: p.pipeline,
          runId: p.runId ?? null,
          at: p.at ?? new Date(),
        })),
      );
    },
    series: (q) => querySeries(db, q),
  };
}

/** Metric series bucketed by `bucketMinutes`, for the Metrics page. */
export async function querySeries(db: OpsDb, opts: SeriesQuery): Promise<SeriesPoint[]> {
  // Inlined, not a parameter: SELECT and GROUP BY must be the same expression to the database.
  const width = sql.raw(String(Math.max(60, Math.trunc(opts.bucketMinutes * 60))));
  const bucket = sql<string>`to_timestamp(floor(extract(epoch from ${metricTable.at}) / ${width}) * ${width})`;
  const rows = await db
    .select({
      t: bucket,
      name: metricTable.name,
      pipeline: metricTable.pipeline,
      sum: sql<number>`sum(${metricTable.value})::float8`,
      avg: sql<number>`avg(${metricTable.value})::float8`,
      max: sql<number>`max(${metricTable.value})::float8`,
    })
    .from(metricTable)
    .where(and(inArray(metricTable.name, opts.names), gte(metricTable.at, opts.since)))
    .groupBy(bucket, metricTable.name, metricTable.pipeline)
    .orderBy(bucket);
  return rows.map((r) => ({ ...r, t: new Date(r.t).toISOString(), name: r.name as MetricName }));
}
