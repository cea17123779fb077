import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { pipelinesKey } from "./keys";

// The platform's pipelines change only with a deploy or a restart.
export const pipelinesQueryOptions = queryOptions({
  queryKey: pipelinesKey,
  queryFn: () => call(api.pipelines.$get()),
  staleTime: 5 * 60_000,
});

export const usePipelines = () => useQuery(pipelinesQueryOptions);
