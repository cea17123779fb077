// Whether a failed run's retry may work, decided where the failure is known: "transient" (the
// warehouse was unreachable, a timeout, throttling, a bug — a retry may work) or "needs_fix" (the
// data or configuration: a retry repeats the same arguments and fails the same way until it
// changes). Executors pass the class with the outcome; what they do not class is transient.
import { VisibleError } from "../util/error";
import type { FailureClass, Info } from "./run";

export interface Failure {
  failureClass: FailureClass;
  /** For "needs_fix": what must change before a retry can succeed, in a sentence. */
  failureHint: string | null;
}

export const transient: Failure = { failureClass: "transient", failureHint: null };

export function needsFix(hint: string): Failure {
  return { failureClass: "needs_fix", failureHint: hint };
}

/** What an input error (VisibleError kind "input") says must change, when nothing says more. */
export const INPUT_HINT =
  "the file, the run's arguments or the table's settings in rules.ts — whatever the error names";

/**
 * The class of an error that stopped a run: a VisibleError of kind "input" is the data or the
 * configuration (needs a fix); anything else — a dropped connection, a timeout, a bug — may pass.
 */
export function classifyError(err: unknown, hint = INPUT_HINT): Failure {
  return err instanceof VisibleError && err.kind === "input" ? needsFix(hint) : transient;
}

/** A run's class as a retry sees it: unclassed failures (older runs, engines') count as transient. */
export function retryNeedsFix(run: Pick<Info, "failureClass">): boolean {
  return run.failureClass === "needs_fix";
}

/** What the console and the API say before retrying a run that needs a fix. */
export function needsFixWarning(run: Pick<Info, "failureHint">): string {
  const what = run.failureHint ? `: ${run.failureHint}` : "";
  return `This run failed on its data or configuration, not on a passing fault. A retry repeats it with the same arguments and will fail the same way until that is fixed${what}.`;
}

/** How a resolved run's alerts say what resolved them. */
export const resolutionOf = (resolvedBy: string) =>
  `resolved by run ${resolvedBy} (retry succeeded)`;
