import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { runKeys } from "./keys";

export interface StartRunInput {
  pipeline: string;
  args: Record<string, string | number | boolean>;
}

export function useStartRun() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: StartRunInput) => call(api.runs.$post({ json: input, query: {} })),
    // A new run can appear on any list page; nothing else changed.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: runKeys.lists() }),
  });
}
