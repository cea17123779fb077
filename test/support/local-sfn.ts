// Executes an ASL definition locally with aws-local-stepfunctions: every Task bound to a local
// handler, the context object set as Step Functions would set it, and the execution's path and
// outcome collected. (The library uses Promise.withResolvers, which Node 20 lacks: added here.)
import { randomUUID } from "node:crypto";
import { StateMachine } from "aws-local-stepfunctions";

type WithResolvers = <T>() => {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
};
const P = Promise as unknown as { withResolvers?: WithResolvers };
P.withResolvers ??= <T>() => {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type TaskHandler = (input: Json) => Promise<Json>;

export interface Execution {
  executionArn: string;
  status: "SUCCEEDED" | "FAILED";
  output: Json | null;
  error: string | null;
  cause: string | null;
  /** The states entered, in order. */
  path: string[];
  /** Each Task state's effective input (after Parameters), by state name (the last one). */
  taskInputs: Record<string, Json>;
  /** The states entered, in order, with their type, input and when (`seq`: order among both lists). */
  entered: { seq: number; name: string; type: string; input: Json; at: Date }[];
  /** The states that failed (a Task's error, caught or not), in order. */
  stateFailures: {
    seq: number;
    name: string;
    type: string;
    error: string;
    cause: string;
    at: Date;
  }[];
  /** When the execution ended. */
  stoppedAt: Date;
}

export interface ExecuteOptions {
  stateMachineName?: string;
  executionName?: string;
  retryIntervalMs?: number;
  /** Start at this state instead of StartAt (a redrive resumes at the state that failed). */
  startAt?: string;
  /** The execution's input as $$.Execution.Input (default: `input`; a redrive keeps the first). */
  executionInput?: Json;
  /** Wait states wait this long instead of their Seconds (default: as the definition says). */
  waitMs?: number;
}

const causeText = (c: unknown) => (typeof c === "string" ? c : JSON.stringify(c));

export async function executeLocally(
  definition: object,
  input: Json,
  handlers: Record<string, TaskHandler>,
  opts: ExecuteOptions = {},
): Promise<Execution> {
  // Started elsewhere than StartAt, the states before it are unreachable: validated already.
  const machine = opts.startAt
    ? new StateMachine({ ...definition, StartAt: opts.startAt } as never, {
        validationOptions: { noValidate: true },
      })
    : new StateMachine(definition as never);
  const name = opts.executionName ?? randomUUID();
  const executionArn = `arn:aws:states:eu-west-1:123456789012:execution:${opts.stateMachineName ?? "cdp-ingest"}:${name}`;
  const taskInputs: Record<string, Json> = {};
  const bound = Object.fromEntries(
    Object.entries(handlers).map(([state, fn]) => [
      state,
      (i: unknown) => {
        taskInputs[state] = i as Json;
        return fn(i as Json);
      },
    ]),
  );
  const run = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: bound as never,
      // Retries wait this long instead of their backoff, so a test of them takes no time.
      retryIntervalOverrides: Object.fromEntries(
        Object.keys(handlers).map((state) => [state, opts.retryIntervalMs ?? 0]),
      ),
      ...(opts.waitMs === undefined
        ? {}
        : {
            waitTimeOverrides: Object.fromEntries(
              Object.entries((definition as { States: Record<string, { Type: string }> }).States)
                .filter(([, st]) => st.Type === "Wait")
                .map(([name]) => [name, opts.waitMs!]),
            ),
          }),
    },
    context: {
      Execution: {
        Id: executionArn,
        Name: name,
        Input: (opts.executionInput ?? input) as never,
        StartTime: new Date().toISOString(),
      },
      StateMachine: {
        Id: executionArn.replace(":execution:", ":stateMachine:").replace(/:[^:]+$/, ""),
        Name: opts.stateMachineName ?? "cdp-ingest",
      },
    },
  });
  const path: string[] = [];
  const entered: Execution["entered"] = [];
  const stateFailures: Execution["stateFailures"] = [];
  let error: string | null = null;
  let cause: string | null = null;
  let seq = 0;
  const logs = (async () => {
    for await (const e of run.eventLogs) {
      if (e.type === "StateEntered") {
        path.push(e.state.name);
        const { name, type, input: stateInput } = e.state;
        const at = new Date(e.timestamp);
        entered.push({ seq: seq++, name, type, input: stateInput as Json, at });
      }
      if (e.type === "StateFailed") {
        const at = new Date(e.timestamp);
        const { name, type } = e.state;
        stateFailures.push({
          seq: seq++,
          name,
          type,
          error: e.Error,
          cause: causeText(e.Cause),
          at,
        });
      }
      if (e.type === "ExecutionFailed") {
        error = e.Error;
        cause = causeText(e.Cause);
      }
    }
  })();
  let output: Json | null = null;
  let status: Execution["status"] = "SUCCEEDED";
  try {
    output = (await run.result) as Json;
  } catch {
    status = "FAILED";
  }
  await logs;
  const stoppedAt = new Date();
  return {
    executionArn,
    status,
    output,
    error,
    cause,
    path,
    taskInputs,
    entered,
    stateFailures,
    stoppedAt,
  };
}

/** What the lambda:invoke integration returns around a function's result. */
export async function asLambdaInvoke(result: Promise<unknown>): Promise<Json> {
  try {
    return { ExecutedVersion: "$LATEST", StatusCode: 200, Payload: (await result) as Json };
  } catch (err) {
    // A function error: Step Functions names it by the error's type, the cause is Lambda's JSON.
    const e = err instanceof Error ? err : new Error(String(err));
    throw Object.assign(
      new Error(JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: [] })),
      { name: e.name },
    );
  }
}
