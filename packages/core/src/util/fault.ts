// Test-only fault points: named places in a run (inside the ingest merge's transaction, a CDC
// file's commit, between a sync's batches) where the fault-injection suite stops a run on purpose,
// so a `kill -9` or a stopped warehouse lands mid-run every time, not by luck of timing.
//
// CDP_FAULT_PAUSE=<point>[,<point>…] (a test-only environment variable: never set it in
// production) makes a process that reaches one of those points print
// `fault point <point>: paused` on stderr and wait there for good — the test then kills it.
// In-process tests register a hook with `onFaultPoint` instead. Unset, a fault point costs one
// lookup.

export type FaultPointName = "ingest.merge" | "cdc.commit" | "sync.batch";

const hooks = new Map<FaultPointName, () => Promise<void> | void>();

/** Run `hook` whenever a run reaches `point` (in this process); returns the unregister. */
export function onFaultPoint(point: FaultPointName, hook: () => Promise<void> | void) {
  hooks.set(point, hook);
  return () => {
    if (hooks.get(point) === hook) hooks.delete(point);
  };
}

export async function faultPoint(point: FaultPointName): Promise<void> {
  const hook = hooks.get(point);
  if (hook) return hook();
  if (process.env.CDP_FAULT_PAUSE?.split(",").includes(point)) {
    process.stderr.write(`fault point ${point}: paused (CDP_FAULT_PAUSE, test only)\n`);
    await new Promise<never>(() => {});
  }
}
