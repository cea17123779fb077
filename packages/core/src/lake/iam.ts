// The console's access to the lake when deployed: its health check lists the (empty) health/
// prefix, and its CDC page lists the DMS files waiting in dms/ and failed into error/dms/ (names
// and sizes only: no object is read). That is all it does there (files arrive in inbox/ through
// S3, not the API).
import type { Statement } from "../util/iam";

export const HEALTH_PREFIX = "health/";

/** What GET /api/cdc/tables lists (packages/core/src/cdc/status.ts). */
export const CDC_STATUS_PREFIXES = ["dms/", "error/dms/"];

export function lakeHealthCheckStatements(a: { bucketArn: string }): Statement[] {
  return [
    {
      actions: ["s3:ListBucket"],
      resources: [a.bucketArn],
      // ListObjectsV2 with exactly these prefixes (every page of a listing carries the same one).
      conditions: [
        {
          test: "StringEquals",
          variable: "s3:prefix",
          values: [HEALTH_PREFIX, ...CDC_STATUS_PREFIXES],
        },
      ],
    },
  ];
}
