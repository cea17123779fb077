// Who may use the warehouse and how: Data API access for the functions and the Glue job, and the
// role Redshift assumes for COPY and UNLOAD. Plain statements from plain ARNs (util/iam.ts).
import { objectArns, type Statement } from "../util/iam";

/** Data API access to one workgroup with its admin secret, and nothing else. */
export function warehouseDataApiStatements(a: {
  workgroupArn: string;
  secretArn: string;
}): Statement[] {
  return [
    {
      actions: ["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"],
      resources: [a.workgroupArn],
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
    // The Data API reads the secret with the caller's credentials.
    { actions: ["secretsmanager:GetSecretValue"], resources: [a.secretArn] },
  ];
}

/**
 * Assumed by Redshift for COPY FROM s3://…/staging/, UNLOAD TO s3://…/rejects/ and — the
 * segmentation's feature export (segment/sagemaker/export-sql.ts) — UNLOAD TO s3://…/ml/features/.
 */
export function warehouseCopyRoleStatements(a: { bucketArn: string }): Statement[] {
  return [
    { actions: ["s3:GetObject"], resources: objectArns(a.bucketArn, "staging/") },
    {
      actions: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
      resources: objectArns(a.bucketArn, "rejects/"),
    },
    {
      actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
      resources: objectArns(a.bucketArn, "ml/features/"),
    },
    {
      actions: ["s3:ListBucket"],
      resources: [a.bucketArn],
      conditions: [
        {
          test: "StringLike",
          variable: "s3:prefix",
          values: ["staging/*", "rejects/*", "ml/features/*"],
        },
      ],
    },
    { actions: ["s3:GetBucketLocation"], resources: [a.bucketArn] },
  ];
}
