// Flow 1, CSV → warehouse: an S3 "Object Created" event for inbox/ starts the ingest state
// machine (packages/core/src/ingest/asl.ts — the definition the tests execute): Plan (Lambda) →
// the Glue job runs the plan on Redshift → Report (Lambda); any failure → ReportFailure (Lambda).
// Every role gets only what its step touches.
import { IngestState, ingestStateMachine } from "../packages/core/src/ingest/asl";
import { alerts } from "./alerts";
import { opsDb } from "./database";
import { arn, linkable, serviceRole } from "./iam";
import { alertWebhookUrl } from "./secrets";
import { bucket, lakeObjects } from "./storage";
import { namespace, warehouse, warehouseAccess, workgroup } from "./warehouse";

// ── The lake as the ingest functions use it ─────────────────────────────────────────────────
// Not `link: [bucket]`, which grants s3:* on the whole bucket: the prefixes each step touches.

/** Linked by the ingest functions as Resource.IngestLake (the DataLake bucket's name). */
export const ingestLake = linkable("IngestLake", { name: bucket.name }, [
  {
    actions: ["s3:GetObject"],
    resources: lakeObjects("inbox/", "error/", "staging/", "plans/", "results/", "rejects/"),
  },
  {
    actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
    resources: lakeObjects("staging/", "plans/", "error/", "processed/"),
  },
  {
    actions: ["s3:DeleteObject"],
    resources: lakeObjects("inbox/", "error/", "staging/", "rejects/"),
  },
  // Without ListBucket a missing key reads as 403, not 404; listing shows names, not data.
  { actions: ["s3:ListBucket"], resources: [bucket.arn] },
]);

// ── The three Lambdas ───────────────────────────────────────────────────────────────────────

const fn = (name: string, handler: string, description: string) =>
  new sst.aws.Function(name, {
    handler: `packages/functions/src/handlers/${handler}.handler`,
    description,
    runtime: "nodejs22.x",
    timeout: "15 minutes",
    memory: "1024 MB",
    link: [ingestLake, warehouse, opsDb, alertWebhookUrl, alerts],
  });

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

const script = new aws.s3.BucketObjectv2("IngestGlueScript", {
  bucket: bucket.name,
  key: "assets/glue/ingest.py",
  source: new $util.asset.FileAsset("packages/functions/src/glue/ingest.py"),
});

const jobName = `${$app.name}-${$app.stage}-ingest`;

const glueRole = serviceRole("IngestGlueRole", {
  service: "glue.amazonaws.com",
  description: "The CDP ingest Glue job: read its plan, run it through the Redshift Data API",
  policyName: "ingest-job",
  statements: [
    { actions: ["s3:GetObject"], resources: lakeObjects("assets/glue/", "plans/") },
    {
      actions: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
      resources: lakeObjects("results/", "tmp/glue/"),
    },
    { actions: ["s3:ListBucket"], resources: [bucket.arn] },
    ...warehouseAccess,
    {
      actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
      resources: ["arn:aws:logs:*:*:log-group:/aws-glue/*"],
    },
  ],
});

export const glueJob = new aws.glue.Job("IngestJob", {
  name: jobName,
  description:
    "CDP ingest: runs a stored ingest plan on Redshift (see packages/functions/src/glue)",
  roleArn: glueRole.arn,
  glueVersion: "5.0",
  command: {
    name: "glueetl",
    pythonVersion: "3",
    scriptLocation: $interpolate`s3://${bucket.name}/${script.key}`,
  },
  workerType: "G.1X",
  numberOfWorkers: 2,
  timeout: 120,
  maxRetries: 0,
  // One run at a time, the rest queued: two files for one table never evolve it at once.
  executionProperty: { maxConcurrentRuns: 1 },
  jobRunQueuingEnabled: true,
  defaultArguments: {
    "--workgroup": workgroup.workgroupName,
    "--database": namespace.dbName.apply((d) => d ?? "cdp"),
    "--secret_arn": namespace.adminPasswordSecretArn,
    "--TempDir": $interpolate`s3://${bucket.name}/tmp/glue/`,
    "--enable-continuous-cloudwatch-log": "true",
  },
});

// ── The state machine, from the core builder ────────────────────────────────────────────────

const glueJobArn = arn("glue", $interpolate`job/${glueJob.name}`);
const functions = [planFunction.arn, reportFunction.arn, failureFunction.arn];

const machineRole = serviceRole("IngestMachineRole", {
  service: "states.amazonaws.com",
  policyName: "ingest-machine",
  statements: [
    {
      actions: ["lambda:InvokeFunction"],
      resources: [...functions, ...functions.map((arn) => $interpolate`${arn}:*`)],
    },
    {
      actions: ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
      resources: [glueJobArn],
    },
  ],
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
  [
    { actions: ["states:StartExecution", "states:ListExecutions"], resources: [stateMachine.arn] },
    {
      actions: [
        "states:DescribeExecution",
        "states:GetExecutionHistory",
        "states:RedriveExecution",
        "states:StopExecution",
      ],
      resources: [
        stateMachine.arn.apply((arn) => `${arn.replace(":stateMachine:", ":execution:")}:*`),
      ],
    },
  ],
);

/** Linked by the console: the ingest Glue job's runs and retries. */
export const ingestJob = linkable("IngestJob", { name: glueJob.name, arn: glueJobArn }, [
  { actions: ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns"], resources: [glueJobArn] },
]);

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
  statements: [{ actions: ["states:StartExecution"], resources: [stateMachine.arn] }],
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
