// Who may do what in flow 1 (CSV → warehouse), as plain IAM statements from plain ARNs: the ingest
// Lambdas' lake access, the Glue job's role, the state machine's role, the inbox rule's role, and
// what the console is granted to operate the machine and the job. infra/ingest.ts builds the
// roles and links from these; packages/functions/test/iam.test.ts evaluates every AWS call the
// deployed flow makes against them.
import { arnIn, objectArns, type Place, type Statement } from "../util/iam";
import { warehouseDataApiStatements } from "../warehouse/iam";

/**
 * The lake as the ingest Lambdas (Plan, Report, ReportFailure) use it: the prefixes each step
 * touches (machine.ts lists the documents), not s3:* on the bucket.
 */
export function ingestLakeStatements(a: { bucketArn: string }): Statement[] {
  return [
    {
      actions: ["s3:GetObject"],
      resources: objectArns(
        a.bucketArn,
        "inbox/",
        "error/",
        "staging/",
        "plans/",
        "results/",
        "rejects/",
        // A file is moved, never over another file (lake-files.ts): Report first asks whether
        // its name in processed/ is taken, and HeadObject is authorized as s3:GetObject. Without
        // this S3 answers 403, and every good file failed after its rows were merged.
        "processed/",
      ),
    },
    {
      actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
      resources: objectArns(a.bucketArn, "staging/", "plans/", "error/", "processed/"),
    },
    {
      actions: ["s3:DeleteObject"],
      resources: objectArns(a.bucketArn, "inbox/", "error/", "staging/", "rejects/"),
    },
    // Without ListBucket a missing key reads as 403, not 404; listing shows names, not data.
    { actions: ["s3:ListBucket"], resources: [a.bucketArn] },
  ];
}

export interface IngestJobRoleArgs extends Place {
  bucketArn: string;
  workgroupArn: string;
  secretArn: string;
}

/**
 * The Glue job's role. Glue reads the script with it and writes the run's logs with it (under
 * /aws-glue/, in this account and region); the script reads its plan, writes its results and runs
 * SQL through the Data API (packages/functions/src/glue/ingest.py). Redshift's COPY and UNLOAD use
 * the warehouse's own role, not this one.
 */
export function ingestJobRoleStatements(a: IngestJobRoleArgs): Statement[] {
  return [
    { actions: ["s3:GetObject"], resources: objectArns(a.bucketArn, "assets/glue/", "plans/") },
    { actions: ["s3:PutObject"], resources: objectArns(a.bucketArn, "results/") },
    // A missing plan reads as 404 (NoSuchKey), not 403.
    { actions: ["s3:ListBucket"], resources: [a.bucketArn] },
    ...warehouseDataApiStatements(a),
    {
      actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [arnIn(a, "logs", "log-group:/aws-glue/*")],
    },
  ];
}

/** A Glue job's ARN from its name. */
export const glueJobArn = (place: Place, jobName: string) => arnIn(place, "glue", `job/${jobName}`);

/** Every execution of a state machine: `…:execution:<machine>:*`. */
export const executionsOf = (stateMachineArn: string) =>
  `${stateMachineArn.replace(":stateMachine:", ":execution:")}:*`;

/**
 * The state machine's role: invoke its three Lambdas (any version) and run the Glue job with
 * glue:startJobRun.sync, which starts, polls and, when the execution stops, stops the run
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-glue.html, "Run a Job (.sync)").
 */
export function ingestMachineRoleStatements(a: {
  functionArns: string[];
  glueJobArn: string;
}): Statement[] {
  return [
    {
      actions: ["lambda:InvokeFunction"],
      resources: [...a.functionArns, ...a.functionArns.map((arn) => `${arn}:*`)],
    },
    {
      actions: ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
      resources: [a.glueJobArn],
    },
  ];
}

/** The EventBridge rule's role: start an execution for a file that landed in inbox/. */
export function ingestInboxRuleStatements(a: { stateMachineArn: string }): Statement[] {
  return [{ actions: ["states:StartExecution"], resources: [a.stateMachineArn] }];
}

/** Linked by the console (runs list, retry): operate the machine's executions. */
export function ingestMachineLinkStatements(a: { stateMachineArn: string }): Statement[] {
  return [
    { actions: ["states:StartExecution", "states:ListExecutions"], resources: [a.stateMachineArn] },
    {
      actions: [
        "states:DescribeExecution",
        "states:GetExecutionHistory",
        "states:RedriveExecution",
        "states:StopExecution",
      ],
      resources: [executionsOf(a.stateMachineArn)],
    },
  ];
}

/** Linked by the console: the ingest Glue job's runs (health check, run detail, retry). */
export function ingestJobLinkStatements(a: { glueJobArn: string }): Statement[] {
  return [
    {
      actions: ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns"],
      resources: [a.glueJobArn],
    },
  ];
}
