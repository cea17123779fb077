import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, callAllowing } from "../api/client";
import { healthKey } from "./keys";

// The one query that polls while idle: a health light that never refreshes would lie.
export const healthQueryOptions = queryOptions({
  queryKey: healthKey,
  // 503 carries the same body, naming the check that failed.
  queryFn: () => callAllowing(api.health.$get(), [503]),
  refetchInterval: 30_000,
  staleTime: 10_000,
});

export const useHealth = () => useQuery(healthQueryOptions);
