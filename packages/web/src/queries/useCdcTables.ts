// The CDC page's tables, polled (cdcPoll.ts); TanStack Query pauses it while the tab is hidden.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { cdcPollMs } from "./cdcPoll";
import { cdcKeys } from "./keys";

export const cdcTablesQueryOptions = () =>
  queryOptions({
    queryKey: cdcKeys.tables(),
    queryFn: () => call(api.cdc.tables.$get()),
    refetchInterval: (query) => cdcPollMs(query.state.data?.tables),
  });

export const useCdcTables = () => useQuery(cdcTablesQueryOptions());
