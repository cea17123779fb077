// Step Functions shapes mapped into the Run model: state machines from their ARNs, an execution's
// current attempt as a run, its input as the run's arguments.
import type { DescribeExecutionOutput, ExecutionListItem } from "@aws-sdk/client-sfn";
import { iso } from "../../util/time";
import { type Info, isActive, noFailureFacts } from "../run";
import { fromStepFunctions } from "../status";
import { sfnRunId } from "./ids";
import { type ExecutionRetry, redriveWhenAllowed } from "./sfn-retry";

export interface StateMachine {
  arn: string;
  name: string;
  pipeline: string;
  retry: ExecutionRetry;
}

/** An execution's input as the run's arguments: a JSON object as it is, anything else under `input`. */
export function parseInput(input: string | undefined): Record<string, unknown> {
  if (input === undefined) return {};
  try {
    const value: unknown = JSON.parse(input);
    if (value && typeof value === "object" && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    return { input: value };
  } catch {
    return { input };
  }
}

/** The run's error from a failure's error name and cause. */
export function sfnError(
  error: string | undefined | null,
  cause: string | undefined | null,
): string | null {
  if (!error && !cause) return null;
  return [error, cause].filter(Boolean).join(": ");
}

/** The execution's current attempt (`redriveCount`), as listed or described. */
export function sfnInfo(sm: StateMachine, e: ExecutionListItem | DescribeExecutionOutput): Info {
  const attempt = e.redriveCount ?? 0;
  const status = fromStepFunctions(e.status);
  const described = "input" in e || "error" in e;
  const d = e as DescribeExecutionOutput;
  const started = e.startDate ?? new Date(0);
  return {
    id: sfnRunId(sm.name, e.name ?? "unknown", attempt),
    pipeline: sm.pipeline,
    engine: "sfn",
    status,
    // The sort key stays the execution's start, the order ListExecutions returns it in.
    createdAt: started.toISOString(),
    startedAt: attempt > 0 ? iso(e.redriveDate ?? started) : started.toISOString(),
    finishedAt: isActive(status) ? null : iso(e.stopDate),
    args: described ? parseInput(d.input) : {},
    error: described ? sfnError(d.error, d.cause) : null,
    stats: {},
    retryOf: attempt > 0 ? sfnRunId(sm.name, e.name ?? "unknown", attempt - 1) : null,
    retriedBy: null,
    ...noFailureFacts,
  };
}

/**
 * A state machine the console operates, from its ARN, the pipeline its executions run and how
 * they are retried (its descriptor's; redrive when allowed if none is given).
 */
export function stateMachine(m: {
  arn: string;
  pipeline: string;
  retry?: ExecutionRetry;
}): StateMachine {
  const parts = m.arn.split(":");
  if (parts.length < 7 || parts[5] !== "stateMachine" || !parts[6]) {
    throw new Error(`not a state machine ARN: ${m.arn}`);
  }
  return {
    arn: m.arn,
    name: parts[6],
    pipeline: m.pipeline,
    retry: m.retry ?? redriveWhenAllowed,
  };
}

export const executionArnOf = (sm: StateMachine, name: string) =>
  `${sm.arn.replace(":stateMachine:", ":execution:")}:${name}`;
