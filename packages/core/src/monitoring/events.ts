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
import { ALARM_SECTIONS, RUNBOOK_PATH, runbookUrl } from "./runbook";

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
  /** The runbook's address (monitoring/runbook.ts's `runbookBaseUrl`): each message links its section. */
  runbookUrl?: string;
}

/** The message's last line: the runbook section that says what it means and what to do. */
function runbookLine(ctx: TransformerContext, section: string): string {
  return `Runbook: ${baked(runbookUrl(section, ctx.runbookUrl ?? RUNBOOK_PATH), "the runbook URL")}`;
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
      runbookLine(ctx, ALARM_SECTIONS.glueJobFailed),
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
      runbookLine(ctx, ALARM_SECTIONS.executionFailed),
    ]),
  };
}

// ── AWS DMS: the Oracle replication stopped on an error ─────────────────────────────────────
// DMS Serverless sends "DMS Replication State Change" events naming the replication config's ARN
// in `resources`; a replication that stops on an error sends eventType REPLICATION_FAILED
// (EventBridge events reference, "AWS Database Migration Service events"; the detail carries
// type REPLICATION_CONFIG, category StateChange, eventType, detailMessage). Replication *task*
// events ("DMS Replication Task State Change") are the provisioned kind's and are not what a
// serverless replication fails with.

/** The event types of a replication config that need an operator. */
export const DMS_FAILED_EVENT_TYPES = ["REPLICATION_FAILED"] as const;

export function dmsFailurePattern(replicationConfigArns: string[]) {
  return {
    source: ["aws.dms"],
    "detail-type": ["DMS Replication State Change"],
    resources: [...replicationConfigArns],
    detail: { eventType: [...DMS_FAILED_EVENT_TYPES] },
  };
}

/**
 * The DMS console of the region: "Serverless replications" lists the replication (its status,
 * failure messages, restart). Its own page's address is not documented, so the message names it.
 */
export function dmsConsoleUrl(region: string): string {
  return `https://${region}.console.aws.amazon.com/dms/v2/home?region=${region}`;
}

export function dmsFailureTransformer(
  ctx: TransformerContext,
  replication: { arn: string; id: string },
): InputTransformer {
  const id = baked(replication.id, "a replication config id");
  return {
    // detailMessage is free text (quotes would break the template): the DMS console shows it.
    inputPaths: { eventType: "$.detail.eventType", time: "$.time" },
    inputTemplate: template([
      `CDP ${baked(ctx.stage, "a stage")}: the Oracle replication (AWS DMS) stopped: <eventType>`,
      "",
      `Replication: ${id}`,
      `ARN:         ${baked(replication.arn, "a replication config ARN")}`,
      "Event:       <eventType>",
      "At:          <time>",
      "",
      "No Oracle change reaches dms/ (and the warehouse) until it runs again; nothing is lost while",
      "the Oracle redo logs it resumes from are kept.",
      `AWS DMS console, Serverless replications → ${id} (failure messages, restart): ${dmsConsoleUrl(ctx.region)}`,
      `CDC runs in the console: ${consoleFailedRunsUrl(ctx.consoleUrl, "cdc")}`,
      runbookLine(ctx, ALARM_SECTIONS.dmsReplicationFailed),
    ]),
  };
}
