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
