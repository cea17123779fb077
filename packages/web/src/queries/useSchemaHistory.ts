import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { schemaKeys } from "./keys";

export const schemaHistoryQueryOptions = (table: string | undefined) =>
  queryOptions({
    queryKey: schemaKeys.history(table),
    queryFn: () => call(api.schema.$get({ query: { table: table || undefined } })),
    placeholderData: keepPreviousData,
  });

export const useSchemaHistory = (table: string | undefined) =>
  useQuery(schemaHistoryQueryOptions(table));
