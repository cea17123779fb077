// An alert's kind in words; exhaustive, so a new kind fails the typecheck until it has a label.
import type { Alert } from "../../api/client";
import { assertNever } from "../../lib/status";

export function kindLabel(kind: Alert["kind"]): string {
  switch (kind) {
    case "quarantine":
      return "Quarantine";
    case "run_failed":
      return "Run failed";
    case "file_rejected":
      return "File rejected";
    default:
      return assertNever(kind);
  }
}
