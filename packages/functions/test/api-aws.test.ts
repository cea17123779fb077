// The console API on the deployed platform's composition: health reports the Glue and Step
// Functions APIs beside the ops store, warehouse and lake; the Metrics page reads CloudWatch; alerts
// go to SNS. The ops store and warehouse are real (PGlite); every AWS SDK client is mocked.
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { GetJobRunsCommand, GlueClient } from "@aws-sdk/client-glue";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { listAlerts } from "@cdp/core/alert/alert";
import { s3Lake } from "@cdp/core/lake/s3";
import { localMetrics } from "@cdp/core/metric/metric";
import { awsHealthChecks } from "@cdp/core/monitoring/health";
import type { OpsStore } from "@cdp/core/ops/db";
import type { Platform } from "@cdp/core/platform";
import { createAwsClients } from "@cdp/core/util/aws";
import type { Warehouse } from "@cdp/core/warehouse/warehouse";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { makeOps, makeWarehouse } from "../../../test/support/engines";
import { createApi } from "../src/api";
import { type AwsResources, composeAwsPlatform, partsFromResources } from "../src/aws/platform";

const region = "eu-west-1";
const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const machineArn = "arn:aws:states:eu-west-1:123456789012:stateMachine:IngestMachine-a1b2c3d";
const topicArn = "arn:aws:sns:eu-west-1:123456789012:cdp-test-Alerts";

interface Health {
  ok: boolean;
  runtime: string;
  checks: { name: string; ok: boolean; latencyMs: number; error?: string }[];
}

describe("console API on the AWS platform (AWS SDK mocked: no AWS here)", () => {
  const glue = mockClient(GlueClient);
  const sfn = mockClient(SFNClient);
  const cw = mockClient(CloudWatchClient);
  const s3 = mockClient(S3Client);
  const sns = mockClient(SNSClient);
  let ops: OpsStore;
  let warehouse: Warehouse;
  let platform: Platform;
  let api: ReturnType<typeof createApi>;

  beforeAll(async () => {
    ops = await makeOps("pglite");
    warehouse = await makeWarehouse("pglite");
    platform = composeAwsPlatform({
      region,
      stage: "test",
      ops,
      lake: s3Lake("cdp-test-lake", new S3Client({ region, credentials })),
      warehouse: async () => warehouse,
      clients: createAwsClients(region, { credentials }),
      glueJobs: [],
      stateMachines: [{ arn: machineArn, pipeline: "ingest" }],
      health: { glueJob: "cdp-test-ingest", stateMachineArn: machineArn },
      alerts: { topicArn, consoleUrl: async () => "https://console.example.com" },
    });
    api = createApi(platform, { kind: "gateway" });
  });
  afterAll(async () => {
    await platform.close();
    for (const m of [glue, sfn, cw, s3, sns]) m.restore();
  });
  afterEach(() => {
    for (const m of [glue, sfn, cw, s3, sns]) m.reset();
  });

  const healthy = () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: [] });
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  };

  test("health reports every dependency with its latency, Glue and Step Functions included", async () => {
    healthy();
    const res = await api.request("/api/health");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Health;
    expect(body).toMatchObject({ ok: true, runtime: "aws" });
    expect(body.checks.map((c) => [c.name, c.ok])).toEqual([
      ["ops store", true],
      ["warehouse", true],
      ["object store", true],
      ["glue", true],
      ["step functions", true],
    ]);
    for (const c of body.checks) expect(c.latencyMs).toBeGreaterThanOrEqual(0);
    // One cheap call each, on the platform's own job and state machine.
    expect(glue.commandCalls(GetJobRunsCommand)[0]!.args[0].input).toEqual({
      JobName: "cdp-test-ingest",
      MaxResults: 1,
    });
    expect(sfn.commandCalls(ListExecutionsCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: machineArn,
      maxResults: 1,
    });
  });

  test("a dependency that refuses makes health 503 and names why", async () => {
    healthy();
    glue.on(GetJobRunsCommand).rejects(
      Object.assign(new Error("User is not authorized to perform: glue:GetJobRuns"), {
        name: "AccessDeniedException",
      }),
    );
    const res = await api.request("/api/health");
    expect(res.status).toBe(503);
    const body = (await res.json()) as Health;
    expect(body.ok).toBe(false);
    expect(body.checks.find((c) => c.name === "glue")).toMatchObject({
      ok: false,
      error: "User is not authorized to perform: glue:GetJobRuns",
    });
    expect(body.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["glue"]);
  });

  test("the pipelines are those the platform operates; none is started by hand when deployed", async () => {
    const res = await api.request("/api/pipelines");
    expect(await res.json()).toEqual({ items: [{ name: "ingest", startable: false }] });
  });

  test("the Metrics page reads CloudWatch, not the ops store", async () => {
    // A point in the ops store must not show up: deployed, metrics live in CloudWatch.
    await localMetrics(ops.db).record([
      { name: "RowsQuarantined", value: 999, unit: "Count", pipeline: "ingest" },
    ]);
    const t = new Date(Math.floor(Date.now() / 900_000) * 900_000 - 900_000);
    const inputs: GetMetricDataCommandInput[] = [];
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      inputs.push(input);
      return {
        MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({
          Id: q.Id,
          Timestamps: [t],
          Values: [q.MetricStat?.Stat === "Sum" ? 12 : 6],
        })),
      };
    });
    const res = await api.request("/api/metrics?names=RowsQuarantined&hours=6&bucket=15");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { bucketMinutes: number; series: unknown[] };
    expect(body).toEqual({
      bucketMinutes: 15,
      series: [
        {
          t: t.toISOString(),
          name: "RowsQuarantined",
          pipeline: "ingest",
          sum: 12,
          avg: 6,
          max: 6,
        },
      ],
    });
    const metric = inputs[0]!.MetricDataQueries![0]!.MetricStat!;
    expect(metric.Metric).toEqual({
      Namespace: "CDP",
      MetricName: "RowsQuarantined",
      Dimensions: [{ Name: "Pipeline", Value: "ingest" }],
    });
    expect(metric.Period).toBe(900);
  });

  test("alerts are stored for the console and published to the SNS topic", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    const runId = "sfn:IngestMachine-a1b2c3d:exec-1";
    await platform.notifier.notify({
      kind: "run_failed",
      severity: "error",
      title: "ingest run failed",
      message: "Glue job failed",
      runId,
    });
    expect((await listAlerts(ops.db, { limit: 1 }))[0]).toMatchObject({ runId });
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      TopicArn: topicArn,
      Subject: "CDP test error: ingest run failed",
    });
    expect(input.Message).toContain(
      `https://console.example.com/runs/${encodeURIComponent(runId)}`,
    );
  });
});

describe("the deployed platform's parts from linked resources (AWS SDK mocked: no AWS here)", () => {
  const ssm = mockClient(SSMClient);
  afterAll(() => ssm.restore());

  const resources: AwsResources = {
    App: { name: "cdp", stage: "prod" },
    ConsoleLake: { name: "cdp-prod-datalake-abc" },
    Warehouse: { workgroup: "cdp-prod", database: "cdp", secretArn: "arn:aws:secretsmanager:x" },
    OpsStore: {
      clusterArn: "arn:aws:rds:x",
      secretArn: "arn:aws:secretsmanager:y",
      database: "cdp",
    },
    IngestMachine: { arn: machineArn, name: "IngestMachine-a1b2c3d" },
    IngestJob: {
      name: "cdp-prod-ingest",
      arn: "arn:aws:glue:eu-west-1:123456789012:job/cdp-prod-ingest",
    },
    Alerts: { topicArn, consoleUrlParameter: "/cdp/prod/console-url" },
    Metrics: { namespace: "CDP" },
  };

  test("the ingest state machine is operated; its Glue job is health-checked, not listed twice", async () => {
    const parts = partsFromResources(resources, region);
    expect(parts.stateMachines).toEqual([{ arn: machineArn, pipeline: "ingest" }]);
    expect(parts.glueJobs).toEqual([]);
    expect(parts.health).toEqual({ glueJob: "cdp-prod-ingest", stateMachineArn: machineArn });
    expect(parts.stage).toBe("prod");
    expect(parts.metricsNamespace).toBe("CDP");

    ssm.on(GetParameterCommand, { Name: "/cdp/prod/console-url" }).resolves({
      Parameter: { Value: "https://d111.cloudfront.net" },
    });
    expect(await parts.alerts?.consoleUrl?.()).toBe("https://d111.cloudfront.net");
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error("nope"), { name: "ParameterNotFound" }));
    expect(await parts.alerts?.consoleUrl?.()).toBeUndefined();
  });

  test("a stage without a flow links less, and the platform does without it", () => {
    const { IngestMachine: _m, IngestJob: _j, Alerts: _a, Metrics: _n, ...bare } = resources;
    const parts = partsFromResources(bare, region);
    expect(parts.stateMachines).toEqual([]);
    expect(parts.health).toEqual({ glueJob: undefined, stateMachineArn: undefined });
    expect(parts.alerts).toBeUndefined();
    expect(awsHealthChecks(parts.clients, parts.health)).toEqual([]);
  });
});

describe("health checks give up after their timeout (real SDK clients, a request handler that never answers)", () => {
  test("a Glue API that hangs is reported down, not waited for", async () => {
    const hanging = {
      handle: (_req: unknown, opts?: { abortSignal?: AbortSignal }) =>
        new Promise<never>((_, reject) => {
          opts?.abortSignal?.addEventListener("abort", () =>
            reject(Object.assign(new Error("Request aborted"), { name: "AbortError" })),
          );
        }),
    };
    const clients = createAwsClients(region, {
      credentials,
      requestHandler: hanging as never,
    });
    const [check] = awsHealthChecks(clients, { glueJob: "cdp-test-ingest" }, 50);
    const started = Date.now();
    await expect(check!.check()).rejects.toThrow(/abort/i);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
