// What the API and CLI need from a running platform, whichever runtime provides it.
import type { Notifier } from "./alert/alert";
import type { ObjectStore } from "./lake/lake";
import type { Metrics } from "./metric/metric";
import type { OpsStore } from "./ops/db";
import type { AnyPipeline } from "./pipelines";
import type { Operations } from "./run/operations";
import type { Info } from "./run/run";
import type { Warehouse } from "./warehouse/warehouse";

/**
 * Starting runs by hand. Locally the in-process runner starts them; deployed, their triggers do
 * (a file in the inbox, a schedule), so `startable` is false and `start` refuses.
 */
export interface RunStarter {
  readonly startable: boolean;
  /** Record a run of `pipeline` with these arguments (checked against its schema) and start it. */
  start(pipeline: string, args: Record<string, unknown>): Promise<Info>;
  /** The run once it has finished (deployed: as it is now). */
  wait(id: string): Promise<Info>;
}

/** A dependency /api/health reports beyond the ones every platform has. */
export interface HealthCheck {
  name: string;
  /** A cheap call that throws when the dependency can't be used. */
  check(): Promise<unknown>;
}

export interface Platform {
  readonly runtime: "local" | "aws";
  readonly ops: OpsStore;
  readonly operations: Operations;
  readonly lake: ObjectStore;
  readonly notifier: Notifier;
  readonly metrics: Metrics;
  /** Opened on first use: the warehouse is the slowest thing to open. */
  warehouse(): Promise<Warehouse>;
  /** Checks beyond the ops store, warehouse and object store (deployed: Glue, Step Functions). */
  readonly extraChecks?: readonly HealthCheck[];
  /** The pipelines this platform runs (the registry's descriptors it has engines for). */
  readonly pipelines: readonly AnyPipeline[];
  readonly starter: RunStarter;
  /** The runbook's address alerts link (monitoring/runbook.ts's `runbookBaseUrl`, the default). */
  readonly runbookUrl?: string;
  close(): Promise<void>;
}
