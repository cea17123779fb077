// The deployed metrics adapter: CloudWatch Embedded Metric Format. Each batch of points is written
// as one JSON log line that CloudWatch Logs turns into metrics — no PutMetricData call, nothing
// lost when a Lambda freezes. Namespace "CDP", dimension "Pipeline": the names `series()` reads
// back from CloudWatch for the Metrics page (cloudwatch-series.ts).
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { awsClientConfig, lazyClient } from "../util/aws";
import { METRICS_NAMESPACE, PIPELINE_DIMENSION } from "./cloudwatch";
import { cloudwatchSeries } from "./cloudwatch-series";
import type { MetricName, Metrics, Point } from "./metric";

export { METRICS_NAMESPACE, PIPELINE_DIMENSION };

/** EMF limits: metrics per directive, values per metric. */
const MAX_METRICS = 100;
const MAX_VALUES = 100;

export interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: MetricName; Unit: Point["unit"] }[];
    }[];
  };
  [member: string]: unknown;
}

/**
 * The EMF documents for a batch: one per pipeline, time and run (a log line has one timestamp and
 * one value per dimension); a metric seen twice in a group carries an array of values.
 */
export function emfDocuments(
  points: Point[],
  opts: { namespace?: string; now?: Date } = {},
): EmfDocument[] {
  const namespace = opts.namespace ?? METRICS_NAMESPACE;
  const groups = new Map<string, Point[]>();
  for (const p of points) {
    if (!Number.isFinite(p.value)) continue; // EMF rejects the whole line over one NaN
    const at = (p.at ?? opts.now ?? new Date()).getTime();
    const key = JSON.stringify([p.pipeline, at, p.runId ?? null]);
    const group = groups.get(key) ?? [];
    group.push({ ...p, at: new Date(at) });
    groups.set(key, group);
  }
  const docs: EmfDocument[] = [];
  for (const group of groups.values()) {
    const first = group[0]!;
    const values = new Map<MetricName, { unit: Point["unit"]; values: number[] }>();
    for (const p of group) {
      const v = values.get(p.name) ?? { unit: p.unit, values: [] };
      v.values.push(p.value);
      values.set(p.name, v);
    }
    // Split only when a batch outgrows EMF's limits (a run contributes six metrics).
    let chunk: [MetricName, { unit: Point["unit"]; values: number[] }][] = [];
    const flush = () => {
      if (!chunk.length) return;
      const doc: EmfDocument = {
        _aws: {
          Timestamp: first.at!.getTime(),
          CloudWatchMetrics: [
            {
              Namespace: namespace,
              Dimensions: [[PIPELINE_DIMENSION]],
              Metrics: chunk.map(([name, v]) => ({ Name: name, Unit: v.unit })),
            },
          ],
        },
        [PIPELINE_DIMENSION]: first.pipeline,
      };
      // Not a dimension (one series per run would be unbounded): searchable in Logs Insights.
      if (first.runId) doc.RunId = first.runId;
      for (const [name, v] of chunk) doc[name] = v.values.length === 1 ? v.values[0] : v.values;
      docs.push(doc);
      chunk = [];
    };
    for (const [name, v] of values) {
      for (let i = 0; i < v.values.length; i += MAX_VALUES) {
        if (chunk.length === MAX_METRICS || chunk.some(([n]) => n === name)) flush();
        chunk.push([name, { unit: v.unit, values: v.values.slice(i, i + MAX_VALUES) }]);
      }
    }
    flush();
  }
  return docs;
}

export interface EmfMetricsOptions {
  namespace?: string;
  /**
   * Where a line goes. Default: straight to stdout, not console.log, whose Lambda prefix
   * (timestamp, request id, level) or JSON wrapping would hide the document from CloudWatch.
   */
  write?: (line: string) => void;
  /** Where `series()` reads (default: a client of the function's own region). */
  cloudwatch?: CloudWatchClient;
  /** The pipelines `series()` reads: CloudWatch returns a metric only for the dimension asked. */
  pipelines?: readonly string[];
}

const defaultCloudwatch = lazyClient(() => new CloudWatchClient(awsClientConfig));

export function emfMetrics(opts: EmfMetricsOptions = {}): Metrics {
  const write = opts.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  return {
    async record(points) {
      for (const doc of emfDocuments(points, { namespace: opts.namespace })) {
        write(JSON.stringify(doc));
      }
    },
    series: (q) =>
      cloudwatchSeries(
        opts.cloudwatch ?? defaultCloudwatch(),
        { pipelines: opts.pipelines ?? [], namespace: opts.namespace },
        q,
      ),
  };
}
