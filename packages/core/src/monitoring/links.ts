// Links an alert or dashboard hands an operator: pages of our console, and the AWS console's pages
// for the Glue jobs and state machines the platform runs. Pure, so messages, event templates and
// the dashboard build the same URLs.
/**
 * The statuses a run can be retried from: what "failed work" means on the Runs page. They are
 * run.ts's FailedStatuses, written out so that links stay free of the run module (the run module
 * raises alerts, whose messages use these links); monitoring.test.ts keeps the two equal.
 */
export const retryableStatuses = ["FAILED", "TIMED_OUT", "STOPPED"] as const;

function base(consoleUrl: string): string {
  const url = new URL(consoleUrl);
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error(`the console URL must be http(s): ${consoleUrl}`);
  }
  return url.href.replace(/\/+$/, "");
}

/** A run's page in the console; the id is one path segment (the console decodes it). */
export function consoleRunUrl(consoleUrl: string, runId: string): string {
  return `${base(consoleUrl)}/runs/${encodeURIComponent(runId)}`;
}

/** The Runs page filtered to work that can be retried, optionally for one pipeline. */
export function consoleFailedRunsUrl(consoleUrl: string, pipeline?: string): string {
  const q = new URLSearchParams({ status: retryableStatuses.join(",") });
  if (pipeline) q.set("pipeline", pipeline);
  // The Runs page reads "," as the list separator; keep it readable rather than %2C.
  return `${base(consoleUrl)}/runs?${q.toString().replace(/%2C/g, ",")}`;
}

export function consoleAlertsUrl(consoleUrl: string): string {
  return `${base(consoleUrl)}/alerts`;
}

const awsConsole = (region: string) => `https://${region}.console.aws.amazon.com`;

/** The Glue Studio page listing a job's runs. */
export function glueJobUrl(region: string, jobName: string): string {
  return `${awsConsole(region)}/gluestudio/home?region=${region}#/editor/job/${encodeURIComponent(jobName)}/runs`;
}

/** The Glue Studio page of one job run. */
export function glueJobRunUrl(region: string, jobName: string, jobRunId: string): string {
  return `${awsConsole(region)}/gluestudio/home?region=${region}#/job/${encodeURIComponent(jobName)}/run/${jobRunId}`;
}

/** The Step Functions page of a state machine (its executions, with redrive). */
export function stateMachineUrl(region: string, stateMachineArn: string): string {
  return `${awsConsole(region)}/states/home?region=${region}#/statemachines/view/${stateMachineArn}`;
}

/** The Step Functions page of one execution. */
export function executionUrl(region: string, executionArn: string): string {
  return `${awsConsole(region)}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** The name in a state machine ARN (arn:aws:states:region:account:stateMachine:name). */
export function stateMachineName(arn: string): string {
  const parts = arn.split(":");
  if (parts.length < 7 || parts[2] !== "states" || parts[5] !== "stateMachine" || !parts[6]) {
    throw new Error(`not a state machine ARN: ${arn}`);
  }
  return parts[6];
}
