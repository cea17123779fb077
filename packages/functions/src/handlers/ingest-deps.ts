// What the ingest Lambdas share: their ports bound to the deployed resources they are linked to
// (read through SST's Resource), made once per container.
import { localNotifier } from "@cdp/core/alert/alert";
import type { MachineDeps } from "@cdp/core/ingest/machine";
import { s3Lake } from "@cdp/core/lake/s3";
import { localMetrics } from "@cdp/core/metric/metric";
import { awsOps } from "@cdp/core/ops/aws";
import { redshiftDataWarehouse } from "@cdp/core/warehouse/redshift-data";
import { Resource } from "sst";

/** The linked resources these functions read (infra/ingest.ts links exactly these). */
export interface IngestResources {
  IngestLake: { name: string };
  Warehouse: { workgroup: string; database: string; secretArn: string; copyRoleArn: string };
  OpsDb: { clusterArn: string; secretArn: string; database: string };
  AlertWebhookUrl: { value: string };
}

// sst-env.d.ts (which types Resource) is generated on deploy; this is the shape infra links.
const linked = () => Resource as unknown as IngestResources;

let deps: MachineDeps | undefined;

export function ingestDeps(): MachineDeps {
  if (deps) return deps;
  const r = linked();
  const ops = awsOps({
    resourceArn: r.OpsDb.clusterArn,
    secretArn: r.OpsDb.secretArn,
    database: r.OpsDb.database,
  }).db;
  deps = {
    lake: s3Lake(r.IngestLake.name),
    warehouse: redshiftDataWarehouse({
      workgroupName: r.Warehouse.workgroup,
      database: r.Warehouse.database,
      secretArn: r.Warehouse.secretArn,
    }),
    ops,
    // Alerts and metrics go to the ops store the console reads; SNS and CloudWatch delivery
    // belong to monitoring.
    notifier: localNotifier(ops, { webhookUrl: r.AlertWebhookUrl.value || undefined }),
    metrics: localMetrics(ops),
    s3: { bucket: r.IngestLake.name, iamRole: r.Warehouse.copyRoleArn },
  };
  return deps;
}
