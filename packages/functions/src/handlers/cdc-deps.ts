// What the cdc Lambdas share: their ports bound to the deployed resources they are linked to (read
// through SST's Resource), made once per container. The Plan function alone is linked to
// CdcExecutions (its own machine's executions, turn.ts).
import type { CdcMachineDeps } from "@cdp/core/cdc/machine";
import { sfnExecutions } from "@cdp/core/cdc/sfn";
import { awsClients } from "@cdp/core/util/aws";
import { Resource } from "sst";
import { type FlowResources, flowDeps } from "./flow-deps";

/** The linked resources these functions read (infra/cdc.ts links exactly these). */
export interface CdcResources extends FlowResources {
  CdcLake: { name: string };
  /** Plan only. */
  CdcExecutions?: { name: string };
}

// sst-env.d.ts (which types Resource) is generated on deploy; this is the shape infra links.
const linked = () => Resource as unknown as CdcResources;

let deps: CdcMachineDeps | undefined;

export function cdcDeps(): CdcMachineDeps {
  if (deps) return deps;
  const r = linked();
  const region = process.env.AWS_REGION;
  deps = {
    ...flowDeps(r, r.CdcLake.name),
    ...("CdcExecutions" in r && region
      ? { executions: sfnExecutions(awsClients(region).sfn) }
      : {}),
  };
  return deps;
}
