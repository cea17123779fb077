// What the ingest Lambdas share: their ports bound to the deployed resources they are linked to
// (read through SST's Resource), made once per container.
import { localNotifier } from "@cdp/core/alert/alert";
import { snsNotifier } from "@cdp/core/alert/sns";
import type { MachineDeps } from "@cdp/core/ingest/machine";
import { s3Lake } from "@cdp/core/lake/s3";
import { emfMetrics } from "@cdp/core/metric/emf";
import { awsOps } from "@cdp/core/ops/aws";
import { readParameter } from "@cdp/core/util/ssm";
import { redshiftDataWarehouse } from "@cdp/core/warehouse/redshift-data";
import { Resource } from "sst";

/** The linked resources these functions read (infra/ingest.ts links exactly these). */
export interface IngestResources {
  IngestLake: { name: string };
  Warehouse: { workgroup: string; database: string; secretArn: string; copyRoleArn: string };
  OpsStore: { clusterArn: string; secretArn: string; database: string };
  AlertWebhookUrl: { value: string };
  Alerts: { topicArn: string; consoleUrlParameter: string };
  App: { name: string; stage: string };
}

// sst-env.d.ts (which types Resource) is generated on deploy; this is the shape infra links.
const linked = () => Resource as unknown as IngestResources;

let deps: MachineDeps | undefined;

export function ingestDeps(): MachineDeps {
  if (deps) return deps;
  const r = linked();
  const ops = awsOps({
    resourceArn: r.OpsStore.clusterArn,
    secretArn: r.OpsStore.secretArn,
    database: r.OpsStore.database,
  }).db;
  deps = {
    lake: s3Lake(r.IngestLake.name),
    warehouse: redshiftDataWarehouse({
      workgroupName: r.Warehouse.workgroup,
      database: r.Warehouse.database,
      secretArn: r.Warehouse.secretArn,
    }),
    ops,
    // Alerts are stored in the ops store the console reads, then published to SNS; metrics go to
    // CloudWatch as EMF log lines (the Metrics page reads them back with GetMetricData).
    notifier: snsNotifier(
      localNotifier(ops, { webhookUrl: r.AlertWebhookUrl.value || undefined }),
      {
        topicArn: r.Alerts.topicArn,
        consoleUrl: () => readParameter(r.Alerts.consoleUrlParameter),
        stage: r.App.stage,
      },
    ),
    metrics: emfMetrics(),
    s3: { bucket: r.IngestLake.name, iamRole: r.Warehouse.copyRoleArn },
  };
  return deps;
}
