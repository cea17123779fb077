// The ingest state machine: the definition infra deploys is valid ASL that calls only the
// integrations we mean it to, and — executed locally with every Task bound to a local handler
// (the Lambdas' verbs on a lake folder, the Glue job's TypeScript twin on PGlite/PostgreSQL) —
// takes a file through the same outcomes a user meets: loaded, quarantined, rejected, failed.
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames, makeOps, makeWarehouse } from "../../../test/support/engines";
import {
  asLambdaInvoke,
  type Execution,
  executeLocally,
  type Json,
} from "../../../test/support/local-sfn";
import { listAlerts, localNotifier } from "../src/alert/alert";
import {
  IngestError,
  IngestState,
  ingestIntegrations,
  ingestStateMachine,
  taskResources,
} from "../src/ingest/asl";
import { readCsv } from "../src/ingest/csv-reader";
import { failureStep } from "../src/ingest/failure-step";
import { ingestFile } from "../src/ingest/ingest";
import { runIngestJob } from "../src/ingest/job-runner";
import type { MachineDeps } from "../src/ingest/machine";
import { defaultQuality } from "../src/ingest/model";
import { buildPlan } from "../src/ingest/plan";
import { planStep } from "../src/ingest/plan-step";
import { reportStep } from "../src/ingest/report-step";
import { localLake } from "../src/lake/local";
import { localMetrics } from "../src/metric/metric";
import { metricTable } from "../src/metric/metric.sql";
import type { OpsStore } from "../src/ops/db";
import { failureSamples, failureStatusCounts, failureSummary } from "../src/quality/failures";
import { runIdOfExecution, sfnRunId } from "../src/run/aws/ids";
import { getRun } from "../src/run/store";
import { createId } from "../src/util/id";
import type { Warehouse } from "../src/warehouse/warehouse";

// asl-validator ships no types.
const aslValidator = createRequire(import.meta.url)("asl-validator") as (definition: object) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
};

const params = {
  planFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:cdp-prod-IngestPlanFunction",
  reportFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:cdp-prod-IngestReportFunction",
  failureFunctionArn:
    "arn:aws:lambda:eu-west-1:123456789012:function:cdp-prod-IngestFailureFunction",
  glueJobName: "cdp-prod-ingest",
};
const definition = ingestStateMachine(params);
const S = IngestState;

interface TaskView {
  Type: string;
  Resource?: string;
  Next?: string;
  Parameters: { FunctionName?: string; JobName?: string; Arguments?: Record<string, string> };
  Retry: { ErrorEquals: string[]; BackoffRate: number }[];
  Catch: unknown[];
}
const states = () => definition.States as unknown as Record<string, TaskView>;

describe("the ingest state machine's definition", () => {
  test("is valid Amazon States Language", () => {
    const { isValid, errorsText } = aslValidator(definition as never);
    expect(errorsText("\n"), "asl-validator").toBe("");
    expect(isValid).toBe(true);
  });

  test("calls only Lambda (lambda:invoke) and Glue (glue:startJobRun.sync), with the given ARNs and job", () => {
    // asl-validator accepts any ARN; this pins the integrations to the ones we support.
    expect(new Set(taskResources(definition))).toEqual(
      new Set(["arn:aws:states:::lambda:invoke", "arn:aws:states:::glue:startJobRun.sync"]),
    );
    expect(Object.values(ingestIntegrations).sort()).toEqual(
      [...new Set(taskResources(definition))].sort(),
    );
    const st = states();
    expect(st[S.plan]!.Parameters.FunctionName).toBe(params.planFunctionArn);
    expect(st[S.report]!.Parameters.FunctionName).toBe(params.reportFunctionArn);
    expect(st[S.reportFailure]!.Parameters.FunctionName).toBe(params.failureFunctionArn);
    expect(st[S.load]!.Parameters).toEqual({
      JobName: params.glueJobName,
      Arguments: {
        "--run_id.$": "$.plan.runId",
        "--plan_key.$": "$.plan.planKey",
        "--lake_bucket.$": "$.detail.bucket.name",
      },
    });
    // Raw ARNs would make the function/job a free-form string; every Task is an integration.
    for (const s of Object.values(st).filter((s) => s.Type === "Task")) {
      expect(s.Resource).toMatch(/^arn:aws:states:::(lambda:invoke|glue:startJobRun\.sync)$/);
    }
  });

  test("every working state retries Lambda's transient errors with backoff and is caught into ReportFailure", () => {
    const st = states();
    for (const name of [S.plan, S.report, S.reportFailure]) {
      const retry = st[name]!.Retry[0]!;
      expect(retry.ErrorEquals).toContain("Lambda.ServiceException");
      expect(retry.ErrorEquals).toContain("Lambda.TooManyRequestsException");
      expect(retry.BackoffRate).toBeGreaterThan(1);
    }
    for (const name of [S.plan, S.load, S.report]) {
      expect(st[name]!.Catch).toEqual([
        { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: S.reportFailure },
      ]);
    }
    expect(st[S.reportFailure]!.Next).toBe(S.failed);
  });
  test("the Redshift plan's UNLOAD writes every failed rule, warnings too, for the report step to record", async () => {
    const profile = await readCsv(Readable.from(["user_id,email\n1,a@example.com\n"]));
    const plan = buildPlan({
      runId: "run_x",
      table: "customers",
      schema: "public",
      key: "user_id",
      dialect: "redshift",
      header: profile.header,
      stats: profile.stats,
      rows: profile.rowsStaged,
      existing: [
        { name: "user_id", type: "integer" },
        { name: "email", type: "text" },
      ],
      rules: defaultQuality.rules,
      s3: {
        stagingUri: "s3://cdp-lake/staging/run_x.csv",
        rejectsUri: "s3://cdp-lake/rejects/run_x/",
        iamRole: "arn:aws:iam::123456789012:role/copy",
      },
    });
    const [unload] = plan.report.unloadRejects;
    expect(unload).toMatch(
      /^UNLOAD \('SELECT r."rule", r."error_type", r."severity", r."description", s\.\* /,
    );
    expect(unload).not.toMatch(/severity" = ''error''/);
    expect(unload).toMatch(
      /TO 's3:\/\/cdp-lake\/rejects\/run_x\/' IAM_ROLE 'arn:aws:iam::123456789012:role\/copy' FORMAT AS CSV HEADER/,
    );
  });

  test("is the definition infra deploys: infra/ingest.ts builds it with this builder", () => {
    const infra = readFileSync(new URL("../../../infra/ingest.ts", import.meta.url), "utf8");
    expect(infra).toMatch(/from "\.\.\/packages\/core\/src\/ingest\/asl"/);
    expect(infra).toMatch(/JSON\.stringify\(\s*ingestStateMachine\(/);
  });
});

const HEADER = "user_id,name,email,total_spend";
const csv = (lines: string[]) => `${lines.join("\n")}\n`;

describe.each(engineNames)("the ingest state machine executed locally on %s", (engine) => {
  let root: string;
  let lake: ReturnType<typeof localLake>;
  let warehouse: Warehouse;
  let ops: OpsStore;
  let deps: MachineDeps;
  /** Runs between Plan and Load, as another writer would. */
  let beforeLoad: (() => Promise<void>) | null = null;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "cdp-sfn-"));
    lake = localLake(join(root, "lake"));
    warehouse = await makeWarehouse(engine);
    ops = await makeOps(engine);
    deps = {
      lake,
      warehouse,
      ops: ops.db,
      notifier: localNotifier(ops.db),
      metrics: localMetrics(ops.db),
    };
  });
  afterAll(async () => {
    await warehouse.close();
    await ops.close();
    rmSync(root, { recursive: true, force: true });
  });

  const handlers = {
    [S.plan]: async (input: Json) => {
      const i = input as { FunctionName: string; Payload: never };
      expect(i.FunctionName).toBe(params.planFunctionArn);
      const out = await asLambdaInvoke(planStep(deps, i.Payload));
      const hook = beforeLoad;
      beforeLoad = null;
      await hook?.();
      return out;
    },
    [S.load]: async (input: Json) => {
      const i = input as { JobName: string; Arguments: Record<string, string> };
      expect(i.JobName).toBe(params.glueJobName);
      const id = `jr_${randomUUID().replace(/-/g, "")}`;
      try {
        await runIngestJob({ lake, warehouse }, { planKey: i.Arguments["--plan_key"]! });
      } catch (err) {
        // What glue:startJobRun.sync reports for a failed job run.
        throw Object.assign(
          new Error(
            JSON.stringify({
              Id: id,
              JobName: i.JobName,
              JobRunState: "FAILED",
              ErrorMessage: err instanceof Error ? err.message : String(err),
            }),
          ),
          { name: "States.TaskFailed" },
        );
      }
      return { Id: id, JobName: i.JobName, JobRunState: "SUCCEEDED", Arguments: i.Arguments };
    },
    [S.report]: async (input: Json) => {
      const i = input as { FunctionName: string; Payload: never };
      expect(i.FunctionName).toBe(params.reportFunctionArn);
      return asLambdaInvoke(reportStep(deps, i.Payload));
    },
    [S.reportFailure]: async (input: Json) => {
      const i = input as { FunctionName: string; Payload: never };
      expect(i.FunctionName).toBe(params.failureFunctionArn);
      return asLambdaInvoke(failureStep(deps, i.Payload));
    },
  };

  const objectCreated = (key: string): Json => ({
    version: "0",
    id: randomUUID(),
    "detail-type": "Object Created",
    source: "aws.s3",
    account: "123456789012",
    time: new Date().toISOString(),
    region: "eu-west-1",
    resources: ["arn:aws:s3:::cdp-lake"],
    detail: {
      version: "0",
      bucket: { name: "cdp-lake" },
      object: { key, size: 1, etag: "x", sequencer: "1" },
      "request-id": "r",
      requester: "123456789012",
      reason: "PutObject",
    },
  });

  /** Drop a file into the inbox and run the machine on its Object Created event. */
  async function drop(key: string, content: string | Buffer): Promise<Execution> {
    await lake.put(key, content);
    return executeLocally(definition, objectCreated(key), handlers);
  }

  const rows = (sql: string) => warehouse.query(sql);
  const stagingTables = () =>
    rows(`select table_name from information_schema.tables where table_schema = 'cdp_stage'`);

  test("a good file loads: Plan → Load → Report → Done; rows in the table, file in processed/, run and metrics recorded", async () => {
    const x = await drop(
      "inbox/customers/crm_2024-05-01.csv",
      csv([HEADER, "1,Ann,ann@example.com,10.50", "2,Bob,bob@example.com,3"]),
    );
    expect(x.status, `${x.error}: ${x.cause}`).toBe("SUCCEEDED");
    expect(x.path).toEqual([S.plan, S.ingestible, S.load, S.report, S.withinThreshold, S.done]);
    expect(
      await rows(`select user_id, name, total_spend::text as spend from customers order by 1`),
    ).toEqual([
      { user_id: 1, name: "Ann", spend: "10.50" },
      { user_id: 2, name: "Bob", spend: "3" },
    ]);
    expect(await lake.exists("processed/customers/crm_2024-05-01.csv")).toBe(true);
    expect(await lake.exists("inbox/customers/crm_2024-05-01.csv")).toBe(false);

    const runId = runIdOfExecution(x.executionArn);
    // The id the AWS operations adapter gives the execution, so the console shows these stats.
    expect(runId).toBe(sfnRunId("cdp-ingest", x.executionArn.split(":").at(-1)!));
    const run = await getRun(ops.db, runId);
    expect(run).toMatchObject({
      pipeline: "ingest",
      engine: "sfn",
      status: "SUCCEEDED",
      error: null,
    });
    expect(run!.stats).toMatchObject({
      table: "customers",
      rowsRead: 2,
      rowsLoaded: 2,
      rowsQuarantined: 0,
      columnsAdded: ["user_id", "name", "email", "total_spend"],
      sourceKey: "processed/customers/crm_2024-05-01.csv",
    });
    // The Glue step got the plan the Plan step wrote; the working files are gone, the record stays.
    const ingestId = run!.stats.ingestId as string;
    expect(x.taskInputs[S.load]).toMatchObject({
      Arguments: {
        "--run_id": runId,
        "--plan_key": `plans/${ingestId}.json`,
        "--lake_bucket": "cdp-lake",
      },
    });
    expect(await lake.exists(`plans/${ingestId}.json`)).toBe(true);
    expect(await lake.exists(`results/${ingestId}.json`)).toBe(true);
    expect(await lake.exists(`staging/${ingestId}.csv`)).toBe(false);
    expect(await stagingTables()).toEqual([]);
    const points = await ops.db.select().from(metricTable);
    expect(points.filter((p) => p.runId === runId).map((p) => [p.name, p.value])).toEqual(
      expect.arrayContaining([
        ["RunSucceeded", 1],
        ["RowsRead", 2],
        ["RowsLoaded", 2],
        ["RowsQuarantined", 0],
      ]),
    );
  });

  test("a file with bad rows quarantines them (rejects file and failure records from the UNLOADed rows, alert) and loads the rest — as the local executor does", async () => {
    const lines = [HEADER];
    for (let i = 10; i < 30; i++) lines.push(`${i},N${i},u${i}@example.com,${i}`);
    lines.push("30,NoMail,,1"); // email missing
    lines.push("31,Neg,neg@example.com,-5"); // negative spend
    lines.push('32,"Short'); // malformed: unclosed quote… to the end of the file
    const content = csv(lines);
    const x = await drop("inbox/customers/crm_2024-05-02.csv", content);
    expect(x.status, `${x.error}: ${x.cause}`).toBe("SUCCEEDED");
    expect(x.path.at(-1)).toBe(S.done);
    const run = await getRun(ops.db, runIdOfExecution(x.executionArn));
    expect(run!.stats).toMatchObject({
      rowsRead: 23,
      rowsLoaded: 20,
      rowsQuarantined: 3,
      errorKey: "error/customers/crm_2024-05-02.rejects.csv",
    });
    const byRule = Object.fromEntries(
      (run!.stats.failures as { rule: string; count: number }[]).map((f) => [f.rule, f.count]),
    );
    expect(byRule).toEqual({ malformed_record: 1, not_null_email: 1, negative_total_spend: 1 });
    const [{ n }] = (await rows(
      `select count(*)::int as n from customers where user_id between 10 and 32`,
    )) as [{ n: number }];
    expect(n).toBe(20);
    const rejects = readFileSync(lake.path("error/customers/crm_2024-05-02.rejects.csv"), "utf8");
    expect(rejects.split("\r\n").slice(0, 4)).toEqual([
      "row,rule,error_type,description,user_id,name,email,total_spend,raw_record",
      "21,not_null_email,missing_value,email is required,30,NoMail,,1,",
      "22,negative_total_spend,out_of_range,total_spend must not be negative,31,Neg,neg@example.com,-5,",
      expect.stringMatching(/^23,malformed_record,malformed,/),
    ]);
    const stored = await failureSamples(ops.db, { runId: run!.id });
    expect(stored.map((f) => f.rule).sort()).toEqual([
      "malformed_record",
      "negative_total_spend",
      "not_null_email",
    ]);
    expect((await listAlerts(ops.db))[0]).toMatchObject({
      kind: "quarantine",
      runId: run!.id,
      title: "customers: 3 of 23 rows quarantined",
    });
    expect(await lake.list(`rejects/`)).toEqual([]);

    // The local executor, given the same file, writes the same rejects and counts.
    await lake.put("inbox/customers_local/crm_2024-05-02.csv", content);
    const local = await ingestFile(
      { lake, warehouse, ops: ops.db, notifier: localNotifier(ops.db), quality: defaultQuality },
      createId("run"),
      { sourceKey: "inbox/customers_local/crm_2024-05-02.csv" },
    );
    expect(local.stats.failures).toEqual(run!.stats.failures);
    expect(local.stats.rowsLoaded).toBe(20);
    expect(
      readFileSync(lake.path("error/customers_local/crm_2024-05-02.rejects.csv"), "utf8"),
    ).toBe(rejects);
    // Neither executor leaves a scratch table behind.
    expect(await stagingTables()).toEqual([]);
  });

  test("too many bad rows: nothing loads, the file goes to error/ with a reason, the execution fails as TooManyRejects", async () => {
    const x = await drop(
      "inbox/customers/mostly-bad.csv",
      csv([HEADER, "40,A,a@example.com,1", "41,B,bad,1", "42,C,,1"]),
    );
    expect(x.status, `${x.error}: ${x.cause}`).toBe("FAILED");
    expect(x.path.slice(-2)).toEqual([S.withinThreshold, S.tooManyRejects]);
    expect(x.error).toBe(IngestError.qualityThreshold);
    expect(x.cause).toMatch(/2 of 3 records \(66\.7 %\) failed quality rules/);
    expect(await rows(`select user_id from customers where user_id >= 40`)).toEqual([]);
    expect(readFileSync(lake.path("error/customers/mostly-bad.csv.reason.txt"), "utf8")).toMatch(
      /66\.7 %/,
    );
    expect(await lake.exists("error/customers/mostly-bad.rejects.csv")).toBe(true);
    expect(await getRun(ops.db, runIdOfExecution(x.executionArn))).toMatchObject({
      status: "FAILED",
    });
  });

  test("the same file dropped twice counts its failing rows once; a corrected version marks them fixed — as the local executor does", async () => {
    const table = "quality_asl";
    const file = (bad: string) =>
      csv([
        HEADER,
        "1,A,a@example.com,1",
        "2,B,b@example.com,2",
        "3,C,c@example.com,3",
        bad,
        "5,E,e@example.com,5",
      ]);
    const counts = () => failureStatusCounts(ops.db, { table });
    for (let i = 0; i < 2; i++) {
      const x = await drop(`inbox/${table}/crm.csv`, file("4,D,not-an-email,4"));
      expect(x.status, `${x.error}: ${x.cause}`).toBe("SUCCEEDED");
      expect(await counts()).toEqual({ open: 1, fixed: 0 });
    }
    const [row] = await failureSummary(ops.db, { table });
    expect(row).toMatchObject({ rule: "email_format", count: 1, runs: 2 });
    const fixedBy = await drop(`inbox/${table}/crm.csv`, file("4,D,d@example.com,4"));
    expect(await counts()).toEqual({ open: 0, fixed: 1 });
    const [fixed] = await failureSamples(ops.db, { table, status: "fixed" });
    expect(fixed).toMatchObject({ rowNumber: 4, fixedBy: runIdOfExecution(fixedBy.executionArn) });
  });

  test("a file that is not UTF-8 ends in error/ with a reason file: Plan rejects it and the Choice skips the Glue job", async () => {
    const latin1 = Buffer.concat([
      Buffer.from(`${HEADER}\n50,`),
      Buffer.from([0x4a, 0xfc, 0x72, 0x67, 0x65, 0x6e]), // "Jürgen" in Latin-1
      Buffer.from(",j@example.com,1\n"),
    ]);
    const x = await drop("inbox/customers/latin1.csv", latin1);
    expect(x.status, `${x.error}: ${x.cause}`).toBe("FAILED");
    expect(x.path).toEqual([S.plan, S.ingestible, S.notIngestible]);
    expect(x.taskInputs[S.load]).toBeUndefined();
    expect(x.error).toBe(IngestError.fileRejected);
    expect(x.cause).toMatch(/latin1\.csv: .*UTF-8/);
    expect(await lake.exists("inbox/customers/latin1.csv")).toBe(false);
    expect(await lake.exists("error/customers/latin1.csv")).toBe(true);
    expect(readFileSync(lake.path("error/customers/latin1.csv.reason.txt"), "utf8")).toMatch(
      /UTF-8/,
    );
    const run = await getRun(ops.db, runIdOfExecution(x.executionArn));
    expect(run).toMatchObject({ status: "FAILED", error: expect.stringMatching(/UTF-8/) });
    expect((await listAlerts(ops.db))[0]).toMatchObject({ kind: "run_failed", runId: run!.id });
    expect(await lake.list("staging/")).toEqual([]);
  });

  test("a failure in the load step takes the Catch path: the file ends in error/ with the reason, the table is untouched; re-running the event once fixed loads it", async () => {
    // Between Plan and Load another writer adds the column the plan is about to add: the
    // merge's ALTER TABLE fails inside its transaction, so the Glue job fails.
    beforeLoad = () => warehouse.query(`ALTER TABLE customers ADD COLUMN tier text`).then(() => {});
    const content = csv(["user_id,name,email,total_spend,tier", "60,Gold,g@example.com,9,gold"]);
    const x = await drop("inbox/customers/tiers.csv", content);
    expect(x.status, `${x.error}: ${x.cause}`).toBe("FAILED");
    expect(x.path).toEqual([S.plan, S.ingestible, S.load, S.reportFailure, S.failed]);
    expect(x.error).toBe("States.TaskFailed");
    expect(x.cause).toMatch(/^loading \(Glue job\) failed: .*tier/);
    expect(await rows(`select user_id from customers where user_id = 60`)).toEqual([]);
    expect(await lake.exists("error/customers/tiers.csv")).toBe(true);
    expect(readFileSync(lake.path("error/customers/tiers.csv.reason.txt"), "utf8")).toMatch(
      /loading \(Glue job\) failed/,
    );
    expect(await stagingTables()).toEqual([]);
    const run = await getRun(ops.db, runIdOfExecution(x.executionArn));
    expect(run).toMatchObject({ status: "FAILED", error: expect.stringMatching(/tier/) });
    expect(run!.stats).toMatchObject({ errorKey: "error/customers/tiers.csv" });

    // A retry starts a new execution with the same event: the file is taken from error/.
    const again = await executeLocally(
      definition,
      objectCreated("inbox/customers/tiers.csv"),
      handlers,
    );
    expect(again.status, `${again.error}: ${again.cause}`).toBe("SUCCEEDED");
    expect(await rows(`select user_id, tier from customers where user_id = 60`)).toEqual([
      { user_id: 60, tier: "gold" },
    ]);
    expect(await lake.exists("processed/customers/tiers.csv")).toBe(true);
  });

  test("Lambda's transient errors are retried; a Report retried after it finished answers with what it recorded", async () => {
    let throttled = 0;
    const flaky = {
      ...handlers,
      [S.plan]: async (input: Json) => {
        if (throttled++ < 2) {
          throw Object.assign(new Error("Rate exceeded"), {
            name: "Lambda.TooManyRequestsException",
          });
        }
        return handlers[S.plan](input);
      },
    };
    await lake.put("inbox/customers/flaky.csv", csv([HEADER, "70,Flo,flo@example.com,1"]));
    const x = await executeLocally(definition, objectCreated("inbox/customers/flaky.csv"), flaky);
    expect(x.status, `${x.error}: ${x.cause}`).toBe("SUCCEEDED");
    expect(throttled).toBe(3);
    expect(x.path.filter((s) => s === S.plan)).toHaveLength(1);

    const run = await getRun(ops.db, runIdOfExecution(x.executionArn));
    const again = await reportStep(deps, {
      runId: run!.id,
      planKey: `plans/${run!.stats.ingestId}.json`,
    });
    expect(again).toEqual({
      status: "SUCCEEDED",
      error: null,
      rowsLoaded: 1,
      rowsQuarantined: 0,
      sourceKey: "processed/customers/flaky.csv",
      errorKey: null,
    });
    expect(await lake.exists("processed/customers/flaky.csv")).toBe(true);
  });

  test("the same event again once the file is gone does nothing: NothingToIngest", async () => {
    const x = await executeLocally(
      definition,
      objectCreated("inbox/customers/crm_2024-05-01.csv"),
      handlers,
    );
    expect(x.status, `${x.error}: ${x.cause}`).toBe("SUCCEEDED");
    expect(x.path).toEqual([S.plan, S.ingestible, S.nothingToIngest]);
    expect(await getRun(ops.db, runIdOfExecution(x.executionArn))).toBeNull();
  });
});
