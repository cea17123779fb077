// One sync run's records that Salesforce did not accept — refused (failed) or never sent (unsent:
// the run stopped first) — each with the payload that was sent, a page of 100 at a time.
import { useInfiniteQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { syncKeys } from "./keys";

export const SYNC_ERRORS_PAGE = 100;

/** `enabled` is false while the run is still going: its outcomes are not final yet. */
export const useSyncErrors = (runId: string, enabled: boolean) =>
  useInfiniteQuery({
    queryKey: syncKeys.errors(runId),
    queryFn: ({ pageParam }) =>
      call(
        api.sync.runs[":runId"].errors.$get({
          param: { runId },
          query: {
            status: "failed,unsent",
            cursor: pageParam || undefined,
            limit: String(SYNC_ERRORS_PAGE),
          },
        }),
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: enabled && runId !== "",
    retry: false,
  });
