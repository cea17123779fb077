// What the sync Lambdas share: their ports bound to the deployed resources they are linked to (read
// through SST's Resource; flow-deps.ts). The Salesforce secret is read afresh for each invocation,
// so a value put into it is used by the next run without a deploy.
import { secretsManagerSecrets } from "@cdp/core/secrets/aws";
import type { SyncMachineDeps } from "@cdp/core/sync/aws/machine";
import { Resource } from "sst";
import { type FlowResources, flowDeps } from "./flow-deps";

/** The linked resources these functions read (infra/salesforce.ts links exactly these). */
export interface SyncResources extends FlowResources {
  SyncLake: { name: string };
  /** The Secrets Manager secret holding the Salesforce credentials (its JSON: README). */
  SalesforceSecret: { name: string; arn: string };
}

// sst-env.d.ts (which types Resource) is generated on deploy; this is the shape infra links.
const linked = () => Resource as unknown as SyncResources;

let ports: Omit<SyncMachineDeps, "secrets"> | undefined;

export function syncDeps(): SyncMachineDeps {
  const r = linked();
  if (!ports) {
    const { lake, warehouse, ops, notifier, metrics } = flowDeps(r, r.SyncLake.name);
    ports = { lake, warehouse, ops, notifier, metrics };
  }
  return { ...ports, secrets: secretsManagerSecrets(r.SalesforceSecret.name) };
}
