// The run lifecycle as the ingest state machine's steps use it: alerts name the table and file.
import { type LifecycleDeps, type RunLifecycle, runLifecycle } from "../run/lifecycle";
import { ingestSubject } from "./model";

export function ingestLifecycle(deps: LifecycleDeps): RunLifecycle {
  return runLifecycle({ ...deps, subject: ingestSubject });
}
