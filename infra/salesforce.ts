// Flow 6, the Salesforce sync: when the ML state machine's Load step has loaded a segmentation run
// it writes the run's marker, ml/segments/_loaded/<run>.json (packages/core/src/segment/sagemaker/
// io.ts); that object's S3 "Object Created" event starts the sync state machine
// (packages/core/src/sync/aws/asl.ts — the definition the tests execute): Sync (Lambda) takes the
// sync's turn (one at a time, else it waits), reads the credentials from the Salesforce secret,
// diffs the latest segmentation against what Salesforce accepted and sends what changed through
// jsforce — the sync `cdp sync salesforce` runs; any error it cannot record → ReportFailure
// (Lambda). SageMaker's own output parts (ml/segments/<run>/transform/*.out) start nothing: they
// land one by one before anything is loaded. Every role gets only what its step touches: its
// statements come from packages/core/src/sync/aws/iam.ts (checked against every call by
// packages/functions/test/sync-iam.test.ts).
import { LOADED_PREFIX } from "../packages/core/src/segment/sagemaker/io";
import { SyncState, syncStateMachine } from "../packages/core/src/sync/aws/asl";
import {
  syncLakeStatements,
  syncMachineLinkStatements,
  syncMachineRoleStatements,
  syncRuleStatements,
  syncSecretStatements,
} from "../packages/core/src/sync/aws/iam";
import { alerts } from "./alerts";
import { afterMigration, opsStore } from "./database";
import { handlerProps } from "./handler";
import { grants, linkable, place, serviceRole } from "./iam";
import { lakeEvents } from "./ingest";
import { alertWebhookUrl } from "./secrets";
import { stageSettings } from "./stage";
import { bucket } from "./storage";
import { warehouse } from "./warehouse";

// ── The Salesforce credentials: one Secrets Manager secret, its value set by the operator ─────
// A JSON object keyed by the names the local sync reads (README "Salesforce sync"):
// SALESFORCE_LOGIN_URL, _CLIENT_ID, _CLIENT_SECRET, _USERNAME, _PASSWORD, _SECURITY_TOKEN (and
// optionally _API_VERSION, _API_RESERVE, _BULK_THRESHOLD). The deploy makes the secret and never
// writes its value, so `aws secretsmanager put-secret-value` is never undone by a deploy; until
// then every sync is a dry run to sync/outbox/ that says so.

export const salesforceSecretName = `${$app.name}-${$app.stage}-salesforce`;

export const salesforceSecret = new aws.secretsmanager.Secret("SalesforceCredentials", {
  name: salesforceSecretName,
  description: `CDP ${$app.stage}: the Salesforce connected app and integration user the sync logs in with (JSON: README "Salesforce sync")`,
  recoveryWindowInDays: stageSettings($app.stage).secretRecoveryDays,
});

/** Linked by the sync functions as Resource.SalesforceSecret: read that secret, no other. */
export const salesforceSecretLink = linkable(
  "SalesforceSecret",
  { name: salesforceSecret.name, arn: salesforceSecret.arn },
  grants(syncSecretStatements, {
    secretArn: salesforceSecret.arn,
    secretName: salesforceSecret.name,
    ...place,
  }),
);

/** Linked by the sync functions as Resource.SyncLake: a dry run's outbox under sync/outbox/. */
export const syncLake = linkable(
  "SyncLake",
  { name: bucket.name },
  grants(syncLakeStatements, { bucketArn: bucket.arn }),
);

// ── The two Lambdas ─────────────────────────────────────────────────────────────────────────
// With handler.ts's 15-minute timeout: a bulk job still running after 10 minutes is left to the
// next run (sync/aws/machine.ts).

export const syncFunction = new sst.aws.Function(
  "SyncSalesforce",
  {
    ...handlerProps("sync", "CDP sync: the latest segmentation's changes to Salesforce (jsforce)"),
    link: [syncLake, warehouse, opsStore, alertWebhookUrl, alerts, salesforceSecretLink],
  },
  afterMigration,
);

export const failureFunction = new sst.aws.Function(
  "SyncFailure",
  {
    ...handlerProps("sync-failure", "CDP sync: record a failed sync and why, alert"),
    link: [syncLake, warehouse, opsStore, alertWebhookUrl, alerts, salesforceSecretLink],
  },
  afterMigration,
);

// ── The state machine, from the core builder ────────────────────────────────────────────────

const machineRole = serviceRole("SyncMachineRole", {
  service: "states.amazonaws.com",
  policyName: "sync-machine",
  statements: grants(syncMachineRoleStatements, {
    functionArns: [syncFunction.arn, failureFunction.arn],
  }),
});

const stateMachine = new aws.sfn.StateMachine("SyncMachine", {
  name: `${$app.name}-${$app.stage}-sync`,
  roleArn: machineRole.arn,
  definition: $resolve([syncFunction.arn, failureFunction.arn]).apply(
    ([syncFunctionArn, failureFunctionArn]) =>
      JSON.stringify(syncStateMachine({ syncFunctionArn, failureFunctionArn })),
  ),
});

/** Linked by the console (runs list, retry): the machine and what operating it needs. */
export const syncMachine = linkable(
  "SyncMachine",
  { arn: stateMachine.arn, name: stateMachine.name, firstState: SyncState.sync },
  grants(syncMachineLinkStatements, { stateMachineArn: stateMachine.arn }),
);

// ── A loaded run's marker → a new execution (through the lake's one notification, infra/ingest.ts) ─

const rule = new aws.cloudwatch.EventRule(
  "SyncLoadedRule",
  {
    description: "A segmentation run was loaded (its marker under ml/segments/_loaded/): sync it",
    eventPattern: $jsonStringify({
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: {
        bucket: { name: [bucket.name] },
        object: { key: [{ prefix: LOADED_PREFIX }] },
      },
    }),
  },
  { dependsOn: [lakeEvents] },
);

const eventsRole = serviceRole("SyncLoadedRuleRole", {
  service: "events.amazonaws.com",
  policyName: "start-sync",
  statements: grants(syncRuleStatements, { stateMachineArn: stateMachine.arn }),
});

new aws.cloudwatch.EventTarget("SyncLoadedTarget", {
  rule: rule.name,
  arn: stateMachine.arn,
  roleArn: eventsRole.arn,
});

export const outputs = {
  syncStateMachineArn: stateMachine.arn,
  salesforceSecret: salesforceSecret.name,
};
