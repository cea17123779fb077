// What each retry action means, in one exhaustive switch (the API's closed set).
import type { RetryAction } from "../api/client";
import { assertNever } from "./status";

export function retryActionLook(action: RetryAction): { label: string; meaning: string } {
  switch (action) {
    case "rerun":
      return { label: "Rerun", meaning: "runs the same work again with the same arguments" };
    case "redrive":
      return {
        label: "Redrive",
        meaning: "resumes the failed execution from the failed state",
      };
    case "restart":
      return { label: "Restart", meaning: "starts a new execution of the same work" };
    default:
      return assertNever(action);
  }
}

/** Whether a retry of a failed run can work, in one exhaustive switch (the API's closed set). */
export function failureClassLook(c: "transient" | "needs_fix"): {
  label: string;
  meaning: string;
  tone: string;
} {
  switch (c) {
    case "transient":
      return {
        label: "Transient",
        meaning:
          "it failed on something passing (a timeout, an unreachable warehouse, a bug); a retry may work.",
        tone: "border-zinc-200 bg-zinc-50 text-zinc-700",
      };
    case "needs_fix":
      return {
        label: "Needs a fix",
        meaning:
          "it failed on its data or configuration; a retry repeats it with the same arguments and fails the same way.",
        tone: "border-amber-200 bg-amber-50 text-amber-900",
      };
    default:
      return assertNever(c);
  }
}
