// Which pipeline the Runs page's start button runs, and the hint it gives for it.

/** What each startable pipeline does, for the start button's hint. */
const startHints: Record<string, string> = {
  selftest: "checks the ops store, warehouse and lake in a few seconds",
  housekeeping: "lake retention and orphaned staging tables, as the scheduler runs it",
};

export const startTitle = (pipeline: string) =>
  `Start ${pipeline}${startHints[pipeline] ? `: ${startHints[pipeline]}` : ""}`;

/** The pipeline the start button runs: the one picked if it can start, else selftest, else any. */
export function pipelineToStart(chosen: string | null, startable: string[]): string | null {
  if (chosen && startable.includes(chosen)) return chosen;
  return startable.includes("selftest") ? "selftest" : (startable[0] ?? null);
}
