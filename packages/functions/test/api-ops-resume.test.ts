// The deployed console API right after the ops store paused for idle: a request waits for Aurora
// to resume and answers; if it does not resume within the API's wait (under API Gateway's 30 s),
// the operator gets a 503 that says so rather than a 500. The RDS Data API is mocked (no AWS
// here); the drizzle driver and the Hono app are the real ones.
import {
  DatabaseResumingException,
  ExecuteStatementCommand,
  RDSDataClient,
} from "@aws-sdk/client-rds-data";
import { s3Lake } from "@cdp/core/lake/s3";
import { awsOps } from "@cdp/core/ops/aws";
import { createAwsClients } from "@cdp/core/util/aws";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { createApi } from "../src/api";
import { composeAwsPlatform } from "../src/aws/platform";

const region = "eu-west-1";
const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const resuming = () =>
  new DatabaseResumingException({
    $metadata: { httpStatusCode: 400 },
    message: "The Aurora DB instance is resuming after being auto-paused.",
  });

describe("console API while the ops store resumes (mocked RDS Data API)", () => {
  const rds = mockClient(RDSDataClient);
  afterEach(() => rds.reset());
  afterAll(() => rds.restore());
  const waits: number[] = [];

  const api = createApi(
    composeAwsPlatform({
      region,
      ops: awsOps(
        {
          resourceArn: "arn:aws:rds:eu-west-1:123456789012:cluster:ops",
          secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ops",
          database: "cdp",
        },
        new RDSDataClient({ region, credentials }),
        { maxWaitMs: 25_000, sleep: async (ms) => void waits.push(ms) },
      ),
      lake: s3Lake("cdp-test-lake"),
      warehouse: async () => {
        throw new Error("not used");
      },
      clients: createAwsClients(region, { credentials }),
      glueJobs: [],
      stateMachines: [],
      health: {},
    }),
    { kind: "gateway" },
  );

  test("a request during the resume waits and answers 200 (mocked RDS Data API)", async () => {
    waits.length = 0;
    rds
      .on(ExecuteStatementCommand)
      .rejectsOnce(resuming())
      .rejectsOnce(resuming())
      .resolves({ columnMetadata: [], records: [] });
    const res = await api.request("/api/alerts");
    expect(res.status, await res.clone().text()).toBe(200);
    expect(waits).toEqual([500, 1000]);
  });

  test("a cluster still resuming after the API's wait is a 503 ops.resuming, not a 500 (mocked RDS Data API)", async () => {
    waits.length = 0;
    rds.on(ExecuteStatementCommand).rejects(resuming());
    const res = await api.request("/api/alerts");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      error: "ops.resuming",
      message: expect.stringMatching(/resuming from its idle pause .* within 25 s/),
    });
    expect(waits.reduce((a, b) => a + b, 0)).toBe(25_000);
  });
});
