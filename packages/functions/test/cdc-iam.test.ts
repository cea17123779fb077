// Every AWS call the deployed cdc flow makes, checked against the IAM policy of the role that makes
// it — as iam.test.ts does for the other flows. DMS files land under dms/ and the cdc state machine
// takes them through its Lambdas' handlers (as deployed: Resource links, S3, the Redshift Data API,
// the ops store through the RDS Data API, Step Functions for a table's holder and hand-on), the
// Glue job's twin (Redshift's COPY and UNLOAD with the warehouse's role) — applied, quarantined,
// replayed, taken over from a stopped run, handed on, failed, retried from the console — on
// stand-ins of the AWS services (mocked SDK clients over an in-memory bucket and PGlite) that record
// each call with its role. Each call is evaluated by iam-simulate against the policy built from the
// same core builders infra/cdc.ts uses (test/support/iam-deployment.ts).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import { cdcStateMachine, CdcState as S } from "@cdp/core/cdc/asl";
import { runCdcJob } from "@cdp/core/cdc/job-runner";
import { retentionOf } from "@cdp/core/lake/retention";
import { s3Lake } from "@cdp/core/lake/s3";
import { type PolicyDocument, policyDocument } from "@cdp/core/util/iam";
import { openPglite } from "@cdp/core/warehouse/pglite";
import { redshiftDataWarehouse } from "@cdp/core/warehouse/redshift-data";
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { fakeGlueAndCloudWatch, fakeStepFunctions } from "../../../test/support/aws-ops-fakes";
import { fakeNotifications, fakeS3, Recorder } from "../../../test/support/aws-record";
import { fakeRdsData, fakeRedshiftData } from "../../../test/support/aws-sql-fakes";
import { dmsCsv, seq } from "../../../test/support/cdc";
import * as stage from "../../../test/support/iam-deployment";
import { denials, describeDenial, wildcards } from "../../../test/support/iam-eval";
import {
  asLambdaInvoke,
  type Execution,
  executeLocally,
  type Json,
} from "../../../test/support/local-sfn";

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const rec = new Recorder();
/** The cdc flow's roles, and those it shares: the COPY role, the console, the migration. */
const roles = [...stage.cdcRoles, "WarehouseCopyRole", "ConsoleApi", "OpsMigrate"];
const policies: Record<string, PolicyDocument> = Object.fromEntries(
  Object.entries(stage.roleStatements())
    .filter(([role]) => roles.includes(role))
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

const definition = cdcStateMachine({
  planFunctionArn: stage.CDC_FUNCTION_ARNS.CdcPlan,
  reportFunctionArn: stage.CDC_FUNCTION_ARNS.CdcReport,
  failureFunctionArn: stage.CDC_FUNCTION_ARNS.CdcFailure,
  glueJobName: stage.CDC_JOB_NAME,
});

const COLS = ["ID", "NAME", "EMAIL"];
const executionArnOf = (name: string) =>
  `${stage.CDC_MACHINE_ARN.replace(":stateMachine:", ":execution:")}:${name}`;

describe("every AWS call the deployed cdc flow makes is allowed to the role that makes it (AWS SDK mocked; IAM evaluated by iam-simulate)", () => {
  let warehouseDb: PGlite;
  let opsDb: PGlite;
  let s3: ReturnType<typeof fakeS3>;
  let sfn: ReturnType<typeof fakeStepFunctions>;
  const executions: Record<string, Execution> = {};
  const responses: Record<string, number> = {};
  const stubs: { restore(): void }[] = [];

  beforeAll(async () => {
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, "write").mockImplementation(
      ((chunk: unknown, ...rest: never[]) =>
        String(chunk).startsWith('{"_aws"') || write(chunk as string, ...rest)) as never,
    );
    process.env.AWS_REGION = stage.place.region;
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
    const migrate = (await import("../src/handlers/ops-migrate")).handler;
    const plan = (await import("../src/handlers/cdc-plan")).handler;
    const report = (await import("../src/handlers/cdc-report")).handler;
    const failure = (await import("../src/handlers/cdc-failure")).handler;
    const { cdcDeps } = await import("../src/handlers/cdc-deps");
    const { awsPlatform } = await import("../src/aws/platform");
    const { createApi } = await import("../src/api");

    await runAs("OpsMigrate", () => migrate());

    const crashing = new Set<string>();
    const lambda =
      (fn: keyof typeof stage.CDC_FUNCTION_ARNS, handler: (payload: never) => Promise<unknown>) =>
      async (input: Json) => {
        const i = input as { FunctionName: string; Payload: never };
        await rec.as("CdcMachineRole", async () => rec.record("lambda", "Invoke", i));
        return asLambdaInvoke(runAs(fn, () => handler(i.Payload)));
      };
    const handlers = {
      [S.plan]: lambda("CdcPlan", plan),
      [S.apply]: async (input: Json) => {
        const { JobName, Arguments: args } = input as {
          JobName: string;
          Arguments: Record<string, string>;
        };
        await rec.as("CdcMachineRole", async () => {
          for (const op of ["StartJobRun", "GetJobRun", "GetJobRuns", "BatchStopJobRun"]) {
            rec.record("glue", op, { JobName });
          }
        });
        const id = `jr_${Object.keys(executions).length}`;
        await rec.as("CdcGlueRole", async () => {
          rec.record("s3", "GetObject", { Bucket: stage.BUCKET, Key: "assets/glue/ingest.py" });
          for (const group of ["/aws-glue/python-jobs/output", "/aws-glue/python-jobs/error"]) {
            rec.record("logs", "CreateLogGroup", { logGroupName: group });
            rec.record("logs", "CreateLogStream", { logGroupName: group, logStreamName: id });
            rec.record("logs", "PutLogEvents", { logGroupName: group, logStreamName: id });
          }
        });
        try {
          await rec.as("CdcGlueRole", async () => {
            const job = {
              lake: s3Lake(args["--lake_bucket"]!),
              warehouse: redshiftDataWarehouse({
                workgroupName: stage.WORKGROUP,
                database: "cdp",
                secretArn: stage.WAREHOUSE_SECRET,
              }),
            };
            if (crashing.delete(args["--run_id"]!)) {
              await job.lake.get(args["--plan_key"]!);
              throw new Error("the job ran out of memory");
            }
            await runCdcJob(job, { planKey: args["--plan_key"]! });
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
      [S.report]: lambda("CdcReport", report),
      [S.reportFailure]: lambda("CdcFailure", failure),
    };
    /** Run the machine on `input` as the dms/ rule (or a hand-on, or a retry) started it. */
    async function execute(name: string, input: Json, opts: { crash?: boolean } = {}) {
      if (opts.crash) crashing.add(`sfn:${stage.CDC_MACHINE_NAME}:${name}`);
      sfn.add({ executionArn: executionArnOf(name), status: "RUNNING", input });
      const x = await executeLocally(definition, input, handlers, {
        stateMachineName: stage.CDC_MACHINE_NAME,
        executionName: name,
      });
      executions[name] = x;
      sfn.add({ ...x, input });
    }
    async function dropped(name: string, key: string, opts: { crash?: boolean } = {}) {
      const event = {
        "detail-type": "Object Created",
        source: "aws.s3",
        account: stage.place.account,
        region: stage.place.region,
        detail: { bucket: { name: stage.BUCKET }, object: { key } },
      };
      await rec.as("CdcDmsRuleRole", async () =>
        rec.record("states", "StartExecution", { stateMachineArn: stage.CDC_MACHINE_ARN }),
      );
      await execute(name, event, opts);
    }
    const load = "dms/CRM/CUSTOMERS/LOAD00000001.csv";
    const change = "dms/CRM/CUSTOMERS/20261101-1200000000.csv";
    s3.upload(
      load,
      dmsCsv(COLS, [
        ["I", null, "1", "Ann", "ann@example.com"],
        ["I", null, "2", "Bob", "bob@example.com"],
        ...Array.from({ length: 20 }, (_, i) => ["I", null, `${i + 10}`, "N", `n${i}@x.io`]),
      ] as never),
    );
    s3.upload(
      change,
      dmsCsv(COLS, [
        ["U", seq(1), "1", "Ann B", "not-an-email"],
        ["D", seq(2), "2"],
        ...Array.from({ length: 20 }, (_, i) => ["U", seq(3 + i), `${i + 10}`, "M", `m${i}@x.io`]),
      ] as never),
    );
    // Both files' events: the first execution applies both, the second finds nothing left.
    await dropped("load", load);
    await dropped("change", change);
    // The same file again: the ledger has it.
    s3.upload(change, s3.read(`processed/${change}`));
    await dropped("replayed", change);
    // A run whose execution was stopped still holds its table: taken over.
    sfn.add({ executionArn: executionArnOf("stopped"), status: "FAILED", input: {} });
    const stoppedRun = `sfn:${stage.CDC_MACHINE_NAME}:stopped`;
    await opsDb.query(
      `insert into runs (id, pipeline, engine, status, created_at, started_at, args, work_key, owner)
       values ($1, 'cdc', 'sfn', 'RUNNING', now(), now(), '{}', 'cdc:dms/CRM/ORDERS/', $2)`,
      [stoppedRun, executionArnOf("stopped")],
    );
    // …with three files, and a run that hands its table on after two.
    for (const n of [1, 2, 3]) {
      s3.upload(`dms/CRM/ORDERS/LOAD0000000${n}.csv`, dmsCsv(["ID"], [["I", null, String(n)]]));
    }
    cdcDeps().maxFilesPerExecution = 2;
    await dropped("orders", "dms/CRM/ORDERS/LOAD00000001.csv");
    cdcDeps().maxFilesPerExecution = undefined;
    await execute("orders-next-1", {
      detail: {
        bucket: { name: stage.BUCKET },
        object: { key: "dms/CRM/ORDERS/LOAD00000003.csv" },
      },
      continues: `sfn:${stage.CDC_MACHINE_NAME}:orders`,
    });
    // A crash in the job: the file goes to error/dms/; the operator retries in the console.
    s3.upload("dms/CRM/CRASH/LOAD00000001.csv", dmsCsv(["ID"], [["I", null, "1"]]));
    await dropped("crashed", "dms/CRM/CRASH/LOAD00000001.csv", { crash: true });

    const api = await runAs("ConsoleApi", async () =>
      createApi(awsPlatform(), { kind: "gateway" }),
    );
    const failedRun = `sfn:${stage.CDC_MACHINE_NAME}:crashed`;
    for (const [method, path] of [
      ["GET", "/api/pipelines"],
      ["GET", "/api/runs?pipeline=cdc"],
      ["GET", `/api/runs/${encodeURIComponent(failedRun)}`],
      ["POST", `/api/runs/${encodeURIComponent(failedRun)}/retry`],
    ] as const) {
      const res = await runAs("ConsoleApi", async () => api.request(path, { method }));
      responses[`${method} ${path}`] = res.status;
    }
    // The execution the console started, run as Step Functions would.
    const started = sfn.stub.commandCalls(StartExecutionCommand).at(-1)!.args[0].input;
    expect(started.name).toBe("crashed-retry-1");
    await execute(started.name!, JSON.parse(started.input!));
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    for (const s of stubs) s.restore();
    await warehouseDb?.close();
    await opsDb?.close();
  });

  test("the flow ran as an operator would see it: applied, replayed, taken over, handed on, failed, retried", async () => {
    const outcome = (name: string) => [executions[name]?.status, executions[name]?.path.at(-1)];
    expect(outcome("load")).toEqual(["SUCCEEDED", S.done]);
    expect(outcome("change")).toEqual(["SUCCEEDED", S.nothingToApply]);
    expect(outcome("replayed")).toEqual(["SUCCEEDED", S.done]);
    expect(outcome("orders")).toEqual(["SUCCEEDED", S.done]);
    expect(outcome("orders-next-1")).toEqual(["SUCCEEDED", S.done]);
    expect(outcome("crashed")).toEqual(["FAILED", S.failed]);
    expect(outcome("crashed-retry-1")).toEqual(["SUCCEEDED", S.done]);
    const processed = s3.keys("processed/dms/");
    expect(processed).toHaveLength(7);
    expect(processed).toEqual(
      expect.arrayContaining([
        "processed/dms/CRM/CRASH/LOAD00000001.csv",
        "processed/dms/CRM/CUSTOMERS/20261101-1200000000.csv",
        // the replayed copy, beside the first (a moved file never replaces another)
        expect.stringMatching(/^processed\/dms\/CRM\/CUSTOMERS\/20261101-1200000000\..+\.csv$/),
        "processed/dms/CRM/CUSTOMERS/LOAD00000001.csv",
        "processed/dms/CRM/ORDERS/LOAD00000001.csv",
        "processed/dms/CRM/ORDERS/LOAD00000002.csv",
        "processed/dms/CRM/ORDERS/LOAD00000003.csv",
      ]),
    );
    expect(s3.keys("dms/")).toEqual([]);
    expect(s3.keys("error/dms/")).toEqual([
      "error/dms/CRM/CUSTOMERS/20261101-1200000000.rejects.csv",
    ]);
    const rows = await warehouseDb.query("select id, name from crm.customers where id < 10");
    expect(rows.rows).toEqual([{ id: 1, name: "Ann" }]);
    expect(Object.entries(responses).filter(([, status]) => status >= 400)).toEqual([]);
  });

  test.each(roles)("%s: every call it made is allowed by its policy", async (role) => {
    const made = rec.calls.filter((c) => c.principal === role);
    expect(made.length, `${role} made no call: the flow above doesn't exercise it`).toBeGreaterThan(
      0,
    );
    const denied = await denials(made, policies, stage.deployment);
    expect(denied.map(describeDenial)).toEqual([]);
  });

  test("the Plan function asked Step Functions about a holder and carried a run's table on", () => {
    const plan = rec.calls.filter((c) => c.principal === "CdcPlan" && c.service === "states");
    expect(plan.map((c) => c.operation).sort()).toEqual(["DescribeExecution", "StartExecution"]);
  });

  test("no role grants a wildcard action, or a wildcard resource beyond a trailing prefix, outside the allow-list", () => {
    const found = Object.entries(policies).flatMap(([role, p]) =>
      wildcards(p, stage.starAllowed).map((w) => `${role}: ${w}`),
    );
    expect(found).toEqual([]);
  });

  test("every key the flow wrote falls under a lifecycle rule", () => {
    const written = rec.calls
      .filter((c) => c.service === "s3" && /^(PutObject|CopyObject)$/.test(c.operation))
      .map((c) => String(c.input.Key));
    const keys = [...new Set([...written, ...s3.keys()])];
    expect(keys.some((k) => k.startsWith("error/dms/"))).toBe(true);
    expect(keys.filter((k) => !retentionOf(k))).toEqual([]);
  });

  test("the Glue script makes only calls its twin made here, under the cdc job's role", () => {
    const script = readFileSync(root("packages/functions/src/glue/ingest.py"), "utf8");
    const pascal = (s: string) => s.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
    const used = [...script.matchAll(/\b(s3|rs)\.([a-z_]+)\(/g)].map(
      ([, client, op]) => `${client === "s3" ? "s3" : "redshift-data"}:${pascal(op!)}`,
    );
    const made = new Set(
      rec.calls
        .filter((c) => c.principal === "CdcGlueRole")
        .map((c) => `${c.service}:${c.operation}`),
    );
    expect([...new Set(used)].filter((op) => !made.has(op))).toEqual([]);
  });
});

afterAll(() => {
  delete (globalThis as { __SST_RESOURCE_RAW__?: object }).__SST_RESOURCE_RAW__;
});
