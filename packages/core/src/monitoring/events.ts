// EventBridge rules that tell the operator when a Glue job run or a Step Functions execution of the
// platform fails: the event patterns, and input transformers that turn the event into a readable
// SNS message linking to the console. Pure; infra/monitoring.ts wires them to the topic.
import {
  consoleFailedRunsUrl,
  consoleRunUrl,
  executionUrl,
  glueJobRunUrl,
  stateMachineName,
} from "./links";

/** Glue job run states an operator must hear about ("Glue Job State Change"). */
export const GLUE_FAILED_STATES = ["FAILED", "TIMEOUT", "STOPPED"] as const;
/** Execution statuses an operator must hear about ("Step Functions Execution Status Change"). */
export const SFN_FAILED_STATUSES = ["FAILED", "TIMED_OUT", "ABORTED"] as const;

export interface WatchedGlueJob {
  name: string;
  pipeline: string;
  /**
   * The console lists and retries this job's runs itself (a standalone job). When false the job
   * runs inside a state machine, whose execution is what the console lists and redrives, so the
   * message points at the pipeline's failed runs instead of a run page the console doesn't have.
   */
  listed?: boolean;
}

export interface WatchedStateMachine {
  arn: string;
  pipeline: string;
}

export interface EventPattern {
  source: string[];
  "detail-type": string[];
  detail: Record<string, string[]>;
}

export function glueFailurePattern(jobNames: string[]): EventPattern {
  return {
    source: ["aws.glue"],
    "detail-type": ["Glue Job State Change"],
    detail: { jobName: [...jobNames], state: [...GLUE_FAILED_STATES] },
  };
}

export function sfnFailurePattern(stateMachineArns: string[]): EventPattern {
  return {
    source: ["aws.states"],
    "detail-type": ["Step Functions Execution Status Change"],
    detail: { stateMachineArn: [...stateMachineArns], status: [...SFN_FAILED_STATUSES] },
  };
}

/** An EventBridge target's InputTransformer (the shape aws.cloudwatch.EventTarget takes). */
export interface InputTransformer {
  inputPaths: Record<string, string>;
  inputTemplate: string;
}

export interface TransformerContext {
  region: string;
  stage: string;
  consoleUrl: string;
}

/**
 * Plain-text output, several lines: EventBridge's documented form is one JSON string per line.
 * Values taken from the event are inserted unescaped, so only fields that never hold a quote
 * (ids, names, states, times) are used; the error text is one click away on the run page.
 */
function template(lines: string[]): string {
  return lines.map((line) => JSON.stringify(line)).join("\n");
}

/** Values we bake into a template must not look like a placeholder. */
function baked(value: string, what: string): string {
  if (/[<>]/.test(value)) throw new Error(`${what} can't go into an event template: ${value}`);
  return value;
}

export function glueFailureTransformer(
  ctx: TransformerContext,
  job: WatchedGlueJob,
): InputTransformer {
  const name = baked(job.name, "a Glue job name");
  const pipeline = baked(job.pipeline, "a pipeline name");
  // Glue run ids (jr_<hex>) need no escaping, so the run page's URL is the baked prefix + the id.
  const runLink = job.listed
    ? `Open the run in the console (details, retry): ${consoleRunUrl(ctx.consoleUrl, `glue:${encodeURIComponent(name)}:`)}<jobRunId>`
    : `Failed ${pipeline} runs in the console (retry there): ${consoleFailedRunsUrl(ctx.consoleUrl, pipeline)}`;
  return {
    inputPaths: { jobRunId: "$.detail.jobRunId", state: "$.detail.state", time: "$.time" },
    inputTemplate: template([
      `CDP ${baked(ctx.stage, "a stage")}: Glue job ${name} run <state>`,
      "",
      `Pipeline: ${pipeline}`,
      `Job:      ${name}`,
      "Run:      <jobRunId>",
      "State:    <state>",
      "At:       <time>",
      "",
      runLink,
      `Glue job run in the AWS console: ${glueJobRunUrl(ctx.region, name, "<jobRunId>")}`,
    ]),
  };
}

export function sfnFailureTransformer(
  ctx: TransformerContext,
  machine: WatchedStateMachine,
): InputTransformer {
  const smName = baked(stateMachineName(machine.arn), "a state machine name");
  const pipeline = baked(machine.pipeline, "a pipeline name");
  // The console's id of an execution is sfn:<machine>:<execution>, each part URI-encoded (see
  // run/aws/ids.ts); the execution name comes from the event unencoded, which is the same
  // for the names the platform gives (UUIDs, "<name>-retry-<n>"). A redriven attempt links to the
  // execution's first attempt, whose page shows the whole retry chain.
  const prefix = consoleRunUrl(ctx.consoleUrl, `sfn:${encodeURIComponent(smName)}:`);
  return {
    inputPaths: {
      name: "$.detail.name",
      status: "$.detail.status",
      executionArn: "$.detail.executionArn",
      time: "$.time",
    },
    inputTemplate: template([
      `CDP ${baked(ctx.stage, "a stage")}: ${pipeline} execution <status>`,
      "",
      `Pipeline:      ${pipeline}`,
      `State machine: ${smName}`,
      "Execution:     <name>",
      "Status:        <status>",
      "At:            <time>",
      "",
      `Open the run in the console (details, retry): ${prefix}<name>`,
      `All failed ${pipeline} runs: ${consoleFailedRunsUrl(ctx.consoleUrl, pipeline)}`,
      `Execution in the AWS console: ${executionUrl(ctx.region, "<executionArn>")}`,
    ]),
  };
}
