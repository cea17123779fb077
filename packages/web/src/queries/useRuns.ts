import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { hidesResolved } from "../lib/status";
import { type RunFilter, runKeys } from "./keys";
import { runsPollMs } from "./runsPoll";

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
    refetchInterval: (query) => runsPollMs(query.state.data?.items, filter.cursor),
    // Paging and filtering keep the old rows on screen until the new ones arrive. A poll keeps
    // unchanged rows as the same objects (structural sharing) under the same keys, so rows,
    // scroll, filters and notices stay as they are; only what changed is redrawn.
    placeholderData: keepPreviousData,
  });

export const useRuns = (filter: RunFilter) => useQuery(runsQueryOptions(filter));
