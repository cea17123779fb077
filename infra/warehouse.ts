// The warehouse: Redshift Serverless. The admin password is generated and kept (and rotated) by
// Redshift in Secrets Manager; the functions and the Glue job use it through the Data API. The
// namespace's IAM role is what COPY reads the staged files and UNLOAD writes rejected rows with:
// on the lake bucket only, on those two prefixes only.
import { linkable, type Statement, serviceRole } from "./iam";
import { bucket, lakeObjects } from "./storage";

const name = `${$app.name}-${$app.stage}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");

/** Assumed by Redshift for COPY FROM s3://…/staging/ and UNLOAD TO s3://…/rejects/. */
export const copyRole = serviceRole("WarehouseCopyRole", {
  service: ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"],
  description: "Redshift COPY/UNLOAD on the data lake's staging/ and rejects/ prefixes",
  policyName: "lake-staging-and-rejects",
  statements: [
    { actions: ["s3:GetObject"], resources: lakeObjects("staging/") },
    {
      actions: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
      resources: lakeObjects("rejects/"),
    },
    {
      actions: ["s3:ListBucket"],
      resources: [bucket.arn],
      conditions: [
        { test: "StringLike", variable: "s3:prefix", values: ["staging/*", "rejects/*"] },
      ],
    },
    { actions: ["s3:GetBucketLocation"], resources: [bucket.arn] },
  ],
});

export const namespace = new aws.redshiftserverless.Namespace("WarehouseNamespace", {
  namespaceName: name,
  dbName: "cdp",
  adminUsername: "cdp_admin",
  manageAdminPassword: true,
  iamRoles: [copyRole.arn],
  defaultIamRoleArn: copyRole.arn,
  logExports: ["userlog", "connectionlog", "useractivitylog"],
});

export const workgroup = new aws.redshiftserverless.Workgroup("WarehouseWorkgroup", {
  namespaceName: namespace.namespaceName,
  workgroupName: name,
  baseCapacity: 8,
  maxCapacity: 64,
  publiclyAccessible: false,
});

/** Data API access to this workgroup with the admin secret, and nothing else. */
export const warehouseAccess: Statement[] = [
  {
    actions: ["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"],
    resources: [workgroup.arn],
  },
  // These take no resource: the Data API only lets a caller see its own statements.
  {
    actions: [
      "redshift-data:DescribeStatement",
      "redshift-data:GetStatementResult",
      "redshift-data:CancelStatement",
    ],
    resources: ["*"],
  },
  { actions: ["secretsmanager:GetSecretValue"], resources: [namespace.adminPasswordSecretArn] },
];

/** Linked by functions as Resource.Warehouse. */
export const warehouse = linkable(
  "Warehouse",
  {
    workgroup: workgroup.workgroupName,
    database: namespace.dbName,
    secretArn: namespace.adminPasswordSecretArn,
    copyRoleArn: copyRole.arn,
  },
  warehouseAccess,
);
