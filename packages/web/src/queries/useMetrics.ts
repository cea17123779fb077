import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { type MetricFilter, metricKeys } from "./keys";

export const metricsQueryOptions = (f: MetricFilter) =>
  queryOptions({
    queryKey: metricKeys.series(f),
    queryFn: () =>
      call(
        api.metrics.$get({
          query: {
            names: f.names.join(","),
            hours: String(f.hours),
            bucket: String(f.bucketMinutes),
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });

export const useMetrics = (f: MetricFilter) => useQuery(metricsQueryOptions(f));
