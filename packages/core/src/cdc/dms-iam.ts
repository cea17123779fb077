// Who may do what for AWS DMS (flow 4's replication), as plain IAM statements from plain ARNs:
// the role DMS writes the lake's dms/ prefix with, and the role it reads the Oracle connection
// secret with. infra/replication.ts builds the roles from these; packages/functions/test/
// iam.test.ts evaluates the calls DMS makes against them.
import { objectArns, type Statement } from "../util/iam";
import { DMS_BUCKET_FOLDER } from "./dms-settings";

const DMS_PREFIX = `${DMS_BUCKET_FOLDER}/`;

/**
 * The S3 target's service access role (CHAP_Target.S3, "Prerequisites"): write and delete objects
 * and list the bucket — here under dms/ only. Not s3:PutObjectTagging (no tagging rules) nor
 * s3:PutObjectAcl (no canned ACL): the prerequisites list them for those features.
 */
export function replicationLakeStatements(a: { bucketArn: string }): Statement[] {
  return [
    {
      actions: ["s3:PutObject", "s3:DeleteObject"],
      resources: objectArns(a.bucketArn, DMS_PREFIX),
    },
    {
      actions: ["s3:ListBucket"],
      resources: [a.bucketArn],
      conditions: [
        {
          test: "StringLike",
          variable: "s3:prefix",
          values: [DMS_BUCKET_FOLDER, `${DMS_PREFIX}*`],
        },
      ],
    },
  ];
}

/**
 * The source endpoint's secret access role (security_iam_secretsmanager): read the Oracle
 * connection secret, nothing else. The secret is encrypted with Secrets Manager's default key,
 * which needs no kms: grant.
 */
export function replicationSecretStatements(a: { secretArn: string }): Statement[] {
  return [{ actions: ["secretsmanager:GetSecretValue"], resources: [a.secretArn] }];
}
