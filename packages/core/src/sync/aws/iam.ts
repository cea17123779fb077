// Who may do what in flow 6 (the Salesforce sync), as plain IAM statements from plain ARNs: the
// sync Lambdas' lake access and the one secret they read, the state machine's role, the role of the
// EventBridge rule that starts it, and what the console is granted to operate it. infra/salesforce.ts
// builds the roles and links from these; packages/functions/test/sync-iam.test.ts evaluates every
// AWS call the deployed sync makes against them. The warehouse and the ops store are linked as for
// every flow (warehouse/iam.ts, ops/iam.ts). The sync reads the segments from the warehouse, never
// from ml/: it has no access to the ML files.
import { ingestInboxRuleStatements, ingestMachineLinkStatements } from "../../ingest/iam";
import { secretReference } from "../../secrets/aws";
import { arnIn, objectArns, type Place, type Statement } from "../../util/iam";
import { OUTBOX_PREFIX } from "../outbox";

/** The lake as the sync Lambdas use it: a dry run writes its outbox under sync/outbox/, nothing else. */
export function syncLakeStatements(a: { bucketArn: string }): Statement[] {
  return [
    {
      actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
      resources: objectArns(a.bucketArn, OUTBOX_PREFIX),
    },
  ];
}

/**
 * The Salesforce secret, and no other: its value through Parameter Store's Secrets Manager
 * reference (secrets/aws.ts), which needs ssm:GetParameter on that reference and
 * secretsmanager:GetSecretValue on the secret itself. The secret is encrypted with the account's
 * aws/secretsmanager key, which needs no grant of ours.
 */
export function syncSecretStatements(
  a: Place & { secretArn: string; secretName: string },
): Statement[] {
  return [
    { actions: ["secretsmanager:GetSecretValue"], resources: [a.secretArn] },
    {
      actions: ["ssm:GetParameter"],
      resources: [arnIn(a, "ssm", `parameter${secretReference(a.secretName)}`)],
    },
  ];
}

/** The state machine's role: invoke its two Lambdas, nothing else. */
export function syncMachineRoleStatements(a: { functionArns: string[] }): Statement[] {
  return [
    {
      actions: ["lambda:InvokeFunction"],
      resources: [...a.functionArns, ...a.functionArns.map((arn) => `${arn}:*`)],
    },
  ];
}

/** The EventBridge rule's role (a loaded marker's Object Created event): start an execution. */
export function syncRuleStatements(a: { stateMachineArn: string }): Statement[] {
  return ingestInboxRuleStatements(a);
}

/** Linked by the console (runs list, retry): operate the machine's executions. */
export function syncMachineLinkStatements(a: { stateMachineArn: string }): Statement[] {
  return ingestMachineLinkStatements(a);
}
