import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { type QualityFilter, qualityKeys } from "./keys";
import { qualityQuery } from "./useQualitySummary";

/** Sample failing rows, newest first. */
export const qualityFailuresQueryOptions = (f: QualityFilter, limit: number) =>
  queryOptions({
    queryKey: qualityKeys.failures(f, limit),
    queryFn: () =>
      call(api.quality.failures.$get({ query: { ...qualityQuery(f), limit: String(limit) } })),
    placeholderData: keepPreviousData,
  });

export const useQualityFailures = (f: QualityFilter, limit: number) =>
  useQuery(qualityFailuresQueryOptions(f, limit));
