// Step Functions behind the SDK's SFN client, for tests of the console's retry: the commands the AWS
// operations adapter sends (StartExecution, DescribeExecution, GetExecutionHistory, ListExecutions,
// RedriveExecution) answered by executing the state machine's ASL locally (local-sfn.ts), with
// Step Functions' semantics as its API reference states them:
//   - StartExecution runs the definition from StartAt under a new name (ExecutionAlreadyExists for
//     a name already used, unless it is running with the same input) and returns while it runs;
//   - RedriveExecution "continues the failed execution from the unsuccessful step and uses the
//     same input": the same ARN, from the state it failed in, with that state's input, the
//     succeeded steps not run again; once per clientToken; ExecutionNotRedrivable unless failed;
//   - DescribeExecution says REDRIVABLE for a failed, timed-out or aborted execution (a fresh one:
//     the 14-day window is open), with redriveCount;
//   - GetExecutionHistory has ExecutionStarted / ExecutionRedriven, <Type>StateEntered,
//     TaskFailed, ExecutionFailed / ExecutionSucceeded, newest first on reverseOrder.
import { randomUUID } from "node:crypto";
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
  StartExecutionCommand,
  type StartExecutionCommandInput,
} from "@aws-sdk/client-sfn";
import type { AwsStub } from "aws-sdk-client-mock";
import { meta } from "./aws";
import {
  type Execution as Attempt,
  executeLocally,
  type Json,
  type TaskHandler,
} from "./local-sfn";

export interface LocalMachine {
  arn: string;
  definition: object;
  handlers: Record<string, TaskHandler>;
}

export interface LocalExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  error?: string;
  cause?: string;
  redriveCount: number;
  redriveDate?: Date;
  /** Each attempt as executed locally: the first run, then each redrive. */
  attempts: Attempt[];
  events: HistoryEvent[];
  tokens: Set<string>;
}

const nameOf = (arn: string) => arn.split(":").at(-1) ?? "";

export class LocalStepFunctions {
  readonly executions: LocalExecution[] = [];
  /** RedriveExecution and StartExecution calls that started something. */
  readonly started: { command: "StartExecution" | "RedriveExecution"; name: string }[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly machines: LocalMachine[]) {}

  /** Answer the SFN client's commands (an aws-sdk-client-mock stub) from here. */
  // biome-ignore lint/suspicious/noExplicitAny: the stub's generic parameters don't matter here
  bind(sfn: AwsStub<any, any, any>): void {
    sfn.on(StartExecutionCommand).callsFake((i) => this.startExecution(i));
    sfn.on(DescribeExecutionCommand).callsFake((i) => this.describeExecution(i));
    sfn.on(GetExecutionHistoryCommand).callsFake((i) => this.getExecutionHistory(i));
    sfn.on(ListExecutionsCommand).callsFake((i) => this.listExecutions(i));
    sfn.on(RedriveExecutionCommand).callsFake((i) => this.redriveExecution(i));
  }

  /** Resolves once nothing is running. */
  async settled(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  execution(name: string): LocalExecution {
    const e = this.executions.find((x) => x.name === name);
    if (!e) throw new Error(`no execution ${name}`);
    return e;
  }

  private machine(arn: string | undefined): LocalMachine {
    const m = this.machines.find((x) => x.arn === arn);
    if (!m) throw new Error(`no state machine ${arn}`);
    return m;
  }

  private find(arn: string | undefined): LocalExecution {
    const e = this.executions.find((x) => x.executionArn === arn);
    if (!e) {
      throw new ExecutionDoesNotExist({
        $metadata: meta(),
        message: `Execution Does Not Exist: '${arn}'`,
      });
    }
    return e;
  }

  private event(e: LocalExecution, type: HistoryEvent["type"], at: Date, details = {}) {
    const last = e.events.at(-1);
    e.events.push({
      timestamp: at,
      type,
      id: (last?.id ?? 0) + 1,
      previousEventId: last?.id ?? 0,
      ...details,
    });
  }

  /** Run an attempt in the background, then record its history and outcome. */
  private run(e: LocalExecution, input: Json, startAt?: string) {
    const m = this.machine(e.stateMachineArn);
    const going = executeLocally(m.definition, input, m.handlers, {
      stateMachineName: nameOf(m.arn),
      executionName: e.name,
      startAt,
      executionInput: JSON.parse(e.input) as Json,
    }).then((x) => {
      e.attempts.push(x);
      const timeline = [...x.entered, ...x.stateFailures].sort((a, b) => a.seq - b.seq);
      for (const s of timeline) {
        if ("input" in s) {
          this.event(e, `${s.type}StateEntered` as HistoryEvent["type"], s.at, {
            stateEnteredEventDetails: {
              name: s.name,
              input: JSON.stringify(s.input),
              inputDetails: { truncated: false },
            },
          });
        } else if (s.type === "Task") {
          this.event(e, "TaskFailed", s.at, {
            taskFailedEventDetails: {
              resourceType: "local",
              resource: s.name,
              error: s.error,
              cause: s.cause,
            },
          });
        }
      }
      e.stopDate = x.stoppedAt;
      if (x.status === "SUCCEEDED") {
        e.status = "SUCCEEDED";
        this.event(e, "ExecutionSucceeded", x.stoppedAt, {
          executionSucceededEventDetails: { output: JSON.stringify(x.output) },
        });
      } else {
        Object.assign(e, {
          status: "FAILED",
          error: x.error ?? undefined,
          cause: x.cause ?? undefined,
        });
        this.event(e, "ExecutionFailed", x.stoppedAt, {
          executionFailedEventDetails: { error: x.error, cause: x.cause },
        });
      }
    });
    const tracked = going.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  startExecution(input: StartExecutionCommandInput) {
    const m = this.machine(input.stateMachineArn);
    const name = input.name ?? randomUUID();
    const arn = `${m.arn.replace(":stateMachine:", ":execution:")}:${name}`;
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
    const e: LocalExecution = {
      executionArn: arn,
      stateMachineArn: m.arn,
      name,
      input: input.input ?? "{}",
      status: "RUNNING",
      startDate: new Date(),
      redriveCount: 0,
      attempts: [],
      events: [],
      tokens: new Set(),
    };
    this.executions.unshift(e);
    this.event(e, "ExecutionStarted", e.startDate, {
      executionStartedEventDetails: { input: e.input, inputDetails: { truncated: false } },
    });
    this.started.push({ command: "StartExecution", name });
    this.run(e, JSON.parse(e.input) as Json);
    return { executionArn: arn, startDate: e.startDate };
  }

  redriveExecution(input: RedriveExecutionCommandInput) {
    const e = this.find(input.executionArn);
    if (input.clientToken && e.tokens.has(input.clientToken)) return { redriveDate: e.redriveDate };
    if (e.status === "RUNNING" || e.status === "SUCCEEDED") {
      throw new ExecutionNotRedrivable({
        $metadata: meta(),
        message: `Execution is ${e.status} and cannot be redriven`,
      });
    }
    // It resumes at the state it failed in, with the input that state had.
    const failedAt = e.attempts.at(-1)?.entered.at(-1);
    if (!failedAt) throw new Error(`${e.name} failed before entering a state`);
    e.redriveCount++;
    e.redriveDate = new Date();
    Object.assign(e, {
      status: "RUNNING",
      stopDate: undefined,
      error: undefined,
      cause: undefined,
    });
    if (input.clientToken) e.tokens.add(input.clientToken);
    this.event(e, "ExecutionRedriven", e.redriveDate, {
      executionRedrivenEventDetails: { redriveCount: e.redriveCount },
    });
    this.started.push({ command: "RedriveExecution", name: e.name });
    this.run(e, failedAt.input, failedAt.name);
    return { redriveDate: e.redriveDate };
  }

  private listItem(e: LocalExecution): ExecutionListItem {
    return {
      executionArn: e.executionArn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: e.startDate,
      ...(e.stopDate ? { stopDate: e.stopDate } : {}),
      ...(e.redriveCount ? { redriveCount: e.redriveCount, redriveDate: e.redriveDate } : {}),
    };
  }

  describeExecution(input: DescribeExecutionCommandInput): DescribeExecutionOutput {
    const e = this.find(input.executionArn);
    const redrivable = e.status === "FAILED" || e.status === "TIMED_OUT" || e.status === "ABORTED";
    return {
      ...this.listItem(e),
      input: e.input,
      inputDetails: { included: true },
      ...(e.error || e.cause ? { error: e.error, cause: e.cause } : {}),
      redriveCount: e.redriveCount,
      redriveStatus: redrivable ? "REDRIVABLE" : "NOT_REDRIVABLE",
      ...(redrivable
        ? {}
        : { redriveStatusReason: `Execution is ${e.status} and cannot be redriven` }),
    };
  }

  listExecutions(input: ListExecutionsCommandInput) {
    const all = this.executions.filter(
      (e) =>
        e.stateMachineArn === input.stateMachineArn &&
        (!input.statusFilter || e.status === input.statusFilter),
    );
    const from = Number(input.nextToken ?? 0);
    const size = input.maxResults || 100;
    const items = all.slice(from, from + size);
    const next = from + size < all.length ? String(from + size) : undefined;
    return { executions: items.map((e) => this.listItem(e)), ...(next ? { nextToken: next } : {}) };
  }

  getExecutionHistory(input: GetExecutionHistoryCommandInput) {
    const e = this.find(input.executionArn);
    const events = input.reverseOrder ? [...e.events].reverse() : e.events;
    const from = Number(input.nextToken ?? 0);
    const size = input.maxResults || 1000;
    const items = events.slice(from, from + size);
    const next = from + size < events.length ? String(from + size) : undefined;
    return { events: structuredClone(items), ...(next ? { nextToken: next } : {}) };
  }
}
