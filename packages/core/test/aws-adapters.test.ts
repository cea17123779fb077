// The AWS adapters of the lake and warehouse ports, against a mocked SDK: what they send, and how
// they read what comes back. No S3 or Redshift is reached.
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { fileURLToPath } from "node:url";
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand as ExecuteStatementCommand_RDS,
  RDSDataClient,
} from "@aws-sdk/client-rds-data";
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, test } from "vitest";
import { s3Lake } from "../src/lake/s3";
import { awsOps, migrateAwsOps } from "../src/ops/aws";
import { runTable } from "../src/run/run.sql";
import { VisibleError } from "../src/util/error";
import { runReadOnly } from "../src/warehouse/read-only-sql";
import { redshiftDataWarehouse, toNamedParameters } from "../src/warehouse/redshift-data";
import { describeTable } from "../src/warehouse/warehouse";

const fakeAws = {
  region: "eu-west-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
};

const notFound = () =>
  Object.assign(new Error("not found"), { name: "NotFound", $metadata: { httpStatusCode: 404 } });

describe("S3 lake (AWS SDK mocked: no S3/Redshift here)", () => {
  const s3 = mockClient(S3Client);
  const lake = s3Lake("cdp-lake", new S3Client(fakeAws));
  afterEach(() => s3.reset());

  test("a small write is one PutObject of the whole body, under the same key", async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"x"' });
    await lake.put("inbox/customers/a.csv", "user_id\n1\n");
    const [call] = s3.commandCalls(PutObjectCommand);
    expect(call!.args[0].input).toMatchObject({ Bucket: "cdp-lake", Key: "inbox/customers/a.csv" });
    expect(String(call!.args[0].input.Body)).toBe("user_id\n1\n");
  });

  test("a streamed write larger than a part goes up in parts and completes the upload", async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "u1" });
    s3.on(UploadPartCommand).resolves({ ETag: '"p"' });
    s3.on(CompleteMultipartUploadCommand).resolves({});
    const mib = Buffer.alloc(1024 * 1024, 97);
    async function* body() {
      for (let i = 0; i < 10; i++) yield mib;
    }
    await lake.put("staging/run_1.csv", body());
    expect(s3.commandCalls(UploadPartCommand)).toHaveLength(2);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input).toMatchObject({
      Key: "staging/run_1.csv",
      UploadId: "u1",
    });
  });

  test("get streams the object; a missing key is a not_found error naming the bucket", async () => {
    s3.on(GetObjectCommand, { Key: "inbox/a.csv" }).resolves({
      Body: Readable.from([Buffer.from("a,b\n")]) as never,
    });
    s3.on(GetObjectCommand, { Key: "inbox/gone.csv" }).rejects(
      Object.assign(new Error("NoSuchKey"), { name: "NoSuchKey" }),
    );
    expect(await text(await lake.get("inbox/a.csv"))).toBe("a,b\n");
    const err = await lake.get("inbox/gone.csv").catch((e) => e);
    expect(err).toBeInstanceOf(VisibleError);
    expect(err.kind).toBe("not_found");
    expect(err.message).toContain("s3://cdp-lake");
  });

  test("exists is a HEAD: 404 is false, anything else is an error", async () => {
    s3.on(HeadObjectCommand, { Key: "a" }).resolves({ ContentLength: 3 });
    s3.on(HeadObjectCommand, { Key: "b" }).rejects(notFound());
    s3.on(HeadObjectCommand, { Key: "c" }).rejects(new Error("AccessDenied"));
    expect(await lake.exists("a")).toBe(true);
    expect(await lake.exists("b")).toBe(false);
    await expect(lake.exists("c")).rejects.toThrow("AccessDenied");
  });

  test("move copies (URL-encoding the source) then deletes the original", async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 10 });
    s3.on(CopyObjectCommand).resolves({});
    s3.on(DeleteObjectCommand).resolves({});
    await lake.move("inbox/customers/jan 1+2.csv", "processed/customers/jan 1+2.csv");
    expect(s3.commandCalls(CopyObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: "cdp-lake",
      Key: "processed/customers/jan 1+2.csv",
      CopySource: "cdp-lake/inbox/customers/jan%201%2B2.csv",
    });
    expect(s3.commandCalls(DeleteObjectCommand)[0]!.args[0].input.Key).toBe(
      "inbox/customers/jan 1+2.csv",
    );
  });

  test("move of an object over 5 GiB copies it part by part", async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 6 * 1024 ** 3 });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "u2" });
    s3.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"e"' } });
    s3.on(CompleteMultipartUploadCommand).resolves({});
    s3.on(DeleteObjectCommand).resolves({});
    await lake.move("inbox/big.csv", "processed/big.csv");
    const parts = s3.commandCalls(UploadPartCopyCommand).map((c) => c.args[0].input);
    expect(parts).toHaveLength(12);
    expect(parts[0]!.CopySourceRange).toBe(`bytes=0-${512 * 1024 ** 2 - 1}`);
    expect(parts.at(-1)!.CopySourceRange).toBe(
      `bytes=${11 * 512 * 1024 ** 2}-${6 * 1024 ** 3 - 1}`,
    );
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
  });

  test("list pages through every object under the prefix, skipping folder markers", async () => {
    const at = new Date("2026-01-01T00:00:00Z");
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
      Contents: [
        { Key: "error/customers/", Size: 0, LastModified: at },
        { Key: "error/customers/b.csv", Size: 2, LastModified: at },
      ],
      IsTruncated: true,
      NextContinuationToken: "t2",
    });
    s3.on(ListObjectsV2Command, { ContinuationToken: "t2" }).resolves({
      Contents: [{ Key: "error/customers/a.csv", Size: 1, LastModified: at }],
      IsTruncated: false,
    });
    expect(await lake.list("error/")).toEqual([
      { key: "error/customers/a.csv", size: 1, modified: at },
      { key: "error/customers/b.csv", size: 2, modified: at },
    ]);
    expect(lake.locate("inbox/a.csv")).toBe("s3://cdp-lake/inbox/a.csv");
  });
});

describe("Redshift Data API warehouse (AWS SDK mocked: no S3/Redshift here)", () => {
  const rs = mockClient(RedshiftDataClient);
  const wh = redshiftDataWarehouse(
    {
      workgroupName: "cdp",
      database: "dev",
      secretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:wh",
      pollMs: { first: 1, max: 2 },
    },
    new RedshiftDataClient(fakeAws),
  );
  afterEach(() => rs.reset());

  test("$n placeholders become named parameters; quoted text, NULL and '' are left as SQL", () => {
    expect(
      toNamedParameters(`select '$1', "a$2" from t where a = $1 and b = $2 and c = $3 and d = $1`, [
        "x",
        null,
        "",
      ]),
    ).toEqual({
      sql: `select '$1', "a$2" from t where a = :p1 and b = NULL and c = '' and d = :p1`,
      parameters: [{ name: "p1", value: "x" }],
    });
  });

  test("a query is submitted, polled until it finishes, and its result paged into rows", async () => {
    rs.on(ExecuteStatementCommand).resolves({ Id: "s1" });
    rs.on(DescribeStatementCommand)
      .resolvesOnce({ Status: "SUBMITTED" })
      .resolvesOnce({ Status: "STARTED" })
      .resolves({ Status: "FINISHED", HasResultSet: true });
    rs.on(GetStatementResultCommand, { Id: "s1", NextToken: undefined }).resolves({
      ColumnMetadata: [{ name: "name" }, { name: "type" }],
      Records: [[{ stringValue: "user_id" }, { stringValue: "bigint" }]],
      NextToken: "n2",
    });
    rs.on(GetStatementResultCommand, { Id: "s1", NextToken: "n2" }).resolves({
      ColumnMetadata: [{ name: "name" }, { name: "type" }],
      Records: [[{ stringValue: "email" }, { isNull: true }]],
    });
    expect(await describeTable(wh, "public", "customers")).toEqual([
      { name: "user_id", type: "bigint" },
      { name: "email", type: null },
    ]);
    const sent = rs.commandCalls(ExecuteStatementCommand)[0]!.args[0].input;
    expect(sent).toMatchObject({
      WorkgroupName: "cdp",
      Database: "dev",
      SecretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:wh",
      Parameters: [
        { name: "p1", value: "public" },
        { name: "p2", value: "customers" },
      ],
    });
    expect(sent.Sql).toContain("table_schema = :p1 and table_name = :p2");
    expect(rs.commandCalls(DescribeStatementCommand)).toHaveLength(3);
  });

  test("numbers, booleans and statements without a result set", async () => {
    rs.on(ExecuteStatementCommand).resolves({ Id: "s2" });
    rs.on(DescribeStatementCommand).resolves({ Status: "FINISHED", HasResultSet: true });
    rs.on(GetStatementResultCommand).resolves({
      ColumnMetadata: [{ name: "n" }, { name: "ok" }, { name: "avg" }],
      Records: [[{ longValue: 42 }, { booleanValue: true }, { doubleValue: 1.5 }]],
    });
    expect(await wh.query("select 42 as n")).toEqual([{ n: 42, ok: true, avg: 1.5 }]);
    rs.on(DescribeStatementCommand).resolves({ Status: "FINISHED", HasResultSet: false });
    expect(await wh.query("drop table if exists x")).toEqual([]);
    expect(rs.commandCalls(GetStatementResultCommand)).toHaveLength(1);
  });

  test("a failed statement throws Redshift's error", async () => {
    rs.on(ExecuteStatementCommand).resolves({ Id: "s3" });
    rs.on(DescribeStatementCommand).resolves({
      Status: "FAILED",
      Error: 'ERROR: relation "nope" does not exist',
    });
    await expect(wh.query("select * from nope")).rejects.toThrow(
      'Redshift statement failed: ERROR: relation "nope" does not exist',
    );
  });

  test("a transaction is one BatchExecuteStatement; a failed sub-statement fails it", async () => {
    rs.on(BatchExecuteStatementCommand).resolves({ Id: "b1" });
    rs.on(DescribeStatementCommand).resolves({ Status: "FINISHED" });
    await wh.transaction(async (tx) => {
      await tx.query("LOCK t");
      await tx.query("UPDATE t SET a = 1");
    });
    expect(rs.commandCalls(BatchExecuteStatementCommand)[0]!.args[0].input).toMatchObject({
      WorkgroupName: "cdp",
      Sqls: ["LOCK t", "UPDATE t SET a = 1"],
    });
    expect(rs.commandCalls(ExecuteStatementCommand)).toHaveLength(0);

    rs.on(DescribeStatementCommand).resolves({
      Status: "FAILED",
      SubStatements: [
        { Id: "b1:1", Status: "FINISHED" },
        { Id: "b1:2", Status: "FAILED", Error: "ERROR: column x already exists" },
      ],
    });
    await expect(wh.transaction(async (tx) => tx.query("ALTER TABLE t ADD x int"))).rejects.toThrow(
      "Redshift transaction failed: ERROR: column x already exists",
    );
    await expect(wh.transaction(async (tx) => tx.query("select $1", [1]))).rejects.toThrow(
      "take no parameters",
    );
  });

  test("copyCsv says Redshift loads from S3 through the plan's COPY", async () => {
    await expect(wh.copyCsv(`"t"`, [], (async function* () {})())).rejects.toThrow(
      /loads files from S3 with the plan's COPY/,
    );
    expect(wh.dialect).toBe("redshift");
  });

  test("the SQL endpoint is off on Redshift, and says so before sending anything", async () => {
    const err = await runReadOnly(wh, "select 1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VisibleError);
    expect((err as VisibleError).code).toBe("sql.unsupported");
    expect(rs.calls()).toHaveLength(0);
  });
});

describe("ops store on the Aurora Data API (AWS SDK mocked: no S3/Redshift here)", () => {
  const rds = mockClient(RDSDataClient);
  const config = {
    resourceArn: "arn:aws:rds:eu-west-1:1:cluster:ops",
    secretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:ops",
    database: "cdp",
  };
  afterEach(() => rds.reset());

  test("drizzle queries go to the cluster with its secret and come back as rows", async () => {
    rds.on(ExecuteStatementCommand_RDS).resolves({
      columnMetadata: [{ name: "id" }, { name: "status" }],
      records: [[{ stringValue: "run_1" }, { stringValue: "FAILED" }]],
    });
    const ops = awsOps(config, new RDSDataClient(fakeAws));
    const rows = await ops.db
      .select({ id: runTable.id, status: runTable.status })
      .from(runTable)
      .where(eq(runTable.status, "FAILED"));
    expect(rows).toEqual([{ id: "run_1", status: "FAILED" }]);
    const sent = rds.commandCalls(ExecuteStatementCommand_RDS)[0]!.args[0].input;
    expect(sent).toMatchObject(config);
    expect(sent.sql).toMatch(/from "runs" where "runs"."status" = :1/);
    expect(sent.parameters).toEqual([{ name: "1", value: { stringValue: "FAILED" } }]);
  });

  test("migrations run against the cluster from the folder they are copied to", async () => {
    rds.on(ExecuteStatementCommand_RDS).resolves({ records: [] });
    rds.on(BeginTransactionCommand).resolves({ transactionId: "tx" });
    rds.on(CommitTransactionCommand).resolves({});
    await migrateAwsOps(
      config,
      fileURLToPath(new URL("../migrations", import.meta.url)),
      new RDSDataClient(fakeAws),
    );
    const sqls = rds.commandCalls(ExecuteStatementCommand_RDS).map((c) => c.args[0].input.sql);
    expect(sqls.some((s) => /CREATE TABLE (IF NOT EXISTS )?"runs"/i.test(s ?? ""))).toBe(true);
    expect(rds.commandCalls(CommitTransactionCommand)).toHaveLength(1);
  });
});
