// Links from an ingest run to its failing rows on the Quality page, all time, open or fixed since,
// maybe one rule.
export const qualityLink = (runId: string, rule?: string) =>
  `/quality?${new URLSearchParams({ run: runId, window: "all", status: "all", ...(rule ? { rule } : {}) })}`;
