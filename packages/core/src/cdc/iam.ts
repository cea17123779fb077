// Who may do what in flow 4 (DMS files → warehouse), as plain IAM statements from plain ARNs: the
// cdc Lambdas' lake access, what the Plan step asks of Step Functions, the Glue job's role, the
// state machine's role, the dms/ rule's role, and what the console is granted to operate the
// machine and the job. infra/cdc.ts builds the roles and links from these;
// packages/functions/test/cdc-iam.test.ts evaluates every AWS call the deployed flow makes against
// them. The job runs ingest's script on the same kind of document (plans/ → results/), and the
// machine is driven the same way: those grants are ingest's, under this flow's names.
import {
  executionsOf,
  type IngestJobRoleArgs,
  ingestJobLinkStatements,
  ingestJobRoleStatements,
  ingestMachineLinkStatements,
  ingestMachineRoleStatements,
} from "../ingest/iam";
import { objectArns, type Statement } from "../util/iam";

/**
 * The lake as the cdc Lambdas (Plan, Report, ReportFailure) use it: a table's files in dms/, where
 * they go (processed/dms/, error/dms/ with reasons and rejects files — and back to dms/ on a
 * retry), and the run's working documents (machine.ts lists them).
 */
export function cdcLakeStatements(a: { bucketArn: string }): Statement[] {
  return [
    {
      actions: ["s3:GetObject"],
      resources: objectArns(
        a.bucketArn,
        "dms/",
        "error/dms/",
        // A file is moved, never over another file: its name in processed/ is asked for first
        // (HeadObject is authorized as s3:GetObject).
        "processed/dms/",
        "staging/",
        "plans/",
        "results/",
        "rejects/",
      ),
    },
    {
      actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
      resources: objectArns(
        a.bucketArn,
        "dms/",
        "processed/dms/",
        "error/dms/",
        "staging/",
        "plans/",
      ),
    },
    {
      actions: ["s3:DeleteObject"],
      resources: objectArns(a.bucketArn, "dms/", "error/dms/", "staging/", "rejects/"),
    },
    // Listing a table's folder; without ListBucket a missing key reads as 403, not 404.
    { actions: ["s3:ListBucket"], resources: [a.bucketArn] },
  ];
}

/**
 * The Plan step and Step Functions (turn.ts): whether the execution holding a table still runs,
 * and starting the execution that carries a run's table on — this machine's, nothing else.
 */
export function cdcExecutionsStatements(a: { stateMachineArn: string }): Statement[] {
  return [
    { actions: ["states:StartExecution"], resources: [a.stateMachineArn] },
    { actions: ["states:DescribeExecution"], resources: [executionsOf(a.stateMachineArn)] },
  ];
}

/** The cdc Glue job's role: ingest's script, reading plans/ and writing results/ (ingest/iam.ts). */
export function cdcJobRoleStatements(a: IngestJobRoleArgs): Statement[] {
  return ingestJobRoleStatements(a);
}

/** The state machine's role: invoke its three Lambdas and run the Glue job with .sync. */
export function cdcMachineRoleStatements(a: {
  functionArns: string[];
  glueJobArn: string;
}): Statement[] {
  return ingestMachineRoleStatements(a);
}

/** The EventBridge rule's role: start an execution for a file DMS wrote under dms/. */
export function cdcDmsRuleStatements(a: { stateMachineArn: string }): Statement[] {
  return [{ actions: ["states:StartExecution"], resources: [a.stateMachineArn] }];
}

/** Linked by the console (runs list, retry): operate the machine's executions. */
export function cdcMachineLinkStatements(a: { stateMachineArn: string }): Statement[] {
  return ingestMachineLinkStatements(a);
}

/** Linked by the console: the cdc Glue job's runs (health check, run detail). */
export function cdcJobLinkStatements(a: { glueJobArn: string }): Statement[] {
  return ingestJobLinkStatements(a);
}
