import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { auditKeys, runKeys } from "./keys";

export function useRetryRun() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => call(api.runs[":id"].retry.$post({ param: { id }, query: {} })),
    // The retried run (now retriedBy), the lists the new run lands on, what a bulk retry would
    // take on, and the audit log; on a 409 the run changed under us, so refresh it as well.
    onSettled: (_data, _error, id) =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: runKeys.detail(id), exact: true }),
        queryClient.invalidateQueries({ queryKey: runKeys.lists() }),
        queryClient.invalidateQueries({ queryKey: runKeys.retryables() }),
        queryClient.invalidateQueries({ queryKey: auditKeys.all }),
      ]),
  });
}
