import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { type AuditFilter, auditKeys } from "./keys";

// Retries are the only audited action; every retry mutation invalidates these keys.
export const auditQueryOptions = (f: AuditFilter) =>
  queryOptions({
    queryKey: auditKeys.list(f),
    queryFn: () =>
      call(api.audit.$get({ query: { runId: f.runId || undefined, limit: String(f.limit) } })),
    placeholderData: keepPreviousData,
  });

export const useAudit = (f: AuditFilter) => useQuery(auditQueryOptions(f));
