import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { hidesResolved, isActive } from "../lib/status";
import { type RunFilter, runKeys } from "./keys";

/** Poll while anything on the page is still going; otherwise stay quiet. */
export const ACTIVE_POLL_MS = 1000;

export const runsQueryOptions = (filter: RunFilter) =>
  queryOptions({
    queryKey: runKeys.list(filter),
    queryFn: () =>
      call(
        api.runs.$get({
          query: {
            status: filter.status.join(",") || undefined,
            pipeline: filter.pipeline.join(",") || undefined,
            from: filter.from,
            to: filter.to,
            resolved: hidesResolved(filter) ? "false" : undefined,
            cursor: filter.cursor,
            limit: String(filter.limit),
          },
        }),
      ),
    refetchInterval: (query) =>
      query.state.data?.items.some((r) => isActive(r.status)) ? ACTIVE_POLL_MS : false,
    // Paging and filtering keep the old rows on screen until the new ones arrive.
    placeholderData: keepPreviousData,
  });

export const useRuns = (filter: RunFilter) => useQuery(runsQueryOptions(filter));
