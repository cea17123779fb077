// What the sync state machine's steps share (asl.ts draws the machine): their ports, the
// execution's input (an S3 event for a segmentation run's loaded marker, or the run's arguments),
// the run's lifecycle, and how the console retries a failed execution.
import { z } from "zod";
import type { Notifier } from "../../alert/alert";
import type { ObjectStore } from "../../lake/lake";
import type { Metrics } from "../../metric/metric";
import type { OpsDb } from "../../ops/db";
import type { ExecutionRetry } from "../../run/aws/sfn-retry";
import { type RunLifecycle, runLifecycle } from "../../run/lifecycle";
import type { Secrets } from "../../secrets/secrets";
import type { Warehouse } from "../../warehouse/warehouse";
import { SyncArgs } from "../model";
import type { SyncOptions } from "../sync";

export interface SyncMachineDeps {
  ops: OpsDb;
  lake: ObjectStore;
  warehouse: Warehouse;
  notifier: Notifier;
  metrics: Metrics;
  /** Where the Salesforce credentials and settings are read (deployed: the Secrets Manager secret). */
  secrets: Secrets;
  /** Overrides for tests; deployed, DEPLOYED_SYNC below. */
  options?: SyncOptions;
}

/**
 * A Lambda runs 15 minutes at most: a Bulk API 2.0 job still running after 10 is left to a later
 * run (its records are kept as unsent and owed again), so the function ends cleanly, not killed.
 */
export const DEPLOYED_SYNC: SyncOptions = {
  poll: { initialMs: 2000, maxMs: 30_000, timeoutMs: 10 * 60_000 },
};

/** The S3 "Object Created" event EventBridge starts the machine with (infra/salesforce.ts). */
const ObjectCreated = z.looseObject({
  detail: z.looseObject({
    bucket: z.looseObject({ name: z.string() }),
    object: z.looseObject({ key: z.string() }),
  }),
});

/**
 * The run's arguments from the execution's input: an S3 event (a segmentation run was loaded)
 * syncs the latest segmentation with the defaults, and names the marker that started it; any other
 * input is `cdp sync salesforce`'s arguments (`{}`, `{"dryRun": true}`, `{"retryFailedOf": …}`).
 */
export function syncArgsOf(input: unknown): { args: SyncArgs; trigger: string | null } {
  const event = ObjectCreated.safeParse(input);
  if (event.success) {
    return { args: SyncArgs.parse({}), trigger: event.data.detail.object.key };
  }
  return { args: SyncArgs.parse(input ?? {}), trigger: null };
}

export function syncLifecycle(deps: Pick<SyncMachineDeps, "ops" | "metrics" | "notifier">) {
  return runLifecycle(deps) as RunLifecycle;
}

/**
 * The console's retry of a failed execution: never a redrive (every failure ends in a Fail state)
 * but a new execution with the same input. It sends what is still owed: the records the failed run
 * did not get accepted are not in the snapshot, so the diff owes them again, with anything changed
 * since.
 */
export const syncRetry: ExecutionRetry = {
  redrive: false,
  restart: ({ input }) => ({
    input,
    does: "diffs the latest segmentation against what Salesforce accepted and sends what is owed, the failed run's records included",
  }),
};
