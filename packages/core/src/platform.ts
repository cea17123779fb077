// What the API and CLI need from a running platform, whichever runtime provides it.
import type { Notifier } from "./alert/alert";
import type { ObjectStore } from "./lake/lake";
import type { Metrics } from "./metric/metric";
import type { OpsStore } from "./ops/db";
import type { LocalRunner } from "./run/local-runner";
import type { Operations } from "./run/operations";
import type { Warehouse } from "./warehouse/warehouse";

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
  /** The pipelines whose runs this platform lists (their names, for filters). */
  readonly pipelines: readonly string[];
  /** The in-process job runner (local runtime only). */
  readonly runner?: LocalRunner;
  close(): Promise<void>;
}
