import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { auditKeys, runKeys } from "./keys";

/** A run id, or a run id with `confirm` (a run that needs a fix, retried anyway). */
export type RetryRequest = string | { id: string; confirm: boolean };

const idOf = (r: RetryRequest) => (typeof r === "string" ? r : r.id);

export function useRetryRun() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (r: RetryRequest) =>
      call(
        api.runs[":id"].retry.$post({
          param: { id: idOf(r) },
          query: typeof r !== "string" && r.confirm ? { confirm: "true" } : {},
        }),
      ),
    // The retried run (now retriedBy), the lists the new run lands on, what a bulk retry would
    // take on, and the audit log; on a 409 the run changed under us, so refresh it as well.
    onSettled: (_data, _error, r) =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: runKeys.detail(idOf(r)), exact: true }),
        queryClient.invalidateQueries({ queryKey: runKeys.lists() }),
        queryClient.invalidateQueries({ queryKey: runKeys.retryables() }),
        queryClient.invalidateQueries({ queryKey: auditKeys.all }),
      ]),
  });
}
