import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { type QualityFilter, type QualityWindow, qualityKeys } from "./keys";

const windowMs: Record<QualityWindow, number | null> = {
  "24h": 86_400_000,
  "7d": 7 * 86_400_000,
  "30d": 30 * 86_400_000,
  all: null,
};

/** The `since` a window means, computed when the query runs (the key holds the window). */
export function sinceOf(window: QualityWindow, now = Date.now()): string | undefined {
  const ms = windowMs[window];
  return ms === null ? undefined : new Date(now - ms).toISOString();
}

export const qualityQuery = (f: QualityFilter) => ({
  table: f.table || undefined,
  rule: f.rule || undefined,
  runId: f.runId || undefined,
  since: sinceOf(f.window),
  status: f.status,
});

export const qualitySummaryQueryOptions = (f: QualityFilter) =>
  queryOptions({
    queryKey: qualityKeys.summary(f),
    queryFn: () => call(api.quality.summary.$get({ query: qualityQuery(f) })),
    placeholderData: keepPreviousData,
  });

export const useQualitySummary = (f: QualityFilter) => useQuery(qualitySummaryQueryOptions(f));
