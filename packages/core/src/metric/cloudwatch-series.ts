// The Metrics page's series read back from CloudWatch (GetMetricData): the metrics the EMF adapter
// wrote, per pipeline, as sum, average and maximum per bucket.
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import { awsCall } from "../util/aws";
import { METRICS_NAMESPACE, PIPELINE_DIMENSION } from "./cloudwatch";
import type { MetricName, SeriesPoint, SeriesQuery } from "./metric";

const stats = [
  ["Sum", "sum"],
  ["Average", "avg"],
  ["Maximum", "max"],
] as const;

/** GetMetricData takes at most 500 queries per call. */
const MAX_QUERIES = 500;

export async function cloudwatchSeries(
  cloudwatch: CloudWatchClient,
  source: { pipelines: readonly string[]; namespace?: string },
  q: SeriesQuery,
): Promise<SeriesPoint[]> {
  const period = q.bucketMinutes * 60;
  const namespace = source.namespace ?? METRICS_NAMESPACE;
  // The dimension is required to read a metric back: ask for every pipeline we know of.
  const wanted: { name: MetricName; pipeline: string }[] = q.names.flatMap((name) =>
    [...new Set(source.pipelines)].map((pipeline) => ({ name, pipeline })),
  );
  const queries: MetricDataQuery[] = wanted.flatMap((w, i) =>
    stats.map(([stat, short]) => ({
      Id: `m${i}_${short}`,
      MetricStat: {
        Metric: {
          Namespace: namespace,
          MetricName: w.name,
          Dimensions: [{ Name: PIPELINE_DIMENSION, Value: w.pipeline }],
        },
        Period: period,
        Stat: stat,
      },
      ReturnData: true,
    })),
  );
  const start = new Date(Math.floor(q.since.getTime() / (period * 1000)) * period * 1000);
  const end = new Date();
  const points = new Map<string, SeriesPoint>();
  for (let i = 0; i < queries.length; i += MAX_QUERIES) {
    let token: string | undefined;
    for (let page = 0; page < 50; page++) {
      const out = await awsCall("CloudWatch", "GetMetricData", () =>
        cloudwatch.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries.slice(i, i + MAX_QUERIES),
            StartTime: start,
            EndTime: end,
            ScanBy: "TimestampAscending",
            NextToken: token,
          }),
        ),
      );
      for (const r of out.MetricDataResults ?? []) {
        const m = /^m(\d+)_(sum|avg|max)$/.exec(r.Id ?? "");
        const w = m ? wanted[Number(m[1])] : undefined;
        if (!m || !w) continue;
        const field = m[2] as "sum" | "avg" | "max";
        (r.Timestamps ?? []).forEach((ts, j) => {
          const t = ts.toISOString();
          const key = `${t}|${w.name}|${w.pipeline}`;
          const p = points.get(key) ?? {
            t,
            name: w.name,
            pipeline: w.pipeline,
            sum: 0,
            avg: 0,
            max: 0,
          };
          p[field] = r.Values?.[j] ?? 0;
          points.set(key, p);
        });
      }
      token = out.NextToken;
      if (!token) break;
    }
  }
  return [...points.values()].sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
}
