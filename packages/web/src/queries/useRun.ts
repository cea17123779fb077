import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { isActive } from "../lib/status";
import { runKeys } from "./keys";
import { ACTIVE_POLL_MS } from "./runsPoll";

export const runQueryOptions = (id: string) =>
  queryOptions({
    queryKey: runKeys.detail(id),
    queryFn: () => call(api.runs[":id"].$get({ param: { id } })),
    // The run itself, or its retry further down the chain, may still be going.
    refetchInterval: (query) => {
      const run = query.state.data;
      if (!run) return false;
      return isActive(run.status) || run.chain.some((r) => isActive(r.status))
        ? ACTIVE_POLL_MS
        : false;
    },
  });

export const useRun = (id: string) => useQuery(runQueryOptions(id));
