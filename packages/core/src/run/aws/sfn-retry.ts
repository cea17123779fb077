// How a state machine's failed executions are retried, as its pipeline descriptor says. A redrive
// (RedriveExecution) resumes an execution from the state it failed in ("it continues the failed
// execution from the unsuccessful step and uses the same input" — Step Functions API reference,
// RedriveExecution). That is a retry only where the failed state is the work that failed. A
// machine that catches its failures into a Fail state (record the failure, park the file, then
// Fail) fails *in that Fail state*: a redrive re-enters it and fails again at once. Such a machine
// never redrives; its retry starts a new execution (StartExecution), whose input the pipeline may
// point at where the failed run left its work (a file moved to error/, say).
import type { Info } from "../run";

/** What a retry by StartExecution starts: the new execution's input, and what it will do. */
export interface RestartPlan {
  input: Record<string, unknown>;
  /** Completes "Starts a new execution <name> of <machine> (StartExecution) that …". */
  does: string;
}

export interface ExecutionRetry {
  /**
   * May a failed execution be redriven (when Step Functions allows it)? False for a machine whose
   * failures end in a Fail state: see above.
   */
  redrive: boolean;
  /**
   * The input of the new execution that retries a failed one, from the failed execution's input
   * and its run (with the stats its tasks recorded in the ops store). Default: the same input.
   */
  restart?(failed: { input: Record<string, unknown>; run: Info }): RestartPlan;
}

/** A machine no descriptor names (or an older config): redrive when AWS allows, else the same input. */
export const redriveWhenAllowed: ExecutionRetry = { redrive: true };
