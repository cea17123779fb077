// The EMF metrics adapter: the log line it writes is checked against the Embedded Metric Format
// specification, and against what its series() asks CloudWatch for.
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, test, vi } from "vitest";
import { emfDocuments, emfMetrics, METRICS_NAMESPACE, PIPELINE_DIMENSION } from "../src/metric/emf";
import { MetricNames, type Point } from "../src/metric/metric";
import { resolvedPoints, runPoints } from "../src/run/points";
import { type Info, noFailureFacts } from "../src/run/run";
import { createAwsClients } from "../src/util/aws";

// CloudWatch's units (MetricDatum.Unit).
const UNITS = new Set([
  "Seconds",
  "Microseconds",
  "Milliseconds",
  "Bytes",
  "Kilobytes",
  "Megabytes",
  "Gigabytes",
  "Terabytes",
  "Bits",
  "Kilobits",
  "Megabits",
  "Gigabits",
  "Terabits",
  "Percent",
  "Count",
  "Bytes/Second",
  "Kilobytes/Second",
  "Megabytes/Second",
  "Gigabytes/Second",
  "Terabytes/Second",
  "Bits/Second",
  "Kilobits/Second",
  "Megabits/Second",
  "Gigabits/Second",
  "Terabits/Second",
  "Count/Second",
  "None",
]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Every rule of the EMF specification's document structure a line must meet, as a list of
 * violations (empty = valid): root node, metadata object, MetricDirective, DimensionSet,
 * MetricDefinition and target members.
 */
function emfViolations(line: string): string[] {
  const problems: string[] = [];
  if (line !== line.trim() || line.includes("\n")) problems.push("the log event is not one line");
  let root: unknown;
  try {
    root = JSON.parse(line);
  } catch {
    return ["the log event is not JSON with nothing before or after it"];
  }
  if (!isObject(root)) return ["the root node is not an object"];
  const aws = root._aws;
  if (!isObject(aws)) return ["_aws (the metadata object) is missing"];
  for (const k of Object.keys(aws)) {
    if (!["Timestamp", "CloudWatchMetrics", "LogGroupName"].includes(k)) {
      problems.push(`_aws has a member the spec does not define: ${k}`);
    }
  }
  if (!Number.isInteger(aws.Timestamp) || (aws.Timestamp as number) < 0) {
    problems.push("_aws.Timestamp is not milliseconds since the epoch");
  } else {
    const age = Date.now() - (aws.Timestamp as number);
    if (age > 14 * 86_400_000 || age < -2 * 3_600_000) {
      problems.push("_aws.Timestamp is more than 14 days old or 2 hours ahead");
    }
  }
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives)) return [...problems, "_aws.CloudWatchMetrics is not an array"];
  for (const d of directives) {
    if (!isObject(d)) {
      problems.push("a MetricDirective is not an object");
      continue;
    }
    for (const k of Object.keys(d)) {
      if (!["Namespace", "Dimensions", "Metrics"].includes(k)) {
        problems.push(`MetricDirective has an unknown member ${k}`);
      }
    }
    if (
      typeof d.Namespace !== "string" ||
      !/^[a-zA-Z0-9._#:/-]{1,255}$/.test(d.Namespace) ||
      d.Namespace.startsWith("AWS/")
    ) {
      problems.push(`Namespace ${String(d.Namespace)} is not a valid custom namespace`);
    }
    if (!Array.isArray(d.Dimensions)) problems.push("Dimensions is not an array of DimensionSets");
    for (const set of (d.Dimensions as unknown[]) ?? []) {
      if (!Array.isArray(set) || set.length > 30) {
        problems.push("a DimensionSet is not an array of at most 30 keys");
        continue;
      }
      for (const key of set) {
        if (typeof key !== "string") problems.push("a dimension key is not a string");
        else if (typeof root[key] !== "string" || !root[key]) {
          problems.push(`dimension ${key} has no string value in the root node`);
        } else if (!/^[\x20-\x7e]{1,1024}$/.test(root[key] as string)) {
          problems.push(`dimension ${key}'s value is not printable ASCII of at most 1024`);
        }
      }
    }
    if (!Array.isArray(d.Metrics) || d.Metrics.length > 100) {
      problems.push("Metrics is not an array of at most 100 MetricDefinitions");
      continue;
    }
    for (const m of d.Metrics as unknown[]) {
      if (!isObject(m) || typeof m.Name !== "string" || !m.Name) {
        problems.push("a MetricDefinition has no Name");
        continue;
      }
      for (const k of Object.keys(m)) {
        if (!["Name", "Unit", "StorageResolution"].includes(k)) {
          problems.push(`MetricDefinition ${m.Name} has an unknown member ${k}`);
        }
      }
      if (m.Unit !== undefined && !UNITS.has(m.Unit as string)) {
        problems.push(`${m.Name} has a unit CloudWatch doesn't know: ${String(m.Unit)}`);
      }
      if (m.StorageResolution !== undefined && ![1, 60].includes(m.StorageResolution as number)) {
        problems.push(`${m.Name} has a StorageResolution other than 1 or 60`);
      }
      const v = root[m.Name];
      const values = Array.isArray(v) ? v : [v];
      if (Array.isArray(v) && (v.length === 0 || v.length > 100)) {
        problems.push(`${m.Name} has ${v.length} values (1–100 allowed)`);
      }
      if (!values.every((x) => typeof x === "number" && Number.isFinite(x))) {
        problems.push(`target member ${m.Name} is not a number or an array of numbers`);
      }
    }
  }
  return problems;
}

const run = (over: Partial<Info> = {}): Info => {
  const finished = new Date(Date.now() - 60_000);
  return {
    id: "sfn:cdp-test-IngestMachine:exec-1",
    pipeline: "ingest",
    engine: "sfn",
    status: "SUCCEEDED",
    createdAt: new Date(finished.getTime() - 2000).toISOString(),
    startedAt: new Date(finished.getTime() - 2000).toISOString(),
    finishedAt: finished.toISOString(),
    args: {},
    error: null,
    stats: {
      rowsRead: 1000,
      rowsLoaded: 988,
      rowsInserted: 900,
      rowsUpdated: 80,
      rowsUnchanged: 8,
      rowsQuarantined: 12,
    },
    retryOf: null,
    retriedBy: null,
    ...noFailureFacts,
    ...over,
  };
};

describe("EMF metrics", () => {
  afterEach(() => vi.restoreAllMocks());

  test("a finished run is one log line on stdout that meets the EMF specification", async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation(((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write);
    const r = run();
    await emfMetrics().record(runPoints(r));
    vi.restoreAllMocks();

    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith("\n")).toBe(true);
    const line = lines[0]!.slice(0, -1);
    expect(emfViolations(line)).toEqual([]);
    expect(JSON.parse(line)).toEqual({
      _aws: {
        Timestamp: Date.parse(r.finishedAt!),
        CloudWatchMetrics: [
          {
            Namespace: "CDP",
            Dimensions: [["Pipeline"]],
            Metrics: [
              { Name: "RunSucceeded", Unit: "Count" },
              { Name: "RunDuration", Unit: "Milliseconds" },
              { Name: "RowsRead", Unit: "Count" },
              { Name: "RowsLoaded", Unit: "Count" },
              { Name: "RowsInserted", Unit: "Count" },
              { Name: "RowsUpdated", Unit: "Count" },
              { Name: "RowsUnchanged", Unit: "Count" },
              { Name: "RowsQuarantined", Unit: "Count" },
            ],
          },
        ],
      },
      Pipeline: "ingest",
      RunId: r.id,
      RunSucceeded: 1,
      RunDuration: 2000,
      RowsRead: 1000,
      RowsLoaded: 988,
      RowsInserted: 900,
      RowsUpdated: 80,
      RowsUnchanged: 8,
      RowsQuarantined: 12,
    });
  });

  test("points of different pipelines, times or runs go on separate lines; repeats become arrays", () => {
    const at = new Date(Date.now() - 5 * 60_000);
    const p = (over: Partial<Point>): Point => ({
      name: "RowsRead",
      value: 1,
      unit: "Count",
      pipeline: "ingest",
      at,
      ...over,
    });
    const docs = emfDocuments([
      p({ value: 5 }),
      p({ value: 7 }),
      p({ pipeline: "replication", value: 3 }),
      p({ at: new Date(at.getTime() + 1000), value: 9 }),
      p({ name: "RowsLoaded", value: Number.NaN }),
    ]);
    expect(docs.map((d) => [d.Pipeline, d._aws.Timestamp, d.RowsRead])).toEqual([
      ["ingest", at.getTime(), [5, 7]],
      ["replication", at.getTime(), 3],
      ["ingest", at.getTime() + 1000, 9],
    ]);
    for (const d of docs) expect(emfViolations(JSON.stringify(d))).toEqual([]);
    expect(docs.some((d) => "RowsLoaded" in d)).toBe(false);
  });

  test("a batch beyond EMF's limits is split into valid lines, losing nothing", () => {
    const at = new Date(Date.now() - 60_000);
    const points: Point[] = Array.from({ length: 250 }, (_, i) => ({
      name: "RowsRead",
      value: i,
      unit: "Count",
      pipeline: "ingest",
      at,
    }));
    const docs = emfDocuments(points);
    expect(docs).toHaveLength(3);
    for (const d of docs) expect(emfViolations(JSON.stringify(d))).toEqual([]);
    expect(docs.flatMap((d) => d.RowsRead as number[])).toEqual(points.map((x) => x.value));
  });

  test("the validator catches what CloudWatch would drop", () => {
    const bad = JSON.stringify({
      _aws: {
        Timestamp: "now",
        CloudWatchMetrics: [
          {
            Namespace: "AWS/Lambda",
            Dimensions: [["Pipeline"]],
            Metrics: [{ Name: "X", Unit: "Rows" }],
          },
        ],
      },
      X: "12",
    });
    expect(emfViolations(bad)).toEqual([
      "_aws.Timestamp is not milliseconds since the epoch",
      "Namespace AWS/Lambda is not a valid custom namespace",
      "dimension Pipeline has no string value in the root node",
      "X has a unit CloudWatch doesn't know: Rows",
      "target member X is not a number or an array of numbers",
    ]);
    expect(emfViolations(`prefix ${JSON.stringify({ _aws: {} })}`)).toEqual([
      "the log event is not JSON with nothing before or after it",
    ]);
  });
});

describe("EMF and the Metrics page's CloudWatch query agree (AWS SDK mocked: no AWS here)", () => {
  const cw = mockClient(CloudWatchClient);

  test("series() reads the namespace, metric names and dimension that EMF writes", async () => {
    const inputs: GetMetricDataCommandInput[] = [];
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      inputs.push(input);
      return { MetricDataResults: [] };
    });
    // The deployed platform's: its one state machine (IngestMachine) runs the "ingest" pipeline.
    const metrics = emfMetrics({
      cloudwatch: createAwsClients("eu-west-1", {
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
      }).cloudwatch,
      pipelines: ["ingest"],
    });
    await metrics.series({
      names: [...MetricNames],
      since: new Date(Date.now() - 3_600_000),
      bucketMinutes: 5,
    });

    const queried = inputs
      .flatMap((i) => i.MetricDataQueries ?? [])
      .map((q) => q.MetricStat!.Metric!)
      .map(
        (m) =>
          `${m.Namespace}|${m.MetricName}|${m.Dimensions!.map((d) => `${d.Name}=${d.Value}`).join(",")}`,
      );
    const failed = runPoints(run({ status: "FAILED", stats: {} }));
    // A failed run later resolved by its retry adds RunResolved.
    const resolved = resolvedPoints([run({ status: "FAILED", stats: {} })]);
    const written = emfDocuments([...runPoints(run()), ...failed, ...resolved]).flatMap((d) =>
      d._aws.CloudWatchMetrics.flatMap((dir) =>
        dir.Metrics.map(
          (m) =>
            `${dir.Namespace}|${m.Name}|${dir.Dimensions[0]!.map((k) => `${k}=${d[k]}`).join(",")}`,
        ),
      ),
    );
    expect(METRICS_NAMESPACE).toBe("CDP");
    expect(PIPELINE_DIMENSION).toBe("Pipeline");
    expect(new Set(written)).toEqual(new Set(MetricNames.map((n) => `CDP|${n}|Pipeline=ingest`)));
    for (const w of written) expect(queried).toContain(w);
  });
});
