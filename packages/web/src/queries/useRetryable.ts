import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { type RunFilter, runKeys } from "./keys";

/** The server-side filter of a bulk retry: the list filter without its page. */
export const bulkFilterOf = (f: RunFilter) => ({
  status: f.status.join(",") || undefined,
  pipeline: f.pipeline.join(",") || undefined,
  from: f.from,
  to: f.to,
});

// Asked when the confirmation opens, and always fresh: it is what the operator confirms.
export const retryableQueryOptions = (f: RunFilter) =>
  queryOptions({
    queryKey: runKeys.retryable(f),
    queryFn: () => call(api.runs.retryable.$get({ query: bulkFilterOf(f) })),
    staleTime: 0,
    gcTime: 0,
  });

export const useRetryable = (f: RunFilter, enabled: boolean) =>
  useQuery({ ...retryableQueryOptions(f), enabled });
