// Retry every failed run a filter matches: one POST whose NDJSON answer is read as it arrives.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, callStream } from "../api/client";
import {
  addProgress,
  type BulkProgress,
  type DoneLine,
  isDoneLine,
  isProgressLine,
  noProgress,
  plural,
} from "../lib/bulkRetry";
import { ndjsonLines } from "../lib/ndjson";
import { auditKeys, type RunFilter, runKeys } from "./keys";
import { bulkFilterOf } from "./useRetryable";

/** The API's own ceiling; the confirmation said how many runs that is. */
export const BULK_MAX = 1000;

export function useRetryAll() {
  const queryClient = useQueryClient();
  const [progress, setProgress] = useState<BulkProgress>(noProgress);
  const mutation = useMutation({
    mutationFn: async ({
      filter,
      includeNeedsFix = false,
    }: {
      filter: RunFilter;
      /** Retry the runs that need a fix too (the operator ticked it). */
      includeNeedsFix?: boolean;
    }): Promise<DoneLine> => {
      setProgress(noProgress);
      // `wait`: the summary says how the retries ended, not only that they started.
      const body = await callStream(
        api.runs["retry-all"].$post({
          json: { ...bulkFilterOf(filter), max: BULK_MAX, includeNeedsFix, wait: true },
        }),
      );
      let state = noProgress;
      let done: DoneLine | null = null;
      for await (const line of ndjsonLines(body)) {
        if (isProgressLine(line)) {
          state = addProgress(state, line);
          setProgress(state);
        } else if (isDoneLine(line)) {
          done = line;
        }
      }
      if (!done) {
        throw new Error(
          `the answer ended before its summary, after ${plural(state.processed, "run")} (${state.retried} retried): the connection dropped or the server stopped`,
        );
      }
      return done;
    },
    // The lists the new runs land on, the runs that now point at their retries, what a bulk retry
    // would still take on, and the audit log. Without a summary, any run may have changed.
    onSettled: (done) =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: runKeys.lists() }),
        queryClient.invalidateQueries({ queryKey: runKeys.retryables() }),
        queryClient.invalidateQueries({ queryKey: auditKeys.all }),
        ...(done
          ? [...done.retried, ...done.skipped, ...done.failed].map((r) =>
              queryClient.invalidateQueries({ queryKey: runKeys.detail(r.id), exact: true }),
            )
          : [queryClient.invalidateQueries({ queryKey: ["runs", "detail"] })]),
      ]),
  });
  return { ...mutation, progress };
}
