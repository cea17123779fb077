// What the console operates when deployed, as recording stand-ins on mocked SDK clients (no AWS
// here): Step Functions executions (listed, described, their history read, redriven, restarted),
// Glue job runs (the health check) and CloudWatch metrics (the Metrics page).
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
  BatchStopJobRunCommand,
  GetJobRunCommand,
  GetJobRunsCommand,
  GlueClient,
  StartJobRunCommand,
} from "@aws-sdk/client-glue";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { answer, type Recorder } from "./aws-record";

export interface FakeExecution {
  executionArn: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED";
  input: unknown;
  error?: string | null;
  cause?: string | null;
}

export function fakeStepFunctions(rec: Recorder) {
  const stub = mockClient(SFNClient);
  const executions = new Map<
    string,
    FakeExecution & { start: Date; stop?: Date; redriveCount: number; redriveDate?: Date }
  >();
  const machineOf = (arn: string) =>
    arn.replace(":execution:", ":stateMachine:").replace(/:[^:]+$/, "");
  const nameOf = (arn: string) => arn.split(":").at(-1)!;
  const listed = (e: ReturnType<typeof get>) => ({
    executionArn: e.executionArn,
    stateMachineArn: machineOf(e.executionArn),
    name: nameOf(e.executionArn),
    status: e.status,
    startDate: e.start,
    stopDate: e.stop,
    redriveCount: e.redriveCount,
    redriveDate: e.redriveDate,
  });
  const get = (arn: string) => {
    const e = executions.get(arn);
    if (!e) throw Object.assign(new Error(arn), { name: "ExecutionDoesNotExist" });
    return e;
  };

  answer(rec, stub as never, "states", [
    [
      ListExecutionsCommand,
      (i: { stateMachineArn: string; statusFilter?: string }) => ({
        executions: [...executions.values()]
          .filter((e) => machineOf(e.executionArn) === i.stateMachineArn)
          .filter((e) => !i.statusFilter || e.status === i.statusFilter)
          .sort((a, b) => b.start.getTime() - a.start.getTime())
          .map(listed),
      }),
    ],
    [
      DescribeExecutionCommand,
      (i: { executionArn: string }) => {
        const e = get(i.executionArn);
        return {
          ...listed(e),
          input: JSON.stringify(e.input),
          error: e.error ?? undefined,
          cause: e.cause ?? undefined,
          redriveStatus: e.status === "FAILED" ? "REDRIVABLE" : "NOT_REDRIVABLE",
        };
      },
    ],
    [
      GetExecutionHistoryCommand,
      (i: { executionArn: string }) => {
        const e = get(i.executionArn);
        const events = [
          { id: 1, type: "ExecutionStarted", timestamp: e.start, executionStartedEventDetails: {} },
          ...(e.status === "FAILED"
            ? [
                {
                  id: 2,
                  type: "ExecutionFailed",
                  timestamp: e.stop,
                  executionFailedEventDetails: { error: e.error, cause: e.cause },
                },
              ]
            : []),
        ];
        return { events: events.reverse() };
      },
    ],
    [
      RedriveExecutionCommand,
      (i: { executionArn: string }) => {
        const e = get(i.executionArn);
        Object.assign(e, { status: "RUNNING", redriveCount: e.redriveCount + 1 });
        e.redriveDate = new Date();
        return { redriveDate: e.redriveDate };
      },
    ],
    [
      StartExecutionCommand,
      (i: { stateMachineArn: string; name: string; input: string }) => {
        const executionArn = `${i.stateMachineArn.replace(":stateMachine:", ":execution:")}:${i.name}`;
        executions.set(executionArn, {
          executionArn,
          status: "RUNNING",
          input: JSON.parse(i.input),
          start: new Date(),
          redriveCount: 0,
        });
        return { executionArn, startDate: new Date() };
      },
    ],
    [StopExecutionCommand, () => ({ stopDate: new Date() })],
  ]);
  return {
    stub,
    /** An execution as it ended (the ingest flows run here report theirs). */
    add(e: FakeExecution) {
      executions.set(e.executionArn, {
        ...e,
        start: new Date(Date.now() - 60_000),
        stop: e.status === "RUNNING" ? undefined : new Date(),
        redriveCount: 0,
      });
    },
  };
}

/** Glue job runs (none yet) and CloudWatch metric series (empty), as the console reads them. */
export function fakeGlueAndCloudWatch(rec: Recorder) {
  const glue = mockClient(GlueClient);
  const cloudwatch = mockClient(CloudWatchClient);
  answer(rec, glue as never, "glue", [
    [GetJobRunsCommand, () => ({ JobRuns: [] })],
    [
      GetJobRunCommand,
      () => {
        throw Object.assign(new Error("no such run"), { name: "EntityNotFoundException" });
      },
    ],
    [StartJobRunCommand, () => ({ JobRunId: "jr_1" })],
    [BatchStopJobRunCommand, () => ({ SuccessfulSubmissions: [] })],
  ]);
  answer(rec, cloudwatch as never, "cloudwatch", [
    [
      GetMetricDataCommand,
      (i: { MetricDataQueries?: { Id?: string }[] }) => ({
        MetricDataResults: (i.MetricDataQueries ?? []).map((q) => ({
          Id: q.Id,
          Timestamps: [],
          Values: [],
        })),
      }),
    ],
  ]);
  return { glue, cloudwatch };
}
