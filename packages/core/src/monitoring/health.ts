// What /api/health checks when deployed, beyond the ops store, warehouse and lake: that the Glue
// and Step Functions APIs answer for the platform's own job and state machine. Each is the call
// the runs list makes, with one item, so a green check also means the console may list runs.
import { GetJobRunsCommand } from "@aws-sdk/client-glue";
import { ListExecutionsCommand } from "@aws-sdk/client-sfn";
import type { HealthCheck } from "../platform";
import type { AwsClients } from "../util/aws";

/** A health check waits this long, retries included, before it reports the dependency down. */
export const HEALTH_TIMEOUT_MS = 5000;

export function awsHealthChecks(
  clients: Pick<AwsClients, "glue" | "sfn">,
  targets: { glueJob?: string; stateMachineArn?: string },
  timeoutMs = HEALTH_TIMEOUT_MS,
): HealthCheck[] {
  const checks: HealthCheck[] = [];
  const { glueJob, stateMachineArn } = targets;
  if (glueJob) {
    checks.push({
      name: "glue",
      check: () =>
        clients.glue.send(new GetJobRunsCommand({ JobName: glueJob, MaxResults: 1 }), {
          abortSignal: AbortSignal.timeout(timeoutMs),
        }),
    });
  }
  if (stateMachineArn) {
    checks.push({
      name: "step functions",
      check: () =>
        clients.sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1 }), {
          abortSignal: AbortSignal.timeout(timeoutMs),
        }),
    });
  }
  return checks;
}
