// What every flow's Lambdas share: the ops store, the warehouse, the notifier and the metrics,
// bound to the deployed resources a flow's functions are linked to (read through SST's Resource).
// Each flow's *-deps.ts adds its own lake link (and what else only it has).
import { localNotifier } from "@cdp/core/alert/alert";
import { snsNotifier } from "@cdp/core/alert/sns";
import { s3Lake } from "@cdp/core/lake/s3";
import { emfMetrics } from "@cdp/core/metric/emf";
import { awsOps } from "@cdp/core/ops/aws";
import { readParameter } from "@cdp/core/util/ssm";
import { redshiftDataWarehouse } from "@cdp/core/warehouse/redshift-data";

/** The links every flow's functions have besides their lake (infra links exactly these). */
export interface FlowResources {
  Warehouse: { workgroup: string; database: string; secretArn: string; copyRoleArn: string };
  OpsStore: { clusterArn: string; secretArn: string; database: string };
  AlertWebhookUrl: { value: string };
  /** `runbookUrl`: where alert messages link their runbook section (infra/alerts.ts). */
  Alerts: { topicArn: string; consoleUrlParameter: string; runbookUrl?: string };
  App: { name: string; stage: string };
}

/** The ports of a flow whose lake link names the bucket `bucket`. */
export function flowDeps(r: FlowResources, bucket: string) {
  const ops = awsOps({
    resourceArn: r.OpsStore.clusterArn,
    secretArn: r.OpsStore.secretArn,
    database: r.OpsStore.database,
  }).db;
  return {
    lake: s3Lake(bucket),
    warehouse: redshiftDataWarehouse({
      workgroupName: r.Warehouse.workgroup,
      database: r.Warehouse.database,
      secretArn: r.Warehouse.secretArn,
    }),
    ops,
    // Alerts are stored in the ops store the console reads, then published to SNS; metrics go to
    // CloudWatch as EMF log lines (the Metrics page reads them back with GetMetricData).
    notifier: snsNotifier(
      localNotifier(ops, {
        webhookUrl: r.AlertWebhookUrl.value || undefined,
        runbookUrl: r.Alerts.runbookUrl,
      }),
      {
        topicArn: r.Alerts.topicArn,
        consoleUrl: () => readParameter(r.Alerts.consoleUrlParameter),
        stage: r.App.stage,
        runbookUrl: r.Alerts.runbookUrl,
      },
    ),
    metrics: emfMetrics(),
    s3: { bucket, iamRole: r.Warehouse.copyRoleArn },
  };
}
