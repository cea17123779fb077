// What the cdc Lambdas share: their ports bound to the deployed resources they are linked to (read
// through SST's Resource), made once per container. The Plan function alone is linked to
// CdcExecutions (its own machine's executions, turn.ts).
import { localNotifier } from "@cdp/core/alert/alert";
import { snsNotifier } from "@cdp/core/alert/sns";
import type { CdcMachineDeps } from "@cdp/core/cdc/machine";
import { sfnExecutions } from "@cdp/core/cdc/sfn";
import { s3Lake } from "@cdp/core/lake/s3";
import { emfMetrics } from "@cdp/core/metric/emf";
import { awsOps } from "@cdp/core/ops/aws";
import { awsClients } from "@cdp/core/util/aws";
import { readParameter } from "@cdp/core/util/ssm";
import { redshiftDataWarehouse } from "@cdp/core/warehouse/redshift-data";
import { Resource } from "sst";

/** The linked resources these functions read (infra/cdc.ts links exactly these). */
export interface CdcResources {
  CdcLake: { name: string };
  Warehouse: { workgroup: string; database: string; secretArn: string; copyRoleArn: string };
  OpsStore: { clusterArn: string; secretArn: string; database: string };
  AlertWebhookUrl: { value: string };
  Alerts: { topicArn: string; consoleUrlParameter: string };
  App: { name: string; stage: string };
  /** Plan only. */
  CdcExecutions?: { name: string };
}

// sst-env.d.ts (which types Resource) is generated on deploy; this is the shape infra links.
const linked = () => Resource as unknown as CdcResources;

let deps: CdcMachineDeps | undefined;

export function cdcDeps(): CdcMachineDeps {
  if (deps) return deps;
  const r = linked();
  const ops = awsOps({
    resourceArn: r.OpsStore.clusterArn,
    secretArn: r.OpsStore.secretArn,
    database: r.OpsStore.database,
  }).db;
  const region = process.env.AWS_REGION;
  deps = {
    lake: s3Lake(r.CdcLake.name),
    warehouse: redshiftDataWarehouse({
      workgroupName: r.Warehouse.workgroup,
      database: r.Warehouse.database,
      secretArn: r.Warehouse.secretArn,
    }),
    ops,
    notifier: snsNotifier(
      localNotifier(ops, { webhookUrl: r.AlertWebhookUrl.value || undefined }),
      {
        topicArn: r.Alerts.topicArn,
        consoleUrl: () => readParameter(r.Alerts.consoleUrlParameter),
        stage: r.App.stage,
      },
    ),
    metrics: emfMetrics(),
    s3: { bucket: r.CdcLake.name, iamRole: r.Warehouse.copyRoleArn },
    ...("CdcExecutions" in r && region
      ? { executions: sfnExecutions(awsClients(region).sfn) }
      : {}),
  };
  return deps;
}
