// "Retry failed records" of a sync run: a new sync run that re-sends only the records that run's
// Salesforce did not accept. The API refuses (409) when there are none or a sync is going.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { auditKeys, runKeys, syncKeys } from "./keys";

export function useRetryFailed() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (runId: string) =>
      call(api.sync.runs[":runId"]["retry-failed"].$post({ param: { runId }, query: {} })),
    // The new run lands on the sync history and the runs lists; the retry is audited. On a 409
    // the history changed under us (a sync started elsewhere): refresh it as well.
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: syncKeys.lists() }),
        queryClient.invalidateQueries({ queryKey: runKeys.lists() }),
        queryClient.invalidateQueries({ queryKey: auditKeys.all }),
      ]),
  });
}
