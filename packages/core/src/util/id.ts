// Ids carry their kind (`run_01J…`) and sort by creation time, so cursors can be plain ids.
import { monotonicFactory } from "ulid";

const next = monotonicFactory();

export const prefixes = {
  run: "run",
  qualityFailure: "qf",
  schemaChange: "sc",
  alert: "alr",
  audit: "aud",
} as const;

export function createId(kind: keyof typeof prefixes): string {
  return `${prefixes[kind]}_${next()}`;
}
