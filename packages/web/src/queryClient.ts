import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { ApiError } from "./api/client";
import { rejectToken } from "./lib/auth";
import { onRunsFetched } from "./queries/onRunFinished";

function onError(error: Error) {
  if (error instanceof ApiError && error.status === 401) rejectToken();
}

export const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({
    onError,
    onSuccess: (data, query) => onRunsFetched(queryClient, data, query),
  }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    queries: {
      // A 4xx will not change by asking again; network blips and 5xx get two more tries.
      retry: (failures, error) =>
        !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2,
      staleTime: 2_000,
    },
    mutations: { retry: false },
  },
});
