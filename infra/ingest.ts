// Flow 1, CSV → warehouse: an S3 "Object Created" event for inbox/ starts the ingest state
// machine (packages/core/src/ingest/asl.ts — the definition the tests execute): Plan (Lambda) →
// the Glue job runs the plan on Redshift → Report (Lambda); any failure → ReportFailure (Lambda).
// Every role gets only what its step touches: its statements come from
// packages/core/src/ingest/iam.ts (checked against every call by packages/functions/test/iam.test.ts).
import { IngestState, ingestStateMachine } from "../packages/core/src/ingest/asl";
import {
  glueJobArn as glueJobArnOf,
  ingestInboxRuleStatements,
  ingestJobLinkStatements,
  ingestJobRoleStatements,
  ingestLakeStatements,
  ingestMachineLinkStatements,
  ingestMachineRoleStatements,
} from "../packages/core/src/ingest/iam";
import { alerts } from "./alerts";
import { afterMigration, opsStore } from "./database";
import { handlerProps } from "./handler";
import { grants, linkable, place, serviceRole } from "./iam";
import { alertWebhookUrl } from "./secrets";
import { stageSettings } from "./stage";
import { bucket } from "./storage";
import { namespace, warehouse, workgroup } from "./warehouse";

// ── The lake as the ingest functions use it ─────────────────────────────────────────────────
// Not `link: [bucket]`, which grants s3:* on the whole bucket: the prefixes each step touches.

/** Linked by the ingest functions as Resource.IngestLake (the DataLake bucket's name). */
export const ingestLake = linkable(
  "IngestLake",
  { name: bucket.name },
  grants(ingestLakeStatements, { bucketArn: bucket.arn }),
);

// ── The three Lambdas ───────────────────────────────────────────────────────────────────────

const fn = (name: string, handler: string, description: string) =>
  new sst.aws.Function(
    name,
    {
      ...handlerProps(handler, description),
      link: [ingestLake, warehouse, opsStore, alertWebhookUrl, alerts],
    },
    afterMigration,
  );

export const planFunction = fn(
  "IngestPlan",
  "ingest-plan",
  "CDP ingest: stage an inbox/ CSV and write its plan",
);
export const reportFunction = fn(
  "IngestReport",
  "ingest-report",
  "CDP ingest: record the Glue job's results, move the file",
);
export const failureFunction = fn(
  "IngestFailure",
  "ingest-failure",
  "CDP ingest: record a failed step, park the file in error/",
);

// ── The Glue job ────────────────────────────────────────────────────────────────────────────

/** The Glue script both flows' jobs run (it runs any stored plan of theirs: cdc/machine.ts). */
export const glueScript = new aws.s3.BucketObjectv2("IngestGlueScript", {
  bucket: bucket.name,
  key: "assets/glue/ingest.py",
  source: new $util.asset.FileAsset("packages/functions/src/glue/ingest.py"),
});

const jobName = `${$app.name}-${$app.stage}-ingest`;

const glueRole = serviceRole("IngestGlueRole", {
  service: "glue.amazonaws.com",
  description: "The CDP ingest Glue job: read its plan, run it through the Redshift Data API",
  policyName: "ingest-job",
  statements: grants(ingestJobRoleStatements, {
    bucketArn: bucket.arn,
    workgroupArn: workgroup.arn,
    secretArn: namespace.adminPasswordSecretArn,
    ...place,
  }),
});

// A Python shell job: the script only submits SQL to the Redshift Data API and reads and writes
// two small JSON files, so it needs no Spark. 1/16 DPU (MaxCapacity 0.0625, the smallest a Python
// shell job takes) instead of 2 × G.1X Spark workers (2 DPU): 1/32 of the DPU-hours, and no Spark
// start-up. Run queuing works for it (with maxRetries 0). Python shell 3.9 runs on Glue 3.0 and has boto3 and awsglue.utils
// (https://docs.aws.amazon.com/glue/latest/dg/add-job-python.html,
// https://docs.aws.amazon.com/glue/latest/dg/aws-glue-api-jobs-job.html — MaxCapacity).
export const glueJob = new aws.glue.Job("IngestJob", {
  name: jobName,
  description:
    "CDP ingest: runs a stored ingest plan on Redshift (see packages/functions/src/glue)",
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
  // One run at a time, the rest queued: two files for one table never evolve it at once.
  executionProperty: { maxConcurrentRuns: 1 },
  jobRunQueuingEnabled: true,
  defaultArguments: {
    "--workgroup": workgroup.workgroupName,
    "--database": namespace.dbName.apply((d) => d ?? "cdp"),
    "--secret_arn": namespace.adminPasswordSecretArn,
  },
});

// ── The state machine, from the core builder ────────────────────────────────────────────────

const glueJobArn = $resolve({ ...place, name: glueJob.name }).apply((a) => glueJobArnOf(a, a.name));

const machineRole = serviceRole("IngestMachineRole", {
  service: "states.amazonaws.com",
  policyName: "ingest-machine",
  statements: grants(ingestMachineRoleStatements, {
    functionArns: [planFunction.arn, reportFunction.arn, failureFunction.arn],
    glueJobArn,
  }),
});

const stateMachine = new aws.sfn.StateMachine("IngestMachine", {
  roleArn: machineRole.arn,
  definition: $resolve([
    planFunction.arn,
    reportFunction.arn,
    failureFunction.arn,
    glueJob.name,
  ]).apply(([planFunctionArn, reportFunctionArn, failureFunctionArn, glueJobName]) =>
    JSON.stringify(
      ingestStateMachine({ planFunctionArn, reportFunctionArn, failureFunctionArn, glueJobName }),
    ),
  ),
});

/** Linked by the console (runs list, retry): the machine and what operating it needs. */
export const ingestMachine = linkable(
  "IngestMachine",
  { arn: stateMachine.arn, name: stateMachine.name, firstState: IngestState.plan },
  grants(ingestMachineLinkStatements, { stateMachineArn: stateMachine.arn }),
);

/** Linked by the console: the ingest Glue job's runs and retries. */
export const ingestJob = linkable(
  "IngestJob",
  { name: glueJob.name, arn: glueJobArn },
  grants(ingestJobLinkStatements, { glueJobArn }),
);

// ── inbox/ Object Created → a new execution ────────────────────────────────────────────────

/** The lake's one S3 notification configuration: everything to EventBridge; flows add rules. */
export const lakeEvents = new aws.s3.BucketNotification("DataLakeEvents", {
  bucket: bucket.name,
  eventbridge: true,
});

const rule = new aws.cloudwatch.EventRule("IngestInboxRule", {
  description: "A file landed in the data lake's inbox/: ingest it",
  eventPattern: $jsonStringify({
    source: ["aws.s3"],
    "detail-type": ["Object Created"],
    detail: {
      bucket: { name: [bucket.name] },
      object: { key: [{ prefix: "inbox/" }] },
    },
  }),
});

const eventsRole = serviceRole("IngestInboxRuleRole", {
  service: "events.amazonaws.com",
  policyName: "start-ingest",
  statements: grants(ingestInboxRuleStatements, { stateMachineArn: stateMachine.arn }),
});

new aws.cloudwatch.EventTarget("IngestInboxTarget", {
  rule: rule.name,
  arn: stateMachine.arn,
  roleArn: eventsRole.arn,
});

export const outputs = {
  ingestStateMachineArn: stateMachine.arn,
  ingestGlueJobName: glueJob.name,
  warehouseWorkgroup: workgroup.workgroupName,
};
