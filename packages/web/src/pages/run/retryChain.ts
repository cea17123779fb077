// A run's retry chain as the page shows it.
import type { RunDetail } from "../../api/client";

/**
 * The chain the API sends, with this run in it. (core's retryChain drops the run itself when
 * it is a retry — its forward walk stops at ids the backward walk saw — so add it back.)
 */
export function chainOf(run: RunDetail): RunDetail["chain"] {
  if (run.chain.some((r) => r.id === run.id)) return run.chain;
  const { chain: _c, retry: _r, engineDetail: _e, links: _l, ...self } = run;
  return [...run.chain.filter((r) => r.createdAt <= run.createdAt), self];
}
