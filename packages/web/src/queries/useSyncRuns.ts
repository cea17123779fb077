// The Sync page's history: one page of sync runs, newest first, with their counts. Polled like the
// runs list (runsPoll.ts): closely while a sync on the page is going, gently on the newest page.
import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { syncKeys } from "./keys";
import { runsPollMs } from "./runsPoll";

export const SYNC_RUNS_LIMIT = 50;

export const syncRunsQueryOptions = (cursor: string | undefined) =>
  queryOptions({
    queryKey: syncKeys.runs(cursor),
    queryFn: () => call(api.sync.runs.$get({ query: { cursor, limit: String(SYNC_RUNS_LIMIT) } })),
    refetchInterval: (query) => runsPollMs(query.state.data?.items, cursor),
    placeholderData: keepPreviousData,
  });

export const useSyncRuns = (cursor: string | undefined) => useQuery(syncRunsQueryOptions(cursor));
