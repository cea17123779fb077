// Every AWS call the deployed flows make, checked against the IAM policy of the role that makes it.
// The flows run here as deployed — the ops-store migration, files dropped into inbox/ taken
// through the ingest state machine (its Lambdas' handlers, the Glue job's twin, Redshift's COPY and
// UNLOAD), AWS DMS writing dms/, the console API operating the runs — on stand-ins of the AWS
// services (mocked SDK clients over an in-memory bucket and PGlite) that record each call with its
// role. Each call is
// mapped to the IAM requests AWS makes for it and evaluated by iam-simulate against the policy
// built from the same core builders infra uses (test/support/iam-deployment.ts).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { alertTopicPolicy } from "@cdp/core/alert/iam";
import {
  dmsS3TargetSettings,
  dmsTableMappings,
  parseOracleSelection,
} from "@cdp/core/cdc/dms-settings";
import { ingestStateMachine, IngestState as S } from "@cdp/core/ingest/asl";
import { runIngestJob } from "@cdp/core/ingest/job-runner";
import { retentionOf } from "@cdp/core/lake/retention";
import { s3Lake } from "@cdp/core/lake/s3";
import { type PolicyDocument, policyDocument } from "@cdp/core/util/iam";
import { openPglite } from "@cdp/core/warehouse/pglite";
import { redshiftDataWarehouse } from "@cdp/core/warehouse/redshift-data";
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { fakeGlueAndCloudWatch, fakeStepFunctions } from "../../../test/support/aws-ops-fakes";
import {
  type AwsCall,
  fakeNotifications,
  fakeS3,
  Recorder,
} from "../../../test/support/aws-record";
import { fakeRdsData, fakeRedshiftData } from "../../../test/support/aws-sql-fakes";
import { dmsS3Target } from "../../../test/support/dms-target";
import * as stage from "../../../test/support/iam-deployment";
import {
  decideForService,
  denials,
  describeDenial,
  requestsOf,
  wildcards,
} from "../../../test/support/iam-eval";
import {
  asLambdaInvoke,
  type Execution,
  executeLocally,
  type Json,
} from "../../../test/support/local-sfn";

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const rec = new Recorder();
// The cdc flow's own roles are exercised by cdc-iam.test.ts.
const policies: Record<string, PolicyDocument> = Object.fromEntries(
  Object.entries(stage.roleStatements())
    .filter(([role]) => !stage.cdcRoles.includes(role))
    .map(([role, s]) => [role, policyDocument(s)]),
);

// What SST hands a function as Resource.<Name>: the links of the function being run.
const linked: Record<string, unknown> = {};
(globalThis as { __SST_RESOURCE_RAW__?: object }).__SST_RESOURCE_RAW__ = linked;
function runAs<T>(fn: string, work: () => Promise<T>): Promise<T> {
  return rec.as(fn, async () => {
    for (const k of Object.keys(linked)) delete linked[k];
    linked.App = { name: "cdp", stage: "test" };
    for (const l of stage.functions[fn]!.links) linked[l] = stage.links[l]!.properties;
    return work();
  });
}

const definition = ingestStateMachine({
  planFunctionArn: stage.FUNCTION_ARNS.IngestPlan,
  reportFunctionArn: stage.FUNCTION_ARNS.IngestReport,
  failureFunctionArn: stage.FUNCTION_ARNS.IngestFailure,
  glueJobName: stage.JOB_NAME,
});

const HEADER = "user_id,name,email,total_spend";
const csv = (...lines: string[]) => `${[HEADER, ...lines].join("\n")}\n`;

describe("every AWS call the deployed flows make is allowed to the role that makes it (AWS SDK mocked; IAM evaluated by iam-simulate)", () => {
  let warehouseDb: PGlite;
  let opsDb: PGlite;
  let s3: ReturnType<typeof fakeS3>;
  let sfn: ReturnType<typeof fakeStepFunctions>;
  const executions: Record<string, Execution> = {};
  const responses: Record<string, number> = {};
  const stubs: { restore(): void }[] = [];

  beforeAll(async () => {
    // The functions' metrics are EMF lines on stdout: not this test's output.
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, "write").mockImplementation(
      ((chunk: unknown, ...rest: never[]) =>
        String(chunk).startsWith('{"_aws"') || write(chunk as string, ...rest)) as never,
    );
    process.env.AWS_REGION = stage.place.region;
    // The migrate function finds the migrations copied next to its bundle.
    process.env.LAMBDA_TASK_ROOT = root("packages/core");
    warehouseDb = await openPglite();
    opsDb = await openPglite();
    s3 = fakeS3(rec, stage.BUCKET);
    const notifications = fakeNotifications(rec, {
      [stage.CONSOLE_URL_PARAMETER]: "https://console.example.com",
    });
    sfn = fakeStepFunctions(rec);
    const others = fakeGlueAndCloudWatch(rec);
    stubs.push(
      s3.stub,
      notifications.sns,
      notifications.ssm,
      sfn.stub,
      others.glue,
      others.cloudwatch,
      fakeRedshiftData(rec, {
        db: warehouseDb,
        s3,
        roleNames: { [stage.COPY_ROLE]: "WarehouseCopyRole" },
      }),
      fakeRdsData(rec, opsDb),
    );
    // The handlers read Resource (sst) when first called: imported once the links are in place.
    const migrate = (await import("../src/handlers/ops-migrate")).handler;
    const plan = (await import("../src/handlers/ingest-plan")).handler;
    const report = (await import("../src/handlers/ingest-report")).handler;
    const failure = (await import("../src/handlers/ingest-failure")).handler;
    const { awsPlatform } = await import("../src/aws/platform");
    const { createApi } = await import("../src/api");

    // 1. A deploy: the migration runs before any function that uses the ops store.
    await runAs("OpsMigrate", () => migrate());

    // 2. Files land in inbox/; the inbox rule starts an execution of the ingest machine for each.
    const crashing = new Set<string>();
    const lambda =
      (fn: keyof typeof stage.FUNCTION_ARNS, handler: (payload: never) => Promise<unknown>) =>
      async (input: Json) => {
        const i = input as { FunctionName: string; Payload: never };
        await rec.as("IngestMachineRole", async () => rec.record("lambda", "Invoke", i));
        return asLambdaInvoke(runAs(fn, () => handler(i.Payload)));
      };
    const handlers = {
      [S.plan]: lambda("IngestPlan", plan),
      [S.load]: async (input: Json) => {
        const { JobName, Arguments: args } = input as {
          JobName: string;
          Arguments: Record<string, string>;
        };
        // glue:startJobRun.sync: Step Functions starts the run and polls it (and stops it when the
        // execution stops) — https://docs.aws.amazon.com/step-functions/latest/dg/connect-glue.html
        await rec.as("IngestMachineRole", async () => {
          for (const op of ["StartJobRun", "GetJobRun", "GetJobRuns", "BatchStopJobRun"]) {
            rec.record("glue", op, { JobName });
          }
        });
        // Glue runs the job with its role: it reads the script, and the job logs to CloudWatch
        // (a Python shell job's groups: /aws-glue/python-jobs/output and …/error).
        const id = `jr_${Object.keys(executions).length}`;
        await rec.as("IngestGlueRole", async () => {
          rec.record("s3", "GetObject", { Bucket: stage.BUCKET, Key: "assets/glue/ingest.py" });
          for (const group of ["/aws-glue/python-jobs/output", "/aws-glue/python-jobs/error"]) {
            rec.record("logs", "CreateLogGroup", { logGroupName: group });
            rec.record("logs", "CreateLogStream", { logGroupName: group, logStreamName: id });
            rec.record("logs", "PutLogEvents", { logGroupName: group, logStreamName: id });
          }
        });
        try {
          // The script's twin, making the same calls: read the plan, run it through the Data
          // API (Redshift COPYs and UNLOADs with its own role), write the results.
          await rec.as("IngestGlueRole", async () => {
            const job = {
              lake: s3Lake(args["--lake_bucket"]!),
              warehouse: redshiftDataWarehouse({
                workgroupName: stage.WORKGROUP,
                database: "cdp",
                secretArn: stage.WAREHOUSE_SECRET,
              }),
            };
            if (crashing.has(args["--run_id"]!)) {
              await job.lake.get(args["--plan_key"]!);
              throw new Error("the job ran out of memory");
            }
            await runIngestJob(job, { planKey: args["--plan_key"]! });
          });
        } catch (err) {
          throw Object.assign(
            new Error(
              JSON.stringify({ Id: id, JobName, JobRunState: "FAILED", ErrorMessage: String(err) }),
            ),
            { name: "States.TaskFailed" },
          );
        }
        return { Id: id, JobName, JobRunState: "SUCCEEDED" };
      },
      [S.report]: lambda("IngestReport", report),
      [S.reportFailure]: lambda("IngestFailure", failure),
    };
    /** Drop a file into inbox/ (no body: it is already in the lake) and run the machine on it. */
    async function drop(
      name: string,
      key: string,
      body: string | Buffer | null,
      opts: { eventKey?: string; crash?: boolean; execution?: string } = {},
    ) {
      if (body !== null) s3.upload(key, body);
      const executionName = opts.execution ?? name;
      const executionArn = `${stage.MACHINE_ARN.replace(":stateMachine:", ":execution:")}:${executionName}`;
      if (opts.crash) crashing.add(`sfn:${stage.MACHINE_NAME}:${executionName}`);
      const event = {
        "detail-type": "Object Created",
        source: "aws.s3",
        account: stage.place.account,
        region: stage.place.region,
        detail: { bucket: { name: stage.BUCKET }, object: { key: opts.eventKey ?? key } },
      };
      await rec.as("IngestInboxRuleRole", async () =>
        rec.record("states", "StartExecution", { stateMachineArn: stage.MACHINE_ARN }),
      );
      const x = await executeLocally(definition, event, handlers, {
        stateMachineName: stage.MACHINE_NAME,
        executionName,
      });
      expect(x.executionArn).toBe(executionArn);
      executions[name] = x;
      sfn.add({ ...x, input: event });
    }
    await drop("good", "inbox/customers/crm_2026-01-01.csv", csv("1,Ann,ann@example.com,10"));
    await drop(
      "quarantined",
      "inbox/customers/crm 2026-01-02.csv",
      csv(
        ...Array.from({ length: 20 }, (_, i) => `${i + 10},N${i},u${i}@example.com,${i}`),
        "30,NoMail,,1",
      ),
      { eventKey: "inbox/customers/crm+2026-01-02.csv" },
    );
    await drop("rejected", "inbox/customers/mostly-bad.csv", csv("40,A,bad,1", "41,B,,1"));
    await drop(
      "not-utf8",
      "inbox/customers/latin1.csv",
      Buffer.concat([
        Buffer.from(`${HEADER}\n50,J`),
        Buffer.from([0xfc]),
        Buffer.from(",j@x.io,1\n"),
      ]),
    );
    await drop("crashed", "inbox/customers/crash.csv", csv("60,C,c@example.com,1"), {
      crash: true,
    });
    // Restarted (a new execution with the same input): the file is picked up from error/.
    await drop("restarted", "inbox/customers/crash.csv", null, { execution: "crashed-retry-1" });
    // Crashed and left for the operator, who retries it in the console below.
    await drop("crashed-again", "inbox/customers/crash2.csv", csv("61,D,d@example.com,1"), {
      crash: true,
    });

    // 3. AWS DMS replicates Oracle into dms/ with the roles infra gives it (these are the service's
    // calls, not ours): the source endpoint reads the connection secret; the S3 target checks its
    // folder (a test object written and deleted: a stand-in, the key DMS uses is not documented),
    // lists it, and writes a full load and a change file where the settings say.
    await rec.as("ReplicationSecretRole", async () =>
      rec.record("secretsmanager", "GetSecretValue", { SecretId: stage.ORACLE_SECRET }),
    );
    await rec.as("ReplicationLakeRole", async () => {
      const dmsS3 = new S3Client({ region: stage.place.region });
      const Bucket = stage.BUCKET;
      await dmsS3.send(new PutObjectCommand({ Bucket, Key: "dms/.dms-test", Body: "" }));
      await dmsS3.send(new DeleteObjectCommand({ Bucket, Key: "dms/.dms-test" }));
      await dmsS3.send(new ListObjectsV2Command({ Bucket, Prefix: "dms/" }));
      const dms = dmsS3Target(dmsS3TargetSettings(), dmsTableMappings(parseOracleSelection("")), {
        taskStart: new Date("2026-11-01T08:00:00Z"),
      });
      const table = {
        schema: "CRM",
        table: "CUSTOMERS",
        columns: ["CUSTOMER_ID", "EMAIL"],
        key: ["CUSTOMER_ID"],
      };
      for (const f of [
        ...dms.fullLoad(table, [["1", "ann@example.com"]]),
        ...dms.changes(table, new Date("2026-11-01T09:05:00Z"), [
          {
            commit: new Date("2026-11-01T09:01:00Z"),
            changes: [{ op: "U", row: ["1", "ann@example.org"] }],
          },
        ]),
      ]) {
        await dmsS3.send(new PutObjectCommand({ Bucket, Key: f.key, Body: f.body }));
      }
    });

    // 4. An operator works in the console.
    const api = await runAs("ConsoleApi", async () =>
      createApi(awsPlatform(), { kind: "gateway" }),
    );
    const failedRun = `sfn:${stage.MACHINE_NAME}:crashed-again`;
    for (const [method, path] of [
      ["GET", "/api/health"],
      ["GET", "/api/pipelines"],
      ["GET", "/api/runs"],
      ["GET", `/api/runs/${encodeURIComponent(failedRun)}`],
      ["GET", "/api/runs/retryable"],
      ["POST", `/api/runs/${encodeURIComponent(failedRun)}/retry`],
      ["GET", "/api/metrics?names=RowsRead&hours=6&bucket=15"],
      ["GET", "/api/alerts"],
      ["GET", "/api/quality/summary"],
      ["GET", "/api/quality/failures"],
      ["GET", "/api/schema"],
      ["GET", "/api/audit"],
      ["GET", "/api/cdc/tables"],
    ] as const) {
      const res = await runAs("ConsoleApi", async () => api.request(path, { method }));
      responses[`${method} ${path}`] = res.status;
    }
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    for (const s of stubs) s.restore();
    await warehouseDb?.close();
    await opsDb?.close();
  });

  test("the flows ran as a user would see them: loaded, quarantined, rejected, failed, restarted", () => {
    const outcome = (name: string) => [executions[name]?.status, executions[name]?.path.at(-1)];
    expect(outcome("good")).toEqual(["SUCCEEDED", S.done]);
    expect(outcome("quarantined")).toEqual(["SUCCEEDED", S.done]);
    expect(outcome("rejected")).toEqual(["FAILED", S.tooManyRejects]);
    expect(outcome("not-utf8")).toEqual(["FAILED", S.notIngestible]);
    expect(outcome("crashed")).toEqual(["FAILED", S.failed]);
    expect(outcome("restarted")).toEqual(["SUCCEEDED", S.done]);
    expect(s3.keys("processed/")).toEqual([
      "processed/customers/crash.csv",
      "processed/customers/crm 2026-01-02.csv",
      "processed/customers/crm_2026-01-01.csv",
    ]);
    expect(Object.entries(responses).filter(([, status]) => status >= 400)).toEqual([]);
  });

  test.each(Object.keys(policies))(
    "%s: every call it made is allowed by its policy",
    async (role) => {
      const made = rec.calls.filter((c) => c.principal === role);
      expect(
        made.length,
        `${role} made no call: the flows above don't exercise it`,
      ).toBeGreaterThan(0);
      const denied = await denials(made, policies, stage.deployment);
      expect(denied.map(describeDenial)).toEqual([]);
    },
  );

  test("no call was made outside a role", () => {
    const outside = rec.calls.filter((c) => !policies[c.principal]);
    expect(outside.map((c) => `${c.principal} ${c.service}:${c.operation}`)).toEqual([]);
  });

  test("no role grants a wildcard action, or a wildcard resource beyond a trailing prefix, outside the allow-list", () => {
    const found = Object.entries(policies).flatMap(([role, p]) =>
      wildcards(p, stage.starAllowed).map((w) => `${role}: ${w}`),
    );
    expect(found).toEqual([]);
  });

  test("the alerts topic takes messages from this account's EventBridge rules and alarms, no one else's", async () => {
    const policy = alertTopicPolicy({ ...stage.place, topicArn: stage.TOPIC });
    const publish = (service: string, context: Record<string, string>) =>
      decideForService(
        policy,
        { service, action: "sns:Publish", resource: stage.TOPIC, context },
        stage.place.account,
      );
    const alarm = `arn:aws:cloudwatch:${stage.place.region}:${stage.place.account}:alarm:cdp-test-errors`;
    const own = { "aws:SourceAccount": stage.place.account };
    const other = { "aws:SourceAccount": "999999999999" };
    expect(await publish("events.amazonaws.com", own)).toBe("Allowed");
    expect(await publish("cloudwatch.amazonaws.com", { ...own, "aws:SourceArn": alarm })).toBe(
      "Allowed",
    );
    expect(await publish("events.amazonaws.com", other)).not.toBe("Allowed");
    expect(
      await publish("cloudwatch.amazonaws.com", {
        ...other,
        "aws:SourceArn": alarm.replace(stage.place.account, "999999999999"),
      }),
    ).not.toBe("Allowed");
    expect(await publish("s3.amazonaws.com", own)).not.toBe("Allowed");
    expect(readFileSync(root("infra/alerts.ts"), "utf8")).toMatch(/alertTopicPolicy\(/);
  });

  test("every key the flows wrote falls under a lifecycle rule: nothing is kept forever by accident", () => {
    const written = rec.calls
      .filter(
        (c) =>
          c.service === "s3" && /^(PutObject|CopyObject|CreateMultipartUpload)$/.test(c.operation),
      )
      .map((c) => String(c.input.Key));
    const keys = [...new Set([...written, ...s3.keys()])];
    expect(keys.some((k) => k.startsWith("staging/"))).toBe(true);
    expect(keys.filter((k) => !retentionOf(k))).toEqual([]);
  });

  test("a call with no IAM mapping fails rather than passing unchecked", () => {
    const call: AwsCall = {
      principal: "X",
      service: "s3",
      operation: "PutBucketPolicy",
      input: {},
    };
    expect(() => requestsOf(call, stage.deployment)).toThrow(/no IAM mapping/);
  });

  test("the Glue script makes only calls its twin made here, under the Glue job's role", () => {
    const script = readFileSync(root("packages/functions/src/glue/ingest.py"), "utf8");
    const pascal = (s: string) => s.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
    const used = [...script.matchAll(/\b(s3|rs)\.([a-z_]+)\(/g)].map(
      ([, client, op]) => `${client === "s3" ? "s3" : "redshift-data"}:${pascal(op!)}`,
    );
    const made = new Set(
      rec.calls
        .filter((c) => c.principal === "IngestGlueRole")
        .map((c) => `${c.service}:${c.operation}`),
    );
    expect(used.length).toBeGreaterThan(0);
    expect([...new Set(used)].filter((op) => !made.has(op))).toEqual([]);
  });

  test("infra builds each role and link from the builders evaluated here, links functions as here, and updates them after the migration", () => {
    const source = (file: string) => readFileSync(root(file), "utf8");
    const infra = [
      "infra/ingest.ts",
      "infra/cdc.ts",
      "infra/console.ts",
      "infra/database.ts",
      "infra/warehouse.ts",
      "infra/alerts.ts",
      "infra/replication.ts",
      "infra/ml.ts",
      "infra/salesforce.ts",
    ]
      .map(source)
      .join("\n");
    const builderOf = (call: string, name: string) =>
      new RegExp(`${call}\\(\\s*"${name}",[\\s\\S]*?grants\\((\\w+)`).exec(infra)?.[1] ?? null;
    for (const [name, link] of Object.entries(stage.links)) {
      if (link.infra) expect(builderOf("linkable", name), name).toBe(link.infra);
    }
    for (const [name, role] of Object.entries(stage.serviceRoles)) {
      expect(builderOf("serviceRole", name), name).toBe(role.infra);
    }
    const camel = (s: string) => s[0]!.toLowerCase() + s.slice(1);
    for (const [name, fn] of Object.entries(stage.functions)) {
      // As biome formats it: on one line, or one link a line with a trailing comma.
      const flat = source(fn.file).replace(/\s+/g, "").replace(/,]/g, "]");
      expect(flat, name).toContain(`link:[${fn.links.map(camel).join(",")}]`);
      // New code never meets the old schema: what uses the ops store is updated after migrating.
      if (name !== "OpsMigrate" && fn.links.includes("OpsStore")) {
        expect(source(fn.file), name).toMatch(/\n\s+afterMigration,\n\s*\)/);
      }
    }
  });
});

afterAll(() => {
  delete (globalThis as { __SST_RESOURCE_RAW__?: object }).__SST_RESOURCE_RAW__;
});
