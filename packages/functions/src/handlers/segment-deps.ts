// What the segment Lambdas share: their ports bound to the deployed resources they are linked to
// (read through SST's Resource), made once per container. The feature query and the labels are the
// segment pipeline's own (features.ts, explain.ts: segment/sagemaker/seams.ts, the steps' default).
import { localNotifier } from "@cdp/core/alert/alert";
import { snsNotifier } from "@cdp/core/alert/sns";
import { s3Lake } from "@cdp/core/lake/s3";
import { emfMetrics } from "@cdp/core/metric/emf";
import { awsOps } from "@cdp/core/ops/aws";
import type { SegmentMachineDeps } from "@cdp/core/segment/sagemaker/machine";
import { readParameter } from "@cdp/core/util/ssm";
import { redshiftDataWarehouse } from "@cdp/core/warehouse/redshift-data";
import { Resource } from "sst";

/** The linked resources these functions read (infra/ml.ts links exactly these). */
export interface SegmentResources {
  SegmentLake: { name: string };
  Warehouse: { workgroup: string; database: string; secretArn: string; copyRoleArn: string };
  OpsStore: { clusterArn: string; secretArn: string; database: string };
  AlertWebhookUrl: { value: string };
  /** `runbookUrl`: where alert messages link their runbook section (infra/alerts.ts). */
  Alerts: { topicArn: string; consoleUrlParameter: string; runbookUrl?: string };
  App: { name: string; stage: string };
}

// sst-env.d.ts (which types Resource) is generated on deploy; this is the shape infra links.
const linked = () => Resource as unknown as SegmentResources;

let deps: SegmentMachineDeps | undefined;

export function segmentDeps(): SegmentMachineDeps {
  if (deps) return deps;
  const r = linked();
  const ops = awsOps({
    resourceArn: r.OpsStore.clusterArn,
    secretArn: r.OpsStore.secretArn,
    database: r.OpsStore.database,
  }).db;
  deps = {
    lake: s3Lake(r.SegmentLake.name),
    warehouse: redshiftDataWarehouse({
      workgroupName: r.Warehouse.workgroup,
      database: r.Warehouse.database,
      secretArn: r.Warehouse.secretArn,
    }),
    ops,
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
    bucket: r.SegmentLake.name,
    iamRole: r.Warehouse.copyRoleArn,
  };
  return deps;
}
