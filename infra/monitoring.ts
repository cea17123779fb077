// Flow 7, monitoring: what tells an operator that something needs them, and where to look.
// - EventBridge rules: a platform Glue job run FAILED/TIMEOUT/STOPPED, a platform state machine's
//   execution FAILED/TIMED_OUT/ABORTED → the alerts topic, as a readable message linking to the
//   console (templates: packages/core/src/monitoring/events.ts).
// - CloudWatch alarms → the alerts topic: any error of a platform Lambda function; a pipeline's
//   quarantine rate (RowsQuarantined / RowsRead, the EMF metrics) above a threshold.
// - EventBridge rule: the Oracle replication (AWS DMS Serverless) failed → the alerts topic.
// - The stage's dashboard (packages/core/src/monitoring/dashboard.ts).
// Every message and the dashboard link their section of docs/runbook.md.
// It watches the console too, so it comes after it; the topic itself is in infra/alerts.ts.
import { METRICS_NAMESPACE, PIPELINE_DIMENSION } from "../packages/core/src/metric/cloudwatch";
import { dashboardBody, dashboardName } from "../packages/core/src/monitoring/dashboard";
import {
  dmsFailurePattern,
  dmsFailureTransformer,
  glueFailurePattern,
  glueFailureTransformer,
  sfnFailurePattern,
  sfnFailureTransformer,
  type WatchedGlueJob,
  type WatchedStateMachine,
} from "../packages/core/src/monitoring/events";
import { ALARM_SECTIONS, runbookUrl } from "../packages/core/src/monitoring/runbook";
import { alertTopic, consoleUrlParameter, runbookUrl as runbookBase } from "./alerts";
import * as cdc from "./cdc";
import { apiFunction, siteUrl } from "./console";
import { region } from "./iam";
import { failureFunction, glueJob, ingestMachine, planFunction, reportFunction } from "./ingest";
import * as ml from "./ml";
import { replication } from "./replication";
import * as salesforce from "./salesforce";

/** Alarm when more than this share of a pipeline's rows read in an hour were quarantined… */
const QUARANTINE_RATE = 0.05;
/** …and at least this many rows were read (three bad rows of ten are a file, not a trend). */
const QUARANTINE_MIN_ROWS = 100;

const prefix = `${$app.name}-${$app.stage}`;
/** EventBridge rule and alarm names: letters, digits, "-", "_", "." (rules: at most 64). */
const physical = (name: string) =>
  `${prefix}-${name}`.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 64);
const logical = (s: string) =>
  s
    .replace(/(^|[^A-Za-z0-9])([a-z])/g, (_, __, c: string) => c.toUpperCase())
    .replace(/[^A-Za-z0-9]/g, "");

// ── What the platform runs ──────────────────────────────────────────────────────────────────

/** Pipelines whose runs record CDP metrics (rows, failures, durations). */
const pipelines = ["ingest", "cdc"];

/** Each job runs inside its pipeline's state machine: the console lists the execution. */
const glueJobs: { pipeline: string; name: $util.Input<string>; listed: boolean }[] = [
  { pipeline: "ingest", name: glueJob.name, listed: false },
  { pipeline: "cdc", name: cdc.glueJob.name, listed: false },
];

const stateMachines: { pipeline: string; arn: $util.Input<string> }[] = [
  { pipeline: "ingest", arn: ingestMachine.properties.arn },
  { pipeline: "cdc", arn: cdc.cdcMachine.properties.arn },
  { pipeline: "segment", arn: ml.segmentMachine.properties.arn },
  { pipeline: "sync", arn: salesforce.syncMachine.properties.arn },
];

const functions: { id: string; name: $util.Input<string> }[] = [
  { id: "IngestPlan", name: planFunction.name },
  { id: "IngestReport", name: reportFunction.name },
  { id: "IngestFailure", name: failureFunction.name },
  { id: "CdcPlan", name: cdc.planFunction.name },
  { id: "CdcReport", name: cdc.reportFunction.name },
  { id: "CdcFailure", name: cdc.failureFunction.name },
  { id: "SegmentExport", name: ml.exportFunction.name },
  { id: "SegmentLoad", name: ml.loadFunction.name },
  { id: "SegmentFailure", name: ml.failureFunction.name },
  { id: "Sync", name: salesforce.syncFunction.name },
  { id: "SyncFailure", name: salesforce.failureFunction.name },
  { id: "ConsoleApi", name: apiFunction.name },
];

// ── The console's URL, for the functions that notify (see infra/alerts.ts) ──────────────────

new aws.ssm.Parameter("ConsoleUrlParameter", {
  name: consoleUrlParameter,
  description: "The CDP console's URL: alerts link to its run pages",
  type: "String",
  value: siteUrl,
});

// ── EventBridge: failed Glue runs and executions → SNS ─────────────────────────────────────

const context = $resolve([region, siteUrl]).apply(([r, url]) => ({
  region: r,
  stage: $app.stage,
  consoleUrl: url,
  runbookUrl: runbookBase,
}));

const glueRules = glueJobs.map((job) => {
  const id = logical(job.pipeline);
  const name = physical(`glue-failed-${job.pipeline}`);
  const rule = new aws.cloudwatch.EventRule(`${id}GlueFailedRule`, {
    name,
    description: `A ${job.pipeline} Glue job run failed, timed out or was stopped: tell the operator`,
    eventPattern: $output(job.name).apply((n) => JSON.stringify(glueFailurePattern([n]))),
  });
  new aws.cloudwatch.EventTarget(`${id}GlueFailedAlert`, {
    rule: rule.name,
    arn: alertTopic.arn,
    inputTransformer: $resolve({ ctx: context, n: job.name }).apply(({ ctx, n }) =>
      glueFailureTransformer(ctx, { name: n, pipeline: job.pipeline, listed: job.listed }),
    ),
  });
  return { ...job, rule: name };
});

const sfnRules = stateMachines.map((machine) => {
  const id = logical(machine.pipeline);
  const name = physical(`sfn-failed-${machine.pipeline}`);
  const rule = new aws.cloudwatch.EventRule(`${id}ExecutionFailedRule`, {
    name,
    description: `A ${machine.pipeline} execution failed, timed out or was aborted: tell the operator`,
    eventPattern: $output(machine.arn).apply((arn) => JSON.stringify(sfnFailurePattern([arn]))),
  });
  new aws.cloudwatch.EventTarget(`${id}ExecutionFailedAlert`, {
    rule: rule.name,
    arn: alertTopic.arn,
    inputTransformer: $resolve({ ctx: context, arn: machine.arn }).apply(({ ctx, arn }) =>
      sfnFailureTransformer(ctx, { arn, pipeline: machine.pipeline }),
    ),
  });
  return { ...machine, rule: name };
});

// The Oracle replication stops on an error (a lost connection it could not recover, a redo log
// gone, an S3 write refused): nothing else would say so, as the cdc pipeline only sees files stop.
const dmsRuleName = physical("dms-failed");
const dmsRule = new aws.cloudwatch.EventRule("DmsReplicationFailedRule", {
  name: dmsRuleName,
  description: "The Oracle replication (AWS DMS) failed: tell the operator",
  eventPattern: replication.arn.apply((arn) => JSON.stringify(dmsFailurePattern([arn]))),
});
new aws.cloudwatch.EventTarget("DmsReplicationFailedAlert", {
  rule: dmsRule.name,
  arn: alertTopic.arn,
  inputTransformer: $resolve({
    ctx: context,
    arn: replication.arn,
    id: replication.replicationConfigIdentifier,
  }).apply(({ ctx, arn, id }) => dmsFailureTransformer(ctx, { arn, id })),
});

// ── Alarms → SNS (and back to OK, so the operator knows it cleared) ──────────────────────────

const notify = { alarmActions: [alertTopic.arn], okActions: [alertTopic.arn] };

const errorAlarms = functions.map(
  (f) =>
    new aws.cloudwatch.MetricAlarm(`${f.id}ErrorsAlarm`, {
      name: physical(`errors-${f.id}`),
      alarmDescription: $interpolate`Lambda ${f.name} failed at least once in 5 minutes (errors, timeouts, throttled retries given up). Its log group: /aws/lambda/${f.name}. Runbook: ${runbookUrl(ALARM_SECTIONS.lambdaErrors, runbookBase)}`,
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: f.name },
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      treatMissingData: "notBreaching",
      ...notify,
    }),
);

const quarantineAlarms = pipelines.map((pipeline) => {
  const metric = (metricName: string) => ({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensions: { [PIPELINE_DIMENSION]: pipeline },
    period: 3600,
    stat: "Sum",
  });
  return new aws.cloudwatch.MetricAlarm(`${logical(pipeline)}QuarantineRateAlarm`, {
    name: physical(`quarantine-rate-${pipeline}`),
    alarmDescription: `More than ${QUARANTINE_RATE * 100}% of the ${pipeline} rows read in an hour were quarantined (at least ${QUARANTINE_MIN_ROWS} rows read). The console's Quality page shows which rules failed. Runbook: ${runbookUrl(ALARM_SECTIONS.quarantineRate, runbookBase)}`,
    metricQueries: [
      { id: "q", metric: metric("RowsQuarantined"), returnData: false },
      { id: "r", metric: metric("RowsRead"), returnData: false },
      {
        id: "rate",
        expression: `IF(r >= ${QUARANTINE_MIN_ROWS}, q / r, 0)`,
        label: `${pipeline}: quarantined / read`,
        returnData: true,
      },
    ],
    evaluationPeriods: 1,
    comparisonOperator: "GreaterThanThreshold",
    threshold: QUARANTINE_RATE,
    treatMissingData: "notBreaching",
    ...notify,
  });
});

// ── The dashboard ───────────────────────────────────────────────────────────────────────────

const name = dashboardName($app.name, $app.stage);

export const dashboard = new aws.cloudwatch.Dashboard("Dashboard", {
  dashboardName: name,
  dashboardBody: $resolve({
    context,
    glueJobNames: glueRules.map((j) => j.name),
    machineArns: sfnRules.map((m) => m.arn),
    functionNames: functions.map((f) => f.name),
    alarms: [...quarantineAlarms, ...errorAlarms].map((a) => a.arn),
  }).apply(({ context: ctx, glueJobNames, machineArns, functionNames, alarms }) =>
    JSON.stringify(
      dashboardBody({
        ...ctx,
        pipelines,
        glueJobs: glueRules.map((j, i): WatchedGlueJob & { failureRule: string } => ({
          name: glueJobNames[i]!,
          pipeline: j.pipeline,
          listed: j.listed,
          failureRule: j.rule,
        })),
        stateMachines: sfnRules.map((m, i): WatchedStateMachine & { failureRule: string } => ({
          arn: machineArns[i]!,
          pipeline: m.pipeline,
          failureRule: m.rule,
        })),
        functions: functionNames,
        alarms,
        quarantineThreshold: QUARANTINE_RATE,
        replication: true,
      }),
    ),
  ),
});

export const outputs = {
  dashboard: $interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${name}`,
  alertTopic: alertTopic.arn,
};
