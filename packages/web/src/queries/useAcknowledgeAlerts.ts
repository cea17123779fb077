import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type Alert, api, call } from "../api/client";
import { alertKeys } from "./keys";

type AlertList = { items: Alert[] };

// Several alerts at once (the ones shown, or the ones selected). Optimistic like one: they leave
// the open and unacknowledged lists (and the badge) at once; a failure puts every list back.
export function useAcknowledgeAlerts() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (ids: string[]) => call(api.alerts.ack.$post({ json: { ids } })),
    onMutate: async (ids) => {
      await queryClient.cancelQueries({ queryKey: alertKeys.lists() });
      const previous = queryClient.getQueriesData<AlertList>({ queryKey: alertKeys.lists() });
      const gone = new Set(ids);
      const at = new Date().toISOString();
      for (const [key, data] of previous) {
        if (!data) continue;
        const f = key[2] as { unacknowledged?: boolean; open?: boolean } | undefined;
        queryClient.setQueryData<AlertList>(key, {
          ...data,
          items:
            f?.unacknowledged || f?.open
              ? data.items.filter((a) => !gone.has(a.id))
              : data.items.map((a) =>
                  gone.has(a.id) && !a.acknowledgedAt ? { ...a, acknowledgedAt: at } : a,
                ),
        });
      }
      return { previous };
    },
    onError: (_error, _ids, context) => {
      for (const [key, data] of context?.previous ?? []) queryClient.setQueryData(key, data);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: alertKeys.lists() }),
  });
}
