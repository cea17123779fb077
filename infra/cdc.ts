// Flow 4, Oracle → warehouse: AWS DMS (infra/replication.ts) writes a table's full-load and change
// files under the lake's dms/<SCHEMA>/<TABLE>/; each file's S3 "Object Created" event starts the
// cdc state machine (packages/core/src/cdc/asl.ts — the definition the tests execute): Plan
// (Lambda) takes the table's turn and plans its next file → the Glue job runs the plan on
// Redshift → Report (Lambda) → the next file, until none waits; any failure → ReportFailure
// (Lambda). The table's turn (one run at a time, files in order) is kept in the ops store
// (packages/core/src/cdc/turn.ts). Every role gets only what its step touches: its statements come
// from packages/core/src/cdc/iam.ts (checked against every call by
// packages/functions/test/cdc-iam.test.ts).
import { CdcState, cdcStateMachine } from "../packages/core/src/cdc/asl";
import {
  cdcDmsRuleStatements,
  cdcExecutionsStatements,
  cdcJobLinkStatements,
  cdcJobRoleStatements,
  cdcLakeStatements,
  cdcMachineLinkStatements,
  cdcMachineRoleStatements,
} from "../packages/core/src/cdc/iam";
import { glueJobArn as glueJobArnOf } from "../packages/core/src/ingest/iam";
import { alerts } from "./alerts";
import { afterMigration, opsStore } from "./database";
import { handlerProps } from "./handler";
import { arn, grants, linkable, place, serviceRole } from "./iam";
import { glueScript, lakeEvents } from "./ingest";
import { alertWebhookUrl } from "./secrets";
import { stageSettings } from "./stage";
import { bucket } from "./storage";
import { namespace, warehouse, workgroup } from "./warehouse";

// ── The lake and the machine as the cdc functions use them ────────────────────────────────────

/** Linked by the cdc functions as Resource.CdcLake (the DataLake bucket's name). */
export const cdcLake = linkable(
  "CdcLake",
  { name: bucket.name },
  grants(cdcLakeStatements, { bucketArn: bucket.arn }),
);

// Named, so the Plan function may be granted its own machine's executions before the machine
// (whose definition names the function) exists.
const machineName = `${$app.name}-${$app.stage}-cdc`;
const machineArn = arn("states", `stateMachine:${machineName}`);

/** Linked by the Plan function: is a table's holder still running; carry a run's table on. */
export const cdcExecutions = linkable(
  "CdcExecutions",
  { name: machineName },
  grants(cdcExecutionsStatements, { stateMachineArn: machineArn }),
);

// ── The three Lambdas ───────────────────────────────────────────────────────────────────────

export const planFunction = new sst.aws.Function(
  "CdcPlan",
  {
    ...handlerProps("cdc-plan", "CDP cdc: take a table's turn, stage and plan its next DMS file"),
    link: [cdcLake, warehouse, opsStore, alertWebhookUrl, alerts, cdcExecutions],
  },
  afterMigration,
);

export const reportFunction = new sst.aws.Function(
  "CdcReport",
  {
    ...handlerProps("cdc-report", "CDP cdc: record a file's apply, move it to processed/dms/"),
    link: [cdcLake, warehouse, opsStore, alertWebhookUrl, alerts],
  },
  afterMigration,
);

export const failureFunction = new sst.aws.Function(
  "CdcFailure",
  {
    ...handlerProps("cdc-failure", "CDP cdc: record a failed step, park the file in error/dms/"),
    link: [cdcLake, warehouse, opsStore, alertWebhookUrl, alerts],
  },
  afterMigration,
);

// ── The Glue job: ingest's script, which runs any stored plan (cdc/machine.ts, GlueJob) ───────

const jobName = `${$app.name}-${$app.stage}-cdc`;

const glueRole = serviceRole("CdcGlueRole", {
  service: "glue.amazonaws.com",
  description: "The CDP cdc Glue job: read its plan, run it through the Redshift Data API",
  policyName: "cdc-job",
  statements: grants(cdcJobRoleStatements, {
    bucketArn: bucket.arn,
    workgroupArn: workgroup.arn,
    secretArn: namespace.adminPasswordSecretArn,
    ...place,
  }),
});

// A Python shell job of 1/16 DPU, as ingest's (infra/ingest.ts says why). Several runs at once:
// they are different tables' files — one table's files never run together (its turn, turn.ts) —
// and the rest queue.
export const glueJob = new aws.glue.Job("CdcJob", {
  name: jobName,
  description:
    "CDP cdc: applies one DMS file's stored plan on Redshift (see packages/functions/src/glue)",
  roleArn: glueRole.arn,
  glueVersion: "3.0",
  command: {
    name: "pythonshell",
    pythonVersion: "3.9",
    scriptLocation: $interpolate`s3://${bucket.name}/${glueScript.key}`,
  },
  maxCapacity: stageSettings($app.stage).glue.dpu,
  timeout: 120,
  maxRetries: 0,
  executionProperty: { maxConcurrentRuns: stageSettings($app.stage).glue.cdcConcurrentRuns },
  jobRunQueuingEnabled: true,
  defaultArguments: {
    "--workgroup": workgroup.workgroupName,
    "--database": namespace.dbName.apply((d) => d ?? "cdp"),
    "--secret_arn": namespace.adminPasswordSecretArn,
  },
});

// ── The state machine, from the core builder ────────────────────────────────────────────────

const glueJobArn = $resolve({ ...place, name: glueJob.name }).apply((a) => glueJobArnOf(a, a.name));

const machineRole = serviceRole("CdcMachineRole", {
  service: "states.amazonaws.com",
  policyName: "cdc-machine",
  statements: grants(cdcMachineRoleStatements, {
    functionArns: [planFunction.arn, reportFunction.arn, failureFunction.arn],
    glueJobArn,
  }),
});

const stateMachine = new aws.sfn.StateMachine("CdcMachine", {
  name: machineName,
  roleArn: machineRole.arn,
  definition: $resolve([
    planFunction.arn,
    reportFunction.arn,
    failureFunction.arn,
    glueJob.name,
  ]).apply(([planFunctionArn, reportFunctionArn, failureFunctionArn, glueJobName]) =>
    JSON.stringify(
      cdcStateMachine({ planFunctionArn, reportFunctionArn, failureFunctionArn, glueJobName }),
    ),
  ),
});

/** Linked by the console (runs list, retry): the machine and what operating it needs. */
export const cdcMachine = linkable(
  "CdcMachine",
  { arn: stateMachine.arn, name: stateMachine.name, firstState: CdcState.plan },
  grants(cdcMachineLinkStatements, { stateMachineArn: stateMachine.arn }),
);

/** Linked by the console: the cdc Glue job's runs. */
export const cdcJob = linkable(
  "CdcJob",
  { name: glueJob.name, arn: glueJobArn },
  grants(cdcJobLinkStatements, { glueJobArn }),
);

// ── dms/ Object Created → a new execution (through the lake's one notification, infra/ingest.ts) ─

const rule = new aws.cloudwatch.EventRule(
  "CdcDmsRule",
  {
    description: "AWS DMS wrote a file under the data lake's dms/: apply its table's files",
    eventPattern: $jsonStringify({
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: {
        bucket: { name: [bucket.name] },
        object: { key: [{ prefix: "dms/" }] },
      },
    }),
  },
  { dependsOn: [lakeEvents] },
);

const eventsRole = serviceRole("CdcDmsRuleRole", {
  service: "events.amazonaws.com",
  policyName: "start-cdc",
  statements: grants(cdcDmsRuleStatements, { stateMachineArn: stateMachine.arn }),
});

new aws.cloudwatch.EventTarget("CdcDmsTarget", {
  rule: rule.name,
  arn: stateMachine.arn,
  roleArn: eventsRole.arn,
});

export const outputs = {
  cdcStateMachineArn: stateMachine.arn,
  cdcGlueJobName: glueJob.name,
};
