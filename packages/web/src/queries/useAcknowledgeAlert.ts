import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type Alert, api, call } from "../api/client";
import { alertKeys } from "./keys";

type AlertList = { items: Alert[] };

// Optimistic: the alert leaves the unacknowledged lists (and the badge) at once and shows as
// acknowledged elsewhere; a failure puts every list back as it was.
export function useAcknowledgeAlert() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => call(api.alerts[":id"].ack.$post({ param: { id } })),
    onMutate: async (id) => {
      await queryClient.cancelQueries({ queryKey: alertKeys.lists() });
      const previous = queryClient.getQueriesData<AlertList>({ queryKey: alertKeys.lists() });
      const at = new Date().toISOString();
      for (const [key, data] of previous) {
        if (!data) continue;
        const f = key[2] as { unacknowledged?: boolean; open?: boolean } | undefined;
        const unacknowledgedOnly = f?.unacknowledged || f?.open;
        queryClient.setQueryData<AlertList>(key, {
          ...data,
          items: unacknowledgedOnly
            ? data.items.filter((a) => a.id !== id)
            : data.items.map((a) =>
                a.id === id ? { ...a, acknowledgedAt: at, acknowledgedBy: a.acknowledgedBy } : a,
              ),
        });
      }
      return { previous };
    },
    onError: (_error, _id, context) => {
      for (const [key, data] of context?.previous ?? []) queryClient.setQueryData(key, data);
    },
    // Only the alert lists hold acknowledgement state.
    onSettled: () => queryClient.invalidateQueries({ queryKey: alertKeys.lists() }),
  });
}
