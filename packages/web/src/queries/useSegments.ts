// The Segments page's reads: the runs (sizes over time), one run's profile, drift between two
// runs, and why one user is in their segment. "" means the API's default (the latest run).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { InferResponseType } from "hono/client";
import { api, call } from "../api/client";
import { segmentKeys } from "./keys";

/** Newest first; enough runs for a chart of daily runs over a few months. */
export const segmentRunsLimit = 100;

export const useSegmentRuns = () =>
  useQuery({
    queryKey: segmentKeys.runs(),
    queryFn: () => call(api.segments.runs.$get({ query: { limit: String(segmentRunsLimit) } })),
  });

export const useSegmentProfile = (run: string, enabled: boolean) =>
  useQuery({
    queryKey: segmentKeys.profile(run),
    queryFn: () => call(api.segments.profile.$get({ query: run ? { run } : {} })),
    enabled,
    placeholderData: keepPreviousData,
  });

export const useSegmentDrift = (from: string, to: string, enabled: boolean) =>
  useQuery({
    queryKey: segmentKeys.drift(from, to),
    queryFn: () =>
      call(
        api.segments.drift.$get({
          query: { ...(from ? { from } : {}), ...(to ? { to } : {}) },
        }),
      ),
    enabled,
    retry: false,
  });

export const useSegmentUser = (id: string, run: string) =>
  useQuery({
    queryKey: segmentKeys.user(id, run),
    queryFn: () =>
      call(api.segments.users[":id"].$get({ param: { id }, query: run ? { run } : {} })),
    enabled: id !== "",
    retry: false,
  });

export type SegmentRun = InferResponseType<typeof api.segments.runs.$get, 200>["items"][number];
export type SegmentProfile = InferResponseType<typeof api.segments.profile.$get, 200>;
export type SegmentDrift = InferResponseType<typeof api.segments.drift.$get, 200>;
export type SegmentUser = InferResponseType<(typeof api.segments.users)[":id"]["$get"], 200>;
