// What the ingest Lambdas share: their ports bound to the deployed resources they are linked to
// (read through SST's Resource), made once per container.
import type { MachineDeps } from "@cdp/core/ingest/machine";
import { Resource } from "sst";
import { type FlowResources, flowDeps } from "./flow-deps";

/** The linked resources these functions read (infra/ingest.ts links exactly these). */
export interface IngestResources extends FlowResources {
  IngestLake: { name: string };
}

// sst-env.d.ts (which types Resource) is generated on deploy; this is the shape infra links.
const linked = () => Resource as unknown as IngestResources;

let deps: MachineDeps | undefined;

export function ingestDeps(): MachineDeps {
  if (deps) return deps;
  const r = linked();
  deps = flowDeps(r, r.IngestLake.name);
  return deps;
}
