// The operations behaviour on the AWS adapter, with the Glue and Step Functions SDK
// clients mocked by aws-sdk-client-mock over a small in-memory AWS whose responses are shaped like
// the API reference's and CLI reference's examples. Nothing here reaches AWS.
import { createHash, randomUUID } from "node:crypto";
import {
  ConcurrentRunsExceededException,
  EntityNotFoundException,
  GetJobRunCommand,
  type GetJobRunCommandInput,
  GetJobRunsCommand,
  type GetJobRunsCommandInput,
  type JobRun,
  StartJobRunCommand,
  type StartJobRunCommandInput,
  ThrottlingException,
} from "@aws-sdk/client-glue";
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandInput,
  type DescribeExecutionOutput,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  type ExecutionListItem,
  ExecutionNotRedrivable,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type GetExecutionHistoryCommandInput,
  type HistoryEvent,
  ListExecutionsCommand,
  type ListExecutionsCommandInput,
  RedriveExecutionCommand,
  type RedriveExecutionCommandInput,
  SFNServiceException,
  StartExecutionCommand,
  type StartExecutionCommandInput,
} from "@aws-sdk/client-sfn";
import { type AwsStub, mockClient } from "aws-sdk-client-mock";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { credentials, meta } from "../../../test/support/aws";
import { makeOps } from "../../../test/support/engines";
import type { OpsStore } from "../src/ops/db";
import { recordStartedRun } from "../src/run/aws/claims";
import { glueRunId, parseRunId, restartName, sfnRunId } from "../src/run/aws/ids";
import { type AwsOperationsConfig, awsOperations } from "../src/run/aws/operations";
import { runTable } from "../src/run/run.sql";
import { type AwsClients, createAwsClients } from "../src/util/aws";
import { VisibleError } from "../src/util/error";
import { type OperationsFixture, operationsBehaviour } from "./operations.behaviour";

const region = "us-east-1";
const account = "123456789012";
const JOB = "cdp-ingest";
const MACHINE = "cdp-segment";
const MACHINE_ARN = `arn:aws:states:${region}:${account}:stateMachine:${MACHINE}`;

const token = (offset: number) => Buffer.from(JSON.stringify({ offset })).toString("base64");
const offsetOf = (t: string | undefined) =>
  t ? (JSON.parse(Buffer.from(t, "base64").toString()) as { offset: number }).offset : 0;

function page<T>(all: T[], next: string | undefined, max: number | undefined) {
  const from = offsetOf(next);
  const size = max && max > 0 ? max : 100;
  const items = all.slice(from, from + size);
  return { items, next: from + size < all.length ? token(from + size) : undefined };
}

interface Execution {
  executionArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  redriveCount: number;
  redriveDate?: Date;
  redrivable: boolean;
  events: HistoryEvent[];
  tokens: Map<string, Date>;
}

/** Glue job runs and Step Functions executions in memory, behind the SDK commands we call. */
class FakeAws {
  private clock = 0;
  private n = 0;
  readonly jobRuns = new Map<string, JobRun[]>();
  readonly executions: Execution[] = [];
  throttled: ((operation: string) => boolean) | null = null;
  redrives = 0;

  /** Real time, but never the same millisecond twice (a few runs are made per millisecond). */
  now(): Date {
    while (Date.now() <= this.clock) {
      // spin: at most a millisecond
    }
    this.clock = Date.now();
    return new Date(this.clock);
  }

  next(): number {
    return ++this.n;
  }

  gate(service: "glue" | "sfn", operation: string) {
    if (!this.throttled?.(operation)) return;
    const opts = { $metadata: meta(), message: "Rate exceeded" };
    if (service === "glue") throw new ThrottlingException(opts);
    throw new SFNServiceException({ ...opts, name: "ThrottlingException", $fault: "client" });
  }

  // --- Glue (shapes as in `aws glue get-job-runs` / `get-job-run` output) ---------------------

  addJobRun(job: string, state: JobRun["JobRunState"], args?: Record<string, string>): JobRun {
    const id = `jr_${createHash("sha256").update(`run-${randomUUID()}`).digest("hex")}`;
    const started = this.now();
    const done = !["STARTING", "RUNNING", "WAITING", "STOPPING"].includes(state ?? "");
    const run: JobRun = {
      Id: id,
      Attempt: 0,
      JobName: job,
      StartedOn: started,
      LastModifiedOn: done ? new Date(started.getTime() + 110_000) : started,
      ...(done ? { CompletedOn: new Date(started.getTime() + 110_000) } : {}),
      JobRunState: state,
      ...(args ? { Arguments: args } : {}),
      ...(state === "FAILED"
        ? {
            ErrorMessage:
              "An error occurred while calling o122.pyWriteDynamicFrame. Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: 021AAB703DB20A2D)",
          }
        : {}),
      PredecessorRuns: [],
      AllocatedCapacity: 10,
      ExecutionTime: done ? 110 : 0,
      Timeout: 2880,
      MaxCapacity: 10.0,
      WorkerType: "G.1X",
      NumberOfWorkers: 10,
      LogGroupName: "/aws-glue/jobs",
      GlueVersion: "4.0",
      ...(done ? { DPUSeconds: 1100.0 } : {}),
    };
    const runs = this.jobRuns.get(job) ?? [];
    runs.unshift(run);
    this.jobRuns.set(job, runs);
    return run;
  }

  getJobRuns(input: GetJobRunsCommandInput) {
    this.gate("glue", "GetJobRuns");
    const { items, next } = page(
      this.jobRuns.get(input.JobName ?? "") ?? [],
      input.NextToken,
      input.MaxResults,
    );
    return { JobRuns: structuredClone(items), ...(next ? { NextToken: next } : {}) };
  }

  getJobRun(input: GetJobRunCommandInput) {
    this.gate("glue", "GetJobRun");
    const run = this.jobRuns.get(input.JobName ?? "")?.find((r) => r.Id === input.RunId);
    if (!run) {
      throw new EntityNotFoundException({
        $metadata: meta(),
        message: `Job Run Id ${input.RunId} not found`,
      });
    }
    return { JobRun: structuredClone(run) };
  }

  maxConcurrentRuns = Number.POSITIVE_INFINITY;
  startJobRun(input: StartJobRunCommandInput) {
    this.gate("glue", "StartJobRun");
    const running = (this.jobRuns.get(input.JobName ?? "") ?? []).filter((r) =>
      ["STARTING", "RUNNING", "WAITING"].includes(r.JobRunState ?? ""),
    );
    if (running.length >= this.maxConcurrentRuns) {
      throw new ConcurrentRunsExceededException({
        $metadata: meta(),
        message: `Concurrent runs exceeded for ${input.JobName}`,
      });
    }
    const run = this.addJobRun(input.JobName ?? "", "RUNNING", input.Arguments);
    return { JobRunId: run.Id };
  }

  // --- Step Functions --------------------------------------------------------------------------

  private event(e: Execution, type: HistoryEvent["type"], details: Partial<HistoryEvent> = {}) {
    const last = e.events.at(-1);
    e.events.push({
      timestamp: this.now(),
      type,
      id: (last?.id ?? 0) + 1,
      previousEventId: last?.id ?? 0,
      ...details,
    });
  }

  private enterTraining(e: Execution) {
    this.event(e, "TaskStateEntered", {
      stateEnteredEventDetails: {
        name: "TrainModel",
        input: e.input,
        inputDetails: { truncated: false },
      },
    });
    this.event(e, "TaskScheduled", {
      taskScheduledEventDetails: {
        resourceType: "sagemaker",
        resource: "createTrainingJob.sync",
        region,
        parameters: '{"AlgorithmSpecification":{"TrainingImage":"kmeans"}}',
      },
    });
    this.event(e, "TaskStarted", {
      taskStartedEventDetails: { resourceType: "sagemaker", resource: "createTrainingJob.sync" },
    });
  }

  addExecution(
    status: "RUNNING" | "SUCCEEDED" | "FAILED",
    input: object,
    redrivable = true,
  ): Execution {
    const name = randomUUID();
    const e: Execution = {
      executionArn: `arn:aws:states:${region}:${account}:execution:${MACHINE}:${name}`,
      name,
      status: "RUNNING",
      startDate: this.now(),
      input: JSON.stringify(input),
      redriveCount: 0,
      redrivable,
      events: [],
      tokens: new Map(),
    };
    this.event(e, "ExecutionStarted", {
      executionStartedEventDetails: {
        input: e.input,
        inputDetails: { truncated: false },
        roleArn: `arn:aws:iam::${account}:role/cdp-segment-role`,
      },
    });
    this.event(e, "TaskStateEntered", {
      stateEnteredEventDetails: {
        name: "BuildFeatures",
        input: e.input,
        inputDetails: { truncated: false },
      },
    });
    this.event(e, "TaskSucceeded", {
      taskSucceededEventDetails: { resourceType: "lambda", resource: "invoke", output: "{}" },
    });
    this.event(e, "TaskStateExited", {
      stateExitedEventDetails: {
        name: "BuildFeatures",
        output: "{}",
        outputDetails: { truncated: false },
      },
    });
    this.enterTraining(e);
    this.executions.unshift(e);
    if (status !== "RUNNING") this.finish(e, status);
    return e;
  }

  finish(e: Execution, status: "SUCCEEDED" | "FAILED") {
    if (status === "FAILED") {
      const error = "SageMaker.AmazonSageMakerException";
      const cause =
        "ResourceLimitExceeded: The account-level service limit 'ml.m5.xlarge for training job usage' is 2 Instances.";
      this.event(e, "TaskFailed", {
        taskFailedEventDetails: {
          resourceType: "sagemaker",
          resource: "createTrainingJob.sync",
          error,
          cause,
        },
      });
      this.event(e, "ExecutionFailed", { executionFailedEventDetails: { error, cause } });
      Object.assign(e, { status, error, cause, output: undefined });
    } else {
      this.event(e, "TaskSucceeded", {
        taskSucceededEventDetails: {
          resourceType: "sagemaker",
          resource: "createTrainingJob.sync",
          output: "{}",
        },
      });
      this.event(e, "TaskStateExited", {
        stateExitedEventDetails: {
          name: "TrainModel",
          output: "{}",
          outputDetails: { truncated: false },
        },
      });
      this.event(e, "ExecutionSucceeded", {
        executionSucceededEventDetails: {
          output: '{"segments":"ml/segments/"}',
          outputDetails: { truncated: false },
        },
      });
      Object.assign(e, {
        status,
        output: '{"segments":"ml/segments/"}',
        error: undefined,
        cause: undefined,
      });
    }
    e.stopDate = this.now();
  }

  private listItem(e: Execution): ExecutionListItem {
    return {
      executionArn: e.executionArn,
      stateMachineArn: MACHINE_ARN,
      name: e.name,
      status: e.status,
      startDate: e.startDate,
      ...(e.stopDate ? { stopDate: e.stopDate } : {}),
      ...(e.redriveCount ? { redriveCount: e.redriveCount, redriveDate: e.redriveDate } : {}),
    };
  }

  private find(arn: string | undefined): Execution {
    const e = this.executions.find((x) => x.executionArn === arn);
    if (!e) {
      throw new ExecutionDoesNotExist({
        $metadata: meta(),
        message: `Execution Does Not Exist: '${arn}'`,
      });
    }
    return e;
  }

  listExecutions(input: ListExecutionsCommandInput) {
    this.gate("sfn", "ListExecutions");
    const all = this.executions.filter(
      (e) =>
        e.executionArn.startsWith(
          `${input.stateMachineArn?.replace(":stateMachine:", ":execution:")}:`,
        ) &&
        (!input.statusFilter || e.status === input.statusFilter),
    );
    const { items, next } = page(all, input.nextToken, input.maxResults);
    return { executions: items.map((e) => this.listItem(e)), ...(next ? { nextToken: next } : {}) };
  }

  describeExecution(input: DescribeExecutionCommandInput): DescribeExecutionOutput {
    this.gate("sfn", "DescribeExecution");
    const e = this.find(input.executionArn);
    const closedRedrivable = e.status !== "RUNNING" && e.status !== "SUCCEEDED" && e.redrivable;
    return {
      ...this.listItem(e),
      input: e.input,
      inputDetails: { included: true },
      ...(e.output ? { output: e.output, outputDetails: { included: true } } : {}),
      ...(e.error ? { error: e.error, cause: e.cause } : {}),
      redriveCount: e.redriveCount,
      redriveStatus: closedRedrivable ? "REDRIVABLE" : "NOT_REDRIVABLE",
      ...(closedRedrivable
        ? {}
        : {
            redriveStatusReason:
              e.status === "RUNNING" || e.status === "SUCCEEDED"
                ? `Execution is ${e.status} and cannot be redriven`
                : "Execution redrivable period exceeded",
          }),
    };
  }

  getExecutionHistory(input: GetExecutionHistoryCommandInput) {
    this.gate("sfn", "GetExecutionHistory");
    const e = this.find(input.executionArn);
    const events = input.reverseOrder ? [...e.events].reverse() : e.events;
    const { items, next } = page(events, input.nextToken, input.maxResults);
    return { events: structuredClone(items), ...(next ? { nextToken: next } : {}) };
  }

  redriveExecution(input: RedriveExecutionCommandInput) {
    this.gate("sfn", "RedriveExecution");
    const e = this.find(input.executionArn);
    const seen = input.clientToken ? e.tokens.get(input.clientToken) : undefined;
    if (seen) return { redriveDate: seen };
    if (e.status === "RUNNING" || e.status === "SUCCEEDED" || !e.redrivable) {
      throw new ExecutionNotRedrivable({
        $metadata: meta(),
        message: `Execution is ${e.status} and cannot be redriven`,
      });
    }
    this.redrives++;
    e.redriveCount++;
    e.redriveDate = this.now();
    Object.assign(e, {
      status: "RUNNING",
      stopDate: undefined,
      error: undefined,
      cause: undefined,
    });
    this.event(e, "ExecutionRedriven", {
      executionRedrivenEventDetails: { redriveCount: e.redriveCount },
    });
    this.enterTraining(e);
    if (input.clientToken) e.tokens.set(input.clientToken, e.redriveDate);
    return { redriveDate: e.redriveDate };
  }

  startExecution(input: StartExecutionCommandInput) {
    this.gate("sfn", "StartExecution");
    const name = input.name ?? randomUUID();
    const arn = `${input.stateMachineArn?.replace(":stateMachine:", ":execution:")}:${name}`;
    const existing = this.executions.find((e) => e.executionArn === arn);
    if (existing) {
      // StartExecution is idempotent only for a running execution with the same input.
      if (existing.status === "RUNNING" && existing.input === input.input) {
        return { executionArn: arn, startDate: existing.startDate };
      }
      throw new ExecutionAlreadyExists({
        $metadata: meta(),
        message: `Execution Already Exists: '${arn}'`,
      });
    }
    const e = this.addExecution("RUNNING", JSON.parse(input.input ?? "{}") as object);
    e.executionArn = arn;
    e.name = name;
    return { executionArn: arn, startDate: e.startDate };
  }

  /** Everything still going finishes successfully. */
  settle() {
    for (const runs of this.jobRuns.values()) {
      for (const r of runs) {
        if (["STARTING", "RUNNING", "WAITING"].includes(r.JobRunState ?? "")) {
          const done = this.now();
          Object.assign(r, {
            JobRunState: "SUCCEEDED",
            CompletedOn: done,
            LastModifiedOn: done,
            ExecutionTime: 95,
            DPUSeconds: 950,
          });
        }
      }
    }
    for (const e of this.executions) if (e.status === "RUNNING") this.finish(e, "SUCCEEDED");
  }
}

interface World {
  fake: FakeAws;
  clients: AwsClients;
  // biome-ignore lint/suspicious/noExplicitAny: the stubs' generic parameters don't matter here
  glue: AwsStub<any, any, any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  sfn: AwsStub<any, any, any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  cloudwatch: AwsStub<any, any, any>;
  operations: ReturnType<typeof awsOperations>;
  calls: () => { glue: string[]; sfn: string[] };
  restore(): void;
}

const baseConfig: AwsOperationsConfig = {
  region,
  glueJobs: [{ name: JOB, pipeline: "ingest" }],
  stateMachines: [{ arn: MACHINE_ARN, pipeline: "segment" }],
  // Small API pages, so lists cross page boundaries of both sources.
  pageSize: 3,
};

function makeWorld(store: OpsStore, config: Partial<AwsOperationsConfig> = {}): World {
  const fake = new FakeAws();
  const clients = createAwsClients(region, { credentials });
  const glue = mockClient(clients.glue);
  glue.on(GetJobRunsCommand).callsFake((i) => fake.getJobRuns(i));
  glue.on(GetJobRunCommand).callsFake((i) => fake.getJobRun(i));
  glue.on(StartJobRunCommand).callsFake((i) => fake.startJobRun(i));
  const sfn = mockClient(clients.sfn);
  sfn.on(ListExecutionsCommand).callsFake((i) => fake.listExecutions(i));
  sfn.on(DescribeExecutionCommand).callsFake((i) => fake.describeExecution(i));
  sfn.on(GetExecutionHistoryCommand).callsFake((i) => fake.getExecutionHistory(i));
  sfn.on(RedriveExecutionCommand).callsFake((i) => fake.redriveExecution(i));
  sfn.on(StartExecutionCommand).callsFake((i) => fake.startExecution(i));
  const cloudwatch = mockClient(clients.cloudwatch);
  return {
    fake,
    clients,
    glue,
    sfn,
    cloudwatch,
    operations: awsOperations({ clients, db: store.db, config: { ...baseConfig, ...config } }),
    calls: () => ({
      glue: glue.calls().map((c) => c.args[0].constructor.name),
      sfn: sfn.calls().map((c) => c.args[0].constructor.name),
    }),
    restore() {
      glue.restore();
      sfn.restore();
      cloudwatch.restore();
    },
  };
}

async function awsFixture(): Promise<OperationsFixture> {
  const store = await makeOps("pglite");
  const w = makeWorld(store);
  const { fake } = w;
  const args = () => ({
    "--job-bookmark-option": "job-bookmark-disable",
    "--source_key": `inbox/customers-${fake.next()}.csv`,
  });
  const input = () => ({ date: "2024-06-01", k: 8, run: fake.next() });
  const make = (pipeline: string, state: "FAILED" | "SUCCEEDED" | "RUNNING") =>
    pipeline === "ingest"
      ? w.operations.get(glueRunId(JOB, fake.addJobRun(JOB, state, args()).Id!))
      : w.operations.get(sfnRunId(MACHINE, fake.addExecution(state, input()).name));
  return {
    operations: w.operations,
    pipelines: ["ingest", "segment"],
    failedRun: (p) => make(p, "FAILED"),
    succeededRun: (p) => make(p, "SUCCEEDED"),
    runningRun: (p) => make(p, "RUNNING"),
    async runningTwinOf(failed) {
      if (failed.engine === "glue") {
        const twin = fake.addJobRun(JOB, "RUNNING", failed.args as Record<string, string>);
        return w.operations.get(glueRunId(JOB, twin.Id!));
      }
      const twin = fake.addExecution("RUNNING", failed.args);
      return w.operations.get(sfnRunId(MACHINE, twin.name));
    },
    retryAction: (p) => (p === "ingest" ? "rerun" : "redrive"),
    throttle() {
      fake.throttled = () => true;
      return () => {
        fake.throttled = null;
      };
    },
    settle: async () => fake.settle(),
    async close() {
      w.restore();
      await store.close();
    },
  };
}

operationsBehaviour(
  "AWS operations adapter (Glue and Step Functions SDK mocked with aws-sdk-client-mock: no AWS here)",
  awsFixture,
);

describe("AWS operations adapter, engine specifics (SDK mocked: no AWS here)", () => {
  let store: OpsStore;
  let w: World;
  beforeAll(async () => {
    store = await makeOps("pglite");
  });
  afterAll(() => store.close());
  const fresh = (config: Partial<AwsOperationsConfig> = {}) => {
    w?.restore();
    w = makeWorld(store, config);
    return w;
  };

  test("run ids carry the engine, survive odd job names and parse back", () => {
    const id = glueRunId("cdp ingest:v2/eu", "jr_012e1765");
    expect(id).toBe("glue:cdp%20ingest%3Av2%2Feu:jr_012e1765");
    expect(parseRunId(id)).toEqual({
      engine: "glue",
      jobName: "cdp ingest:v2/eu",
      jobRunId: "jr_012e1765",
    });
    expect(parseRunId(sfnRunId(MACHINE, "nightly", 2))).toEqual({
      engine: "sfn",
      stateMachineName: MACHINE,
      executionName: "nightly",
      attempt: 2,
    });
    expect(parseRunId("sfn:a:b:redrive-x")).toBeNull();
    expect(parseRunId("run_01J")).toBeNull();
    expect(restartName("nightly")).toBe("nightly-retry-1");
    expect(restartName("nightly-retry-1")).toBe("nightly-retry-2");
    expect(restartName("x".repeat(80))).toHaveLength(80);
  });

  test("Glue run detail: arguments, error, attempt, DPU-seconds, execution time, log and console links", async () => {
    const { fake, operations } = fresh();
    const run = fake.addJobRun(JOB, "FAILED", { "--source_key": "inbox/customers.csv" });
    const d = await operations.get(glueRunId(JOB, run.Id!));
    expect(d).toMatchObject({
      engine: "glue",
      pipeline: "ingest",
      status: "FAILED",
      args: { "--source_key": "inbox/customers.csv" },
      error: expect.stringMatching(/Access Denied/),
      retry: { action: "rerun", blockedReason: null },
    });
    expect(d.engineDetail).toMatchObject({
      jobName: JOB,
      jobRunId: run.Id,
      attempt: 0,
      dpuSeconds: 1100,
      executionTimeSeconds: 110,
      logGroups: { output: "/aws-glue/jobs/output", error: "/aws-glue/jobs/error" },
    });
    expect(d.links.map((l) => l.label)).toEqual(["Glue job run", "Output log", "Error log"]);
    expect(d.links[1]!.url).toBe(
      `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/$252Faws-glue$252Fjobs$252Foutput/log-events/${run.Id}`,
    );
    expect(d.links[0]!.url).toContain(`#/job/${JOB}/run/${run.Id}`);
  });

  test("execution detail: input, the failed state, error and cause from the history, redrive status", async () => {
    const { fake, operations } = fresh();
    const e = fake.addExecution("FAILED", { date: "2024-06-01", k: 8 });
    const d = await operations.get(sfnRunId(MACHINE, e.name));
    expect(d).toMatchObject({
      engine: "sfn",
      pipeline: "segment",
      status: "FAILED",
      args: { date: "2024-06-01", k: 8 },
      error: expect.stringMatching(/^SageMaker.AmazonSageMakerException: ResourceLimitExceeded/),
      retry: { action: "redrive", blockedReason: null },
    });
    expect(d.retry.description).toMatch(/TrainModel/);
    expect(d.engineDetail).toMatchObject({
      executionArn: e.executionArn,
      input: '{"date":"2024-06-01","k":8}',
      failedState: "TrainModel",
      error: "SageMaker.AmazonSageMakerException",
      cause: expect.stringMatching(/ResourceLimitExceeded/),
      failedEvent: { type: "TaskFailed", resource: "createTrainingJob.sync" },
      redriveCount: 0,
      redriveStatus: "REDRIVABLE",
    });
    expect(d.links[0]!.url).toBe(
      `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${e.executionArn}`,
    );
  });

  test("redrive: one RedriveExecution with a clientToken derived from the execution, even from two API instances", async () => {
    const { fake, operations, clients, sfn } = fresh();
    const e = fake.addExecution("FAILED", { k: 8 });
    const id = sfnRunId(MACHINE, e.name);
    // A second API instance with its own ops store, racing the first.
    const otherStore = await makeOps("pglite");
    try {
      const other = awsOperations({ clients, db: otherStore.db, config: baseConfig });
      const redriven = sfnRunId(MACHINE, e.name, 1);
      const results = await Promise.allSettled([operations.retry(id, "a"), other.retry(id, "b")]);
      expect(results[0]).toMatchObject({ status: "fulfilled", value: { id: redriven } });
      // The other instance either redrove with the same token (and got the same redrive back) or
      // already saw the redrive; either way it names the one new run.
      expect(results[1]).toMatchObject(
        results[1].status === "fulfilled"
          ? { value: { id: redriven } }
          : { reason: { code: "run.already_retried", details: { runId: redriven } } },
      );
      expect(fake.redrives).toBe(1);
      const tokens = sfn
        .commandCalls(RedriveExecutionCommand)
        .map((c) => c.args[0].input.clientToken);
      expect(new Set(tokens).size).toBe(1);
      expect(tokens[0]).toBe(createHash("sha256").update(`${e.executionArn}#0`).digest("hex"));
    } finally {
      await otherStore.close();
    }
    // The execution failed again: its redrive can itself be redriven, as attempt 2.
    fake.finish(e, "FAILED");
    const second = await operations.retry(sfnRunId(MACHINE, e.name, 1), "a");
    expect(second).toMatchObject({
      id: sfnRunId(MACHINE, e.name, 2),
      retryOf: sfnRunId(MACHINE, e.name, 1),
    });
    const chain = (await operations.get(id)).chain.map((r) => [r.id, r.status]);
    expect(chain).toEqual([
      [id, "FAILED"],
      [sfnRunId(MACHINE, e.name, 1), "FAILED"],
      [sfnRunId(MACHINE, e.name, 2), "RUNNING"],
    ]);
  });

  test("an execution that cannot be redriven is restarted as <name>-retry-1 with the same input; ExecutionAlreadyExists names it", async () => {
    const { fake, operations } = fresh();
    const e = fake.addExecution("FAILED", { date: "2024-06-02", k: 8 }, false);
    const id = sfnRunId(MACHINE, e.name);
    const detail = await operations.get(id);
    expect(detail.retry).toMatchObject({ action: "restart", blockedReason: null });
    expect(detail.retry.description).toMatch(/redrivable period exceeded/);

    const retry = await operations.retry(id, "tester");
    const name = `${e.name}-retry-1`;
    expect(retry).toMatchObject({ id: sfnRunId(MACHINE, name), retryOf: id, status: "RUNNING" });
    const started = fake.executions.find((x) => x.name === name)!;
    expect(started.input).toBe(e.input);

    // The ops store lost the record (restored backup); the retry ran and failed. The deterministic
    // name makes Step Functions refuse a second start, and the conflict names the first.
    fake.finish(started, "FAILED");
    await store.db.delete(runTable).where(eqId(retry.id));
    const err = (await operations.retry(id, "tester").catch((x: unknown) => x)) as VisibleError;
    expect(err).toMatchObject({ code: "run.already_retried", details: { runId: retry.id } });
    expect((await operations.get(id)).retriedBy).toBe(retry.id);
    expect(fake.executions.filter((x) => x.name.startsWith(e.name))).toHaveLength(2);
  });

  test("a Glue retry repeats the arguments we launched the run with, which GetJobRun does not return", async () => {
    const { fake, operations, glue } = fresh();
    const run = fake.addJobRun(JOB, "FAILED"); // no Arguments in GetJobRun
    const id = glueRunId(JOB, run.Id!);
    const launched = { "--source_key": "inbox/accounts.csv", "--plan": { chunks: 4 } };
    await recordStartedRun(store.db, { id, pipeline: "ingest", engine: "glue", args: launched });
    await store.db
      .update(runTable)
      .set({ stats: { rowsRead: 120, rowsLoaded: 117, rowsQuarantined: 3 } })
      .where(eqId(id));

    const detail = await operations.get(id);
    expect(detail.args).toEqual(launched);
    expect(detail.stats).toMatchObject({ rowsRead: 120, rowsLoaded: 117, rowsQuarantined: 3 });
    const listed = (await operations.list({ pipeline: ["ingest"] })).items.find((r) => r.id === id);
    expect(listed?.stats).toMatchObject({ rowsQuarantined: 3 });

    const retry = await operations.retry(id, "tester");
    const calls = glue.commandCalls(StartJobRunCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      JobName: JOB,
      Arguments: { "--source_key": "inbox/accounts.csv", "--plan": '{"chunks":4}' },
    });
    expect(retry.args).toEqual(launched);
    expect((await operations.get(retry.id)).retryOf).toBe(id);
  });

  test("Glue's own automatic retry counts as the retry; a full job is a conflict, not a crash", async () => {
    const { fake, operations } = fresh();
    const first = fake.addJobRun(JOB, "FAILED", { "--source_key": "inbox/a.csv" });
    const auto = fake.addJobRun(JOB, "FAILED", { "--source_key": "inbox/a.csv" });
    Object.assign(auto, { Id: `${first.Id}_attempt_1`, Attempt: 1, PreviousRunId: first.Id });
    const d = await operations.get(glueRunId(JOB, first.Id!));
    expect(d.retriedBy).toBe(glueRunId(JOB, auto.Id!));
    expect(d.retry.blockedReason).toMatch(/already retried/);
    expect((await operations.get(glueRunId(JOB, auto.Id!))).retryOf).toBe(
      glueRunId(JOB, first.Id!),
    );

    fake.maxConcurrentRuns = 1;
    fake.addJobRun(JOB, "RUNNING", { "--source_key": "inbox/other.csv" });
    const err = (await operations
      .retry(glueRunId(JOB, auto.Id!), "t")
      .catch((x: unknown) => x)) as VisibleError;
    expect(err).toMatchObject({ kind: "conflict", code: "run.already_running" });
    // Nothing recorded: once the job has room, the retry goes through.
    fake.maxConcurrentRuns = Number.POSITIVE_INFINITY;
    expect((await operations.retry(glueRunId(JOB, auto.Id!), "t")).retryOf).toBe(
      glueRunId(JOB, auto.Id!),
    );
  });

  test("a throttled StartJobRun records nothing; the next retry goes through", async () => {
    const { fake, operations } = fresh();
    const run = fake.addJobRun(JOB, "FAILED", { "--source_key": "inbox/b.csv" });
    const id = glueRunId(JOB, run.Id!);
    fake.throttled = (op) => op === "StartJobRun";
    const err = (await operations.retry(id, "t").catch((x: unknown) => x)) as VisibleError;
    expect(err).toMatchObject({
      kind: "unavailable",
      code: "aws.throttled",
      details: { operation: "StartJobRun" },
    });
    expect(err.message).toMatch(
      /AWS Glue is throttling StartJobRun \(ThrottlingException: Rate exceeded\); gave up after 5 attempts/,
    );
    expect((await operations.get(id)).retriedBy).toBeNull();
    fake.throttled = null;
    expect((await operations.retry(id, "t")).retryOf).toBe(id);
  });

  test("lists stop reading a Glue job's history at `from` (Glue has no time filter)", async () => {
    const { fake, operations, calls } = fresh();
    for (let i = 0; i < 30; i++) fake.addJobRun(JOB, "SUCCEEDED", { "--i": String(i) });
    const since = fake.now().toISOString();
    const recent = [fake.addJobRun(JOB, "FAILED"), fake.addJobRun(JOB, "SUCCEEDED")];
    const page = await operations.list({ pipeline: ["ingest"], from: since });
    expect(page.items.map((r) => r.id)).toEqual(recent.reverse().map((r) => glueRunId(JOB, r.Id!)));
    expect(page.nextCursor).toBeNull();
    // 32 runs in pages of 3: the first page already reaches runs older than `from`.
    expect(calls().glue.filter((c) => c === "GetJobRunsCommand")).toHaveLength(1);
  });

  test("a page budget cuts a request short with a cursor that continues without repeats or gaps", async () => {
    const { fake } = fresh();
    const since = new Date().toISOString();
    const made: string[] = [];
    for (let i = 0; i < 12; i++) {
      made.push(
        i % 3 === 0
          ? sfnRunId(MACHINE, fake.addExecution(i % 2 ? "FAILED" : "SUCCEEDED", { i }).name)
          : glueRunId(
              JOB,
              fake.addJobRun(JOB, i % 2 ? "FAILED" : "SUCCEEDED", { "--i": String(i) }).Id!,
            ),
      );
    }
    const tight = awsOperations({
      clients: w.clients,
      db: store.db,
      config: { ...baseConfig, pageSize: 2, maxPagesPerRequest: 1 },
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    let requests = 0;
    do {
      const page = await tight.list({ from: since, limit: 500, cursor });
      requests++;
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && requests < 50);
    expect(requests).toBeGreaterThan(1);
    expect(seen).toEqual([...made].reverse());

    const failed = (await w.operations.list({ status: ["FAILED", "TIMED_OUT"], limit: 2 }))
      .nextCursor!;
    const misuse = (await tight.list({ cursor: failed }).catch((x: unknown) => x)) as VisibleError;
    expect(misuse).toMatchObject({ kind: "input", code: "run.bad_cursor" });
    expect(
      (await tight.list({ cursor: "garbage" }).catch((x: unknown) => x)) as VisibleError,
    ).toMatchObject({
      code: "run.bad_cursor",
    });
  });

  test("one retry policy on every client; throttling is retried by it, then surfaced (fake HTTP handler: no network)", async () => {
    const production = createAwsClients(region, { credentials });
    for (const client of [production.glue, production.sfn, production.cloudwatch]) {
      expect(await client.config.maxAttempts()).toBe(5);
      const mode = client.config.retryMode;
      expect(typeof mode === "string" ? mode : await mode()).toBe("adaptive");
    }

    // Wire-level responses: the throttling error, then `aws glue get-job-runs` output as AWS sends it.
    const throttled = () => ({
      statusCode: 400,
      headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID() },
      body: Buffer.from(
        JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }),
      ),
    });
    const ok = () => ({
      statusCode: 200,
      headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID() },
      body: Buffer.from(
        JSON.stringify({
          JobRuns: [
            {
              Id: "jr_012e176506505074d94d761755e5c62538ee1aad6f17d39f527e9140cf0c9a5e",
              Attempt: 0,
              JobName: JOB,
              StartedOn: 1602873931.255,
              LastModifiedOn: 1602874075.985,
              CompletedOn: 1602874075.985,
              JobRunState: "SUCCEEDED",
              Arguments: { "--job-bookmark-option": "job-bookmark-enable" },
              PredecessorRuns: [],
              AllocatedCapacity: 10,
              ExecutionTime: 117,
              Timeout: 2880,
              MaxCapacity: 10.0,
              WorkerType: "G.1X",
              NumberOfWorkers: 10,
              LogGroupName: "/aws-glue/jobs",
              GlueVersion: "2.0",
            },
          ],
        }),
      ),
    });
    const script: (() => ReturnType<typeof ok>)[] = [];
    let sent = 0;
    const requestHandler = {
      handle: async () => {
        sent++;
        return { response: (script.shift() ?? throttled)() };
      },
    };
    const clients = createAwsClients(region, { credentials, requestHandler, maxAttempts: 2 });
    const operations = awsOperations({
      clients,
      db: store.db,
      config: { ...baseConfig, stateMachines: [] },
    });

    script.push(throttled, ok);
    const page = await operations.list({ pipeline: ["ingest"] });
    expect(sent).toBe(2);
    expect(page.items).toMatchObject([
      {
        id: glueRunId(JOB, "jr_012e176506505074d94d761755e5c62538ee1aad6f17d39f527e9140cf0c9a5e"),
        status: "SUCCEEDED",
        createdAt: "2020-10-16T18:45:31.255Z",
      },
    ]);

    sent = 0;
    const err = (await operations
      .list({ pipeline: ["ingest"] })
      .catch((x: unknown) => x)) as VisibleError;
    expect(sent).toBe(2);
    expect(err).toBeInstanceOf(VisibleError);
    expect(err).toMatchObject({ kind: "unavailable", code: "aws.throttled" });
    expect(err.message).toMatch(/gave up after 2 attempts/);
  });
});

function eqId(id: string) {
  return eq(runTable.id, id);
}
