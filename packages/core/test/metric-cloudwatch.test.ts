// The deployed Metrics page's series, read back from CloudWatch GetMetricData (the client mocked
// with aws-sdk-client-mock: nothing here reaches AWS).
import {
  CloudWatchServiceException,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { type AwsStub, mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, test } from "vitest";
import { credentials, meta } from "../../../test/support/aws";
import { emfMetrics } from "../src/metric/emf";
import { createAwsClients } from "../src/util/aws";
import type { VisibleError } from "../src/util/error";

const region = "us-east-1";

describe("CloudWatch metric series (SDK mocked: no AWS here)", () => {
  // biome-ignore lint/suspicious/noExplicitAny: the mock's input/output types vary per command
  let mocked: AwsStub<any, any, any> | undefined;
  afterEach(() => mocked?.restore());
  /** The platform's pipelines: a Glue job's ("ingest") and a state machine's ("segment"). */
  const fresh = () => {
    const clients = createAwsClients(region, { credentials });
    const cw = mockClient(clients.cloudwatch);
    mocked = cw;
    return {
      cw,
      metrics: emfMetrics({ cloudwatch: clients.cloudwatch, pipelines: ["ingest", "segment"] }),
    };
  };

  test("metrics come from CloudWatch GetMetricData in the Metrics page's series shape", async () => {
    const { cw, metrics } = fresh();
    const t0 = new Date("2024-06-01T10:00:00Z");
    const t1 = new Date("2024-06-01T11:00:00Z");
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({
        Id: q.Id,
        Label: q.MetricStat?.Metric?.MetricName,
        Timestamps: q.MetricStat?.Metric?.Dimensions?.[0]?.Value === "ingest" ? [t0, t1] : [],
        Values: q.Id?.endsWith("_sum") ? [120, 80] : q.Id?.endsWith("_avg") ? [60, 40] : [100, 50],
        StatusCode: "Complete",
      })),
      Messages: [],
    }));
    const series = await metrics.series({
      names: ["RowsLoaded"],
      since: new Date("2024-06-01T09:30:00Z"),
      bucketMinutes: 60,
    });
    expect(series).toEqual([
      { t: t0.toISOString(), name: "RowsLoaded", pipeline: "ingest", sum: 120, avg: 60, max: 100 },
      { t: t1.toISOString(), name: "RowsLoaded", pipeline: "ingest", sum: 80, avg: 40, max: 50 },
    ]);
    const input = cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.StartTime).toEqual(new Date("2024-06-01T09:00:00Z"));
    expect(input.MetricDataQueries).toContainEqual({
      Id: "m0_sum",
      MetricStat: {
        Metric: {
          Namespace: "CDP",
          MetricName: "RowsLoaded",
          Dimensions: [{ Name: "Pipeline", Value: "ingest" }],
        },
        Period: 3600,
        Stat: "Sum",
      },
      ReturnData: true,
    });

    cw.on(GetMetricDataCommand).rejects(
      new CloudWatchServiceException({
        name: "Throttling",
        $fault: "client",
        message: "Rate exceeded",
        $metadata: meta(),
      }),
    );
    const err = (await metrics
      .series({ names: ["RowsLoaded"], since: t0, bucketMinutes: 60 })
      .catch((x: unknown) => x)) as VisibleError;
    expect(err).toMatchObject({ kind: "unavailable", code: "aws.throttled" });
  });
});
