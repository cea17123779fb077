// One deployed stage as the IAM test sees it: fake ARNs in a fake account, the links infra defines
// (their properties, as Resource.<Name> reads them, and their statements, from the same core
// builders infra uses), which links each function has, and the service roles. The test checks
// infra/ against the `infra` fields (the builder each link or role is made with, and each
// function's `link: [...]`), so this table cannot drift from what is deployed.
import { alertsStatements } from "../../packages/core/src/alert/iam";
import {
  replicationLakeStatements,
  replicationSecretStatements,
} from "../../packages/core/src/cdc/dms-iam";
import {
  cdcDmsRuleStatements,
  cdcExecutionsStatements,
  cdcJobLinkStatements,
  cdcJobRoleStatements,
  cdcLakeStatements,
  cdcMachineLinkStatements,
  cdcMachineRoleStatements,
} from "../../packages/core/src/cdc/iam";
import {
  glueJobArn,
  ingestInboxRuleStatements,
  ingestJobLinkStatements,
  ingestJobRoleStatements,
  ingestLakeStatements,
  ingestMachineLinkStatements,
  ingestMachineRoleStatements,
} from "../../packages/core/src/ingest/iam";
import { lakeHealthCheckStatements } from "../../packages/core/src/lake/iam";
import { metricsReadStatements } from "../../packages/core/src/metric/iam";
import { opsStoreStatements } from "../../packages/core/src/ops/iam";
import { segmentMachineLinkStatements } from "../../packages/core/src/segment/sagemaker/iam";
import { syncMachineLinkStatements } from "../../packages/core/src/sync/aws/iam";
import { bucketArn, type Statement } from "../../packages/core/src/util/iam";
import {
  warehouseCopyRoleStatements,
  warehouseDataApiStatements,
} from "../../packages/core/src/warehouse/iam";

export const place = { region: "eu-west-1", account: "123456789012" };
const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${place.region}:${place.account}:${resource}`;

export const BUCKET = "cdp-test-datalake-a1b2c3";
export const WORKGROUP = "cdp-test";
export const WORKGROUP_ARN = arn(
  "redshift-serverless",
  "workgroup/6f9c1d2e-0b7a-4c1e-9d3f-2a5b8c7d6e4f",
);
export const WAREHOUSE_SECRET = arn("secretsmanager", "secret:redshift!cdp-test-cdp_admin-Ab12Cd");
export const COPY_ROLE = `arn:aws:iam::${place.account}:role/cdp-test-WarehouseCopyRole-x1`;
export const OPS_CLUSTER = arn("rds", "cluster:cdp-test-opsdbcluster-x1");
export const OPS_SECRET = arn("secretsmanager", "secret:cdp-test-OpsDbSecret-Ef34Gh");
export const TOPIC = arn("sns", "cdp-test-Alerts");
export const ORACLE_SECRET = arn("secretsmanager", "secret:OracleConnection-1a2b3c4-Xy9Zab");
export const CONSOLE_URL_PARAMETER = "/cdp/test/console-url";
export const MACHINE_NAME = "cdp-test-IngestMachine";
export const MACHINE_ARN = arn("states", `stateMachine:${MACHINE_NAME}`);
export const JOB_NAME = "cdp-test-ingest";
export const FUNCTION_ARNS = {
  IngestPlan: arn("lambda", "function:cdp-test-IngestPlanFunction-x1"),
  IngestReport: arn("lambda", "function:cdp-test-IngestReportFunction-x1"),
  IngestFailure: arn("lambda", "function:cdp-test-IngestFailureFunction-x1"),
};

export const CDC_MACHINE_NAME = "cdp-test-cdc";
export const CDC_MACHINE_ARN = arn("states", `stateMachine:${CDC_MACHINE_NAME}`);
export const CDC_JOB_NAME = "cdp-test-cdc";
export const CDC_FUNCTION_ARNS = {
  CdcPlan: arn("lambda", "function:cdp-test-CdcPlanFunction-x1"),
  CdcReport: arn("lambda", "function:cdp-test-CdcReportFunction-x1"),
  CdcFailure: arn("lambda", "function:cdp-test-CdcFailureFunction-x1"),
};

export const SEGMENT_MACHINE_NAME = "cdp-test-segment";
export const SEGMENT_MACHINE_ARN = arn("states", `stateMachine:${SEGMENT_MACHINE_NAME}`);
export const SYNC_MACHINE_NAME = "cdp-test-sync";
export const SYNC_MACHINE_ARN = arn("states", `stateMachine:${SYNC_MACHINE_NAME}`);

export const deployment = {
  ...place,
  workgroups: { [WORKGROUP]: WORKGROUP_ARN },
};

const lake = bucketArn(BUCKET);
const jobArn = glueJobArn(place, JOB_NAME);
const cdcJobArn = glueJobArn(place, CDC_JOB_NAME);

interface Link {
  properties: Record<string, unknown>;
  statements: Statement[];
  /** The core builder infra makes this link's statements with (none: SST's own link). */
  infra: string | null;
}

/** Every link a function of ours has, by the name the handlers read (Resource.<Name>). */
export const links: Record<string, Link> = {
  IngestLake: {
    properties: { name: BUCKET },
    statements: ingestLakeStatements({ bucketArn: lake }),
    infra: ingestLakeStatements.name,
  },
  ConsoleLake: {
    properties: { name: BUCKET },
    statements: lakeHealthCheckStatements({ bucketArn: lake }),
    infra: lakeHealthCheckStatements.name,
  },
  Warehouse: {
    properties: {
      workgroup: WORKGROUP,
      database: "cdp",
      secretArn: WAREHOUSE_SECRET,
      copyRoleArn: COPY_ROLE,
    },
    statements: warehouseDataApiStatements({
      workgroupArn: WORKGROUP_ARN,
      secretArn: WAREHOUSE_SECRET,
    }),
    infra: warehouseDataApiStatements.name,
  },
  OpsStore: {
    properties: { clusterArn: OPS_CLUSTER, secretArn: OPS_SECRET, database: "cdp" },
    statements: opsStoreStatements({ clusterArn: OPS_CLUSTER, secretArn: OPS_SECRET }),
    infra: opsStoreStatements.name,
  },
  Alerts: {
    properties: { topicArn: TOPIC, consoleUrlParameter: CONSOLE_URL_PARAMETER },
    statements: alertsStatements({
      topicArn: TOPIC,
      consoleUrlParameterArn: arn("ssm", `parameter${CONSOLE_URL_PARAMETER}`),
    }),
    infra: alertsStatements.name,
  },
  Metrics: {
    properties: { namespace: "CDP" },
    statements: metricsReadStatements(),
    infra: metricsReadStatements.name,
  },
  IngestMachine: {
    properties: { arn: MACHINE_ARN, name: MACHINE_NAME, firstState: "Plan" },
    statements: ingestMachineLinkStatements({ stateMachineArn: MACHINE_ARN }),
    infra: ingestMachineLinkStatements.name,
  },
  IngestJob: {
    properties: { name: JOB_NAME, arn: jobArn },
    statements: ingestJobLinkStatements({ glueJobArn: jobArn }),
    infra: ingestJobLinkStatements.name,
  },
  CdcLake: {
    properties: { name: BUCKET },
    statements: cdcLakeStatements({ bucketArn: lake }),
    infra: cdcLakeStatements.name,
  },
  CdcExecutions: {
    properties: { name: CDC_MACHINE_NAME },
    statements: cdcExecutionsStatements({ stateMachineArn: CDC_MACHINE_ARN }),
    infra: cdcExecutionsStatements.name,
  },
  CdcMachine: {
    properties: { arn: CDC_MACHINE_ARN, name: CDC_MACHINE_NAME, firstState: "Plan" },
    statements: cdcMachineLinkStatements({ stateMachineArn: CDC_MACHINE_ARN }),
    infra: cdcMachineLinkStatements.name,
  },
  SegmentMachine: {
    properties: { arn: SEGMENT_MACHINE_ARN, name: SEGMENT_MACHINE_NAME, firstState: "Export" },
    statements: segmentMachineLinkStatements({ stateMachineArn: SEGMENT_MACHINE_ARN }),
    infra: segmentMachineLinkStatements.name,
  },
  SyncMachine: {
    properties: { arn: SYNC_MACHINE_ARN, name: SYNC_MACHINE_NAME, firstState: "Sync" },
    statements: syncMachineLinkStatements({ stateMachineArn: SYNC_MACHINE_ARN }),
    infra: syncMachineLinkStatements.name,
  },
  CdcJob: {
    properties: { name: CDC_JOB_NAME, arn: cdcJobArn },
    statements: cdcJobLinkStatements({ glueJobArn: cdcJobArn }),
    infra: cdcJobLinkStatements.name,
  },
  // An sst.Secret: its value is handed to the function, no permission comes with it.
  AlertWebhookUrl: { properties: { value: "" }, statements: [], infra: null },
};

const ingestLinks = ["IngestLake", "Warehouse", "OpsStore", "AlertWebhookUrl", "Alerts"];
const cdcLinks = ["CdcLake", "Warehouse", "OpsStore", "AlertWebhookUrl", "Alerts"];

/** The Lambda functions: each one's role is what its links grant. */
export const functions: Record<string, { file: string; links: string[] }> = {
  IngestPlan: { file: "infra/ingest.ts", links: ingestLinks },
  IngestReport: { file: "infra/ingest.ts", links: ingestLinks },
  IngestFailure: { file: "infra/ingest.ts", links: ingestLinks },
  CdcPlan: { file: "infra/cdc.ts", links: [...cdcLinks, "CdcExecutions"] },
  CdcReport: { file: "infra/cdc.ts", links: cdcLinks },
  CdcFailure: { file: "infra/cdc.ts", links: cdcLinks },
  ConsoleApi: {
    file: "infra/console.ts",
    links: [
      "ConsoleLake",
      "Warehouse",
      "OpsStore",
      "IngestMachine",
      "IngestJob",
      "CdcMachine",
      "CdcJob",
      "SegmentMachine",
      "SyncMachine",
      "Alerts",
      "Metrics",
    ],
  },
  OpsMigrate: { file: "infra/database.ts", links: ["OpsStore"] },
};

/** The service roles infra makes with `serviceRole(name, …)`. */
export const serviceRoles: Record<string, { statements: Statement[]; infra: string }> = {
  IngestGlueRole: {
    statements: ingestJobRoleStatements({
      bucketArn: lake,
      workgroupArn: WORKGROUP_ARN,
      secretArn: WAREHOUSE_SECRET,
      ...place,
    }),
    infra: ingestJobRoleStatements.name,
  },
  IngestMachineRole: {
    statements: ingestMachineRoleStatements({
      functionArns: Object.values(FUNCTION_ARNS),
      glueJobArn: jobArn,
    }),
    infra: ingestMachineRoleStatements.name,
  },
  IngestInboxRuleRole: {
    statements: ingestInboxRuleStatements({ stateMachineArn: MACHINE_ARN }),
    infra: ingestInboxRuleStatements.name,
  },
  CdcGlueRole: {
    statements: cdcJobRoleStatements({
      bucketArn: lake,
      workgroupArn: WORKGROUP_ARN,
      secretArn: WAREHOUSE_SECRET,
      ...place,
    }),
    infra: cdcJobRoleStatements.name,
  },
  CdcMachineRole: {
    statements: cdcMachineRoleStatements({
      functionArns: Object.values(CDC_FUNCTION_ARNS),
      glueJobArn: cdcJobArn,
    }),
    infra: cdcMachineRoleStatements.name,
  },
  CdcDmsRuleRole: {
    statements: cdcDmsRuleStatements({ stateMachineArn: CDC_MACHINE_ARN }),
    infra: cdcDmsRuleStatements.name,
  },
  WarehouseCopyRole: {
    statements: warehouseCopyRoleStatements({ bucketArn: lake }),
    infra: warehouseCopyRoleStatements.name,
  },
  // Assumed by AWS DMS (infra/replication.ts): the S3 target's role and the Oracle secret's.
  ReplicationLakeRole: {
    statements: replicationLakeStatements({ bucketArn: lake }),
    infra: replicationLakeStatements.name,
  },
  ReplicationSecretRole: {
    statements: replicationSecretStatements({ secretArn: ORACLE_SECRET }),
    infra: replicationSecretStatements.name,
  },
};

/** The roles only the cdc flow (flow 4) uses: cdc-iam.test.ts exercises them, iam.test.ts the rest. */
export const cdcRoles = [
  "CdcPlan",
  "CdcReport",
  "CdcFailure",
  "CdcGlueRole",
  "CdcMachineRole",
  "CdcDmsRuleRole",
];

/** Every role's statements: a function's are the union of its links'. */
export function roleStatements(): Record<string, Statement[]> {
  return {
    ...Object.fromEntries(
      Object.entries(functions).map(([name, f]) => [
        name,
        f.links.flatMap((l) => links[l]!.statements),
      ]),
    ),
    ...Object.fromEntries(Object.entries(serviceRoles).map(([name, r]) => [name, r.statements])),
  };
}

/**
 * Resources that must be "*" because the action takes none
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
 */
export const starAllowed: Record<string, string> = {
  "redshift-data:DescribeStatement": "no resource; a caller sees only its own statements",
  "redshift-data:GetStatementResult": "no resource; a caller sees only its own statements",
  "redshift-data:CancelStatement": "no resource; a caller sees only its own statements",
  "cloudwatch:GetMetricData": "no resource-level permissions",
  "cloudwatch:PutMetricData": "no resource-level permissions (a namespace condition may narrow it)",
};
