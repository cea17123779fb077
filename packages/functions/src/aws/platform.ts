// The deployed runtime's composition root: every port bound to its AWS adapter, read from the
// resources SST links to the function (the console API; see infra/console.ts). Made once per Lambda
// container. `composeAwsPlatform` takes everything explicitly, for tests and other entry points.
import { localNotifier, type Notifier } from "@cdp/core/alert/alert";
import { snsNotifier } from "@cdp/core/alert/sns";
import { audited } from "@cdp/core/audit/audit";
import type { ObjectStore } from "@cdp/core/lake/lake";
import { s3Lake } from "@cdp/core/lake/s3";
import { emfMetrics } from "@cdp/core/metric/emf";
import type { Metrics } from "@cdp/core/metric/metric";
import { awsHealthChecks } from "@cdp/core/monitoring/health";
import { awsOps } from "@cdp/core/ops/aws";
import type { OpsStore } from "@cdp/core/ops/db";
import { operatedMachine, pipelines } from "@cdp/core/pipelines";
import type { Platform } from "@cdp/core/platform";
import type { GlueJobConfig } from "@cdp/core/run/aws/glue";
import { awsOperations } from "@cdp/core/run/aws/operations";
import type { StateMachineConfig } from "@cdp/core/run/aws/sfn";
import { type AwsClients, awsClients } from "@cdp/core/util/aws";
import { VisibleError } from "@cdp/core/util/error";
import { readParameter } from "@cdp/core/util/ssm";
import { redshiftDataWarehouse } from "@cdp/core/warehouse/redshift-data";
import type { Warehouse } from "@cdp/core/warehouse/warehouse";
import { Resource } from "sst";
import { z } from "zod";

/**
 * The linked resources the console API reads. infra links them by these names; the optional ones
 * are read when linked (a stage without a flow simply doesn't link it).
 */
export interface AwsResources {
  App: { name: string; stage: string };
  ConsoleLake: { name: string };
  Warehouse: { workgroup: string; database: string; secretArn: string };
  OpsStore: { clusterArn: string; secretArn: string; database: string };
  IngestMachine?: { arn: string; name: string };
  IngestJob?: { name: string; arn: string };
  CdcMachine?: { arn: string; name: string };
  CdcJob?: { name: string; arn: string };
  Alerts?: { topicArn: string; consoleUrlParameter: string; runbookUrl?: string };
  Metrics?: { namespace: string };
}

export interface AwsPlatformParts {
  region: string;
  stage?: string;
  ops: OpsStore;
  lake: ObjectStore;
  warehouse: () => Promise<Warehouse>;
  clients: AwsClients;
  /** Glue jobs whose runs the console lists and retries on their own. */
  glueJobs: GlueJobConfig[];
  /** State machines whose executions the console lists, redrives and restarts. */
  stateMachines: StateMachineConfig[];
  /** What /api/health calls beyond the ops store, warehouse and lake. */
  health: { glueJob?: string; stateMachineArn?: string };
  alerts?: {
    topicArn: string;
    consoleUrl?: () => Promise<string | undefined>;
    /** Where alert messages link their runbook section. */
    runbookUrl?: string;
  };
  /** Where run metrics are recorded and the Metrics page reads them (default: EMF, CloudWatch). */
  metrics?: Metrics;
  /** The CloudWatch namespace the Metrics page reads (default "CDP"). */
  metricsNamespace?: string;
}

export function composeAwsPlatform(parts: AwsPlatformParts): Platform {
  const { ops, clients } = parts;
  const store = localNotifier(ops.db, { runbookUrl: parts.alerts?.runbookUrl });
  const notifier: Notifier = parts.alerts
    ? snsNotifier(store, { ...parts.alerts, stage: parts.stage })
    : store;
  const operations = awsOperations({
    clients,
    config: {
      region: parts.region,
      glueJobs: parts.glueJobs,
      // Each with its pipeline's retry: the ingest machine never redrives (it fails in a Fail state).
      stateMachines: parts.stateMachines.map(operatedMachine),
    },
    db: ops.db,
  });
  let warehouse: Promise<Warehouse> | undefined;
  const deployed = [
    ...new Set([
      ...parts.glueJobs.map((j) => j.pipeline ?? j.name),
      ...parts.stateMachines.map((m) => m.pipeline),
    ]),
  ];
  return {
    runtime: "aws",
    runbookUrl: parts.alerts?.runbookUrl,
    pipelines: pipelines.filter((p) => deployed.includes(p.name)),
    starter: {
      startable: false,
      start: async () => {
        throw new VisibleError(
          "input",
          "run.not_local",
          "runs are started by their triggers when deployed",
        );
      },
      wait: (id) => operations.get(id),
    },
    ops,
    lake: parts.lake,
    notifier,
    metrics:
      parts.metrics ??
      emfMetrics({
        namespace: parts.metricsNamespace,
        cloudwatch: clients.cloudwatch,
        pipelines: deployed,
      }),
    operations: audited(operations, ops.db),
    warehouse: () => {
      warehouse ??= parts.warehouse();
      return warehouse;
    },
    extraChecks: awsHealthChecks(clients, parts.health),
    async close() {
      if (warehouse) await (await warehouse).close();
      await ops.close();
    },
  };
}

const LinkedMachine = z.object({ arn: z.string(), name: z.string() });

/** The state machine infra linked under `resource` (a pipeline descriptor names it), if any. */
function linkedMachine(r: AwsResources, resource: string) {
  const linked = LinkedMachine.safeParse(
    Object.entries(r).find(([name]) => name === resource)?.[1],
  );
  return linked.success ? linked.data : undefined;
}

/** The parts, from what SST linked to this function. */
export function partsFromResources(r: AwsResources, region: string): AwsPlatformParts {
  const stateMachines: StateMachineConfig[] = pipelines.flatMap((p) => {
    const machine = p.stateMachine && linkedMachine(r, p.stateMachine.resource);
    return machine ? [{ arn: machine.arn, pipeline: p.name }] : [];
  });
  const parameter = r.Alerts?.consoleUrlParameter;
  return {
    region,
    stage: r.App.stage,
    ops: awsOps(
      {
        resourceArn: r.OpsStore.clusterArn,
        secretArn: r.OpsStore.secretArn,
        database: r.OpsStore.database,
      },
      undefined,
      // API Gateway gives up after 30 s: wait for a paused ops store to resume for 25 s at most,
      // then answer 503 ops.resuming (the resume goes on; the next request finds it up).
      { maxWaitMs: 25_000 },
    ),
    lake: s3Lake(r.ConsoleLake.name),
    warehouse: async () =>
      redshiftDataWarehouse({
        workgroupName: r.Warehouse.workgroup,
        database: r.Warehouse.database,
        secretArn: r.Warehouse.secretArn,
      }),
    clients: awsClients(region),
    // The ingest Glue job runs inside the ingest state machine: the console lists and retries the
    // execution (a new one that re-ingests the file); listing the job's runs too would offer a
    // second retry of the same failure that skips the report step. Standalone jobs are added here
    // when they exist.
    glueJobs: [],
    stateMachines,
    health: { glueJob: r.IngestJob?.name, stateMachineArn: r.IngestMachine?.arn },
    metricsNamespace: r.Metrics?.namespace,
    alerts: r.Alerts && {
      topicArn: r.Alerts.topicArn,
      consoleUrl: parameter ? () => readParameter(parameter) : undefined,
      runbookUrl: r.Alerts.runbookUrl,
    },
  };
}

/** The names SST linked (sst-env.d.ts types Resource only after a deploy; this is the shape). */
function linkedResources(): AwsResources {
  const r = Resource as unknown as Record<string, unknown>;
  const optional = <K extends keyof AwsResources>(name: K) =>
    (name in r ? r[name] : undefined) as AwsResources[K];
  return {
    App: r.App as AwsResources["App"],
    ConsoleLake: r.ConsoleLake as AwsResources["ConsoleLake"],
    Warehouse: r.Warehouse as AwsResources["Warehouse"],
    OpsStore: r.OpsStore as AwsResources["OpsStore"],
    IngestMachine: optional("IngestMachine"),
    IngestJob: optional("IngestJob"),
    CdcMachine: optional("CdcMachine"),
    CdcJob: optional("CdcJob"),
    Alerts: optional("Alerts"),
    Metrics: optional("Metrics"),
  };
}

let platform: Platform | undefined;

/** The deployed platform, made on first use and kept for the container's life. */
export function awsPlatform(): Platform {
  const region = process.env.AWS_REGION;
  if (!region) throw new Error("AWS_REGION is not set: awsPlatform() runs inside Lambda");
  platform ??= composeAwsPlatform(partsFromResources(linkedResources(), region));
  return platform;
}
