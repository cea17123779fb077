// Reading the platform's metrics back (the console's Metrics page). Writing them needs nothing:
// the functions log EMF lines, which CloudWatch Logs turns into metrics.
import type { Statement } from "../util/iam";

/** GetMetricData takes no resource (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html). */
export function metricsReadStatements(): Statement[] {
  return [{ actions: ["cloudwatch:GetMetricData"], resources: ["*"] }];
}
