// The console's access to the lake when deployed: its health check lists the (empty) health/
// prefix, and that is all it does there (files arrive in inbox/ through S3, not the API).
import type { Statement } from "../util/iam";

export const HEALTH_PREFIX = "health/";

export function lakeHealthCheckStatements(a: { bucketArn: string }): Statement[] {
  return [
    {
      actions: ["s3:ListBucket"],
      resources: [a.bucketArn],
      conditions: [{ test: "StringEquals", variable: "s3:prefix", values: [HEALTH_PREFIX] }],
    },
  ];
}
