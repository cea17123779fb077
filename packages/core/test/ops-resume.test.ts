// The deployed ops store after idle: Aurora Serverless v2 at 0 ACU is paused, and the RDS Data API
// answers DatabaseResumingException until it has resumed. Every ops-store request — a query, a
// transaction, the deploy's migration — waits for the resume (with backoff, within a bounded total
// wait) and then succeeds; a cluster that never resumes is a clear error, not a hang. The Data API
// is mocked (no AWS here); drizzle and its aws-data-api driver are the real ones.
import { fileURLToPath } from "node:url";
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  DatabaseResumingException,
  ExecuteStatementCommand,
  RDSDataClient,
} from "@aws-sdk/client-rds-data";
import { mockClient } from "aws-sdk-client-mock";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, test } from "vitest";
import { awsOps, DEFAULT_RESUME_WAIT_MS, migrateAwsOps } from "../src/ops/aws";
import { runTable } from "../src/run/run.sql";
import { VisibleError } from "../src/util/error";

const client = () =>
  new RDSDataClient({
    region: "eu-west-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
const config = {
  resourceArn: "arn:aws:rds:eu-west-1:123456789012:cluster:ops",
  secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ops",
  database: "cdp",
};

/** What the Data API answers while the instance resumes (shape of the RDS Data API reference). */
const resuming = () =>
  new DatabaseResumingException({
    $metadata: { httpStatusCode: 400, requestId: "r" },
    message:
      "The Aurora DB instance db-ops-1 is resuming after being auto-paused. Please wait a few seconds and try again.",
  });

/** A sleep that returns at once and remembers how long the caller would have waited. */
function fakeSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

const runRow = {
  columnMetadata: [{ name: "id" }, { name: "status" }],
  records: [[{ stringValue: "run_1" }, { stringValue: "FAILED" }]],
};

describe("ops store on a paused Aurora Serverless v2 cluster (mocked RDS Data API)", () => {
  const rds = mockClient(RDSDataClient);
  afterEach(() => rds.reset());

  test("a query sent while the cluster resumes is retried with backoff and returns its rows (mocked RDS Data API)", async () => {
    rds
      .on(ExecuteStatementCommand)
      .rejectsOnce(resuming())
      .rejectsOnce(resuming())
      .rejectsOnce(resuming())
      .resolves(runRow);
    const { waits, sleep } = fakeSleep();
    const ops = awsOps(config, client(), { sleep });
    const rows = await ops.db
      .select({ id: runTable.id, status: runTable.status })
      .from(runTable)
      .where(eq(runTable.status, "FAILED"));
    expect(rows).toEqual([{ id: "run_1", status: "FAILED" }]);
    expect(rds.commandCalls(ExecuteStatementCommand)).toHaveLength(4);
    // Backoff: each wait longer than the one before.
    expect(waits).toEqual([500, 1000, 2000]);
  });

  test("a transaction whose begin meets the resume waits, then commits (mocked RDS Data API)", async () => {
    rds
      .on(BeginTransactionCommand)
      .rejectsOnce(resuming())
      .rejectsOnce(resuming())
      .resolves({ transactionId: "tx1" });
    rds.on(ExecuteStatementCommand).resolves(runRow);
    rds.on(CommitTransactionCommand).resolves({ transactionStatus: "Transaction Committed" });
    const { sleep } = fakeSleep();
    const ops = awsOps(config, client(), { sleep });
    const rows = await ops.db.transaction((tx) =>
      tx.select({ id: runTable.id, status: runTable.status }).from(runTable),
    );
    expect(rows).toEqual([{ id: "run_1", status: "FAILED" }]);
    expect(rds.commandCalls(ExecuteStatementCommand)[0]!.args[0].input.transactionId).toBe("tx1");
    expect(rds.commandCalls(CommitTransactionCommand)).toHaveLength(1);
  });

  test("the deploy's migration waits for the resume instead of failing the deploy (mocked RDS Data API)", async () => {
    rds
      .on(ExecuteStatementCommand)
      .rejectsOnce(resuming())
      .rejectsOnce(resuming())
      .resolves({ records: [] });
    rds.on(BeginTransactionCommand).resolves({ transactionId: "tx" });
    rds.on(CommitTransactionCommand).resolves({});
    const { waits, sleep } = fakeSleep();
    await migrateAwsOps(
      config,
      fileURLToPath(new URL("../migrations", import.meta.url)),
      client(),
      { sleep, maxWaitMs: 60_000 },
    );
    const sqls = rds.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input.sql ?? "");
    expect(sqls.some((s) => /CREATE TABLE (IF NOT EXISTS )?"runs"/i.test(s))).toBe(true);
    expect(rds.commandCalls(CommitTransactionCommand)).toHaveLength(1);
    expect(waits).toEqual([500, 1000]);
  });

  test("a cluster that never resumes fails with ops.resuming after the bounded wait, not a hang (mocked RDS Data API)", async () => {
    rds.on(ExecuteStatementCommand).rejects(resuming());
    const { waits, sleep } = fakeSleep();
    const ops = awsOps(config, client(), { sleep });
    const err = await ops.db
      .select({ id: runTable.id })
      .from(runTable)
      .catch((e: unknown) => e as Error);
    // drizzle wraps what the client threw; the cause is the clear error the API answers 503 with.
    const cause = (err as Error).cause;
    expect(cause).toBeInstanceOf(VisibleError);
    expect(cause).toMatchObject({ kind: "unavailable", code: "ops.resuming" });
    expect((cause as Error).message).toMatch(
      /ops store \(Aurora Serverless\) is resuming .* did not answer within 45 s; nothing was changed/,
    );
    expect(((cause as Error).cause as Error).name).toBe("DatabaseResumingException");
    // The whole wait is bounded: exactly the budget, in a bounded number of attempts.
    expect(waits.reduce((a, b) => a + b, 0)).toBe(DEFAULT_RESUME_WAIT_MS);
    expect(rds.commandCalls(ExecuteStatementCommand)).toHaveLength(waits.length + 1);
    expect(waits.length).toBeLessThan(20);
  });

  test("other Data API errors are not retried (mocked RDS Data API)", async () => {
    rds.on(ExecuteStatementCommand).rejects(
      Object.assign(new Error('ERROR: relation "runs" does not exist'), {
        name: "DatabaseErrorException",
      }),
    );
    const { waits, sleep } = fakeSleep();
    const ops = awsOps(config, client(), { sleep });
    const err = await ops.db
      .select({ id: runTable.id })
      .from(runTable)
      .catch((e: unknown) => e as Error);
    expect(((err as Error).cause as Error).name).toBe("DatabaseErrorException");
    expect(waits).toEqual([]);
    expect(rds.commandCalls(ExecuteStatementCommand)).toHaveLength(1);
  });
});
