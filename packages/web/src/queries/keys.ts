// Every query key of the console in one place, so a mutation invalidates exactly what it changed.
import type { RunStatusValue } from "../api/client";

export interface RunFilter {
  status: RunStatusValue[];
  pipeline: string[];
  from?: string;
  to?: string;
  cursor?: string;
  limit: number;
}

export const runKeys = {
  all: ["runs"] as const,
  /** Every page of every filter (a new run can land on any of them). */
  lists: () => ["runs", "list"] as const,
  /** One page of one filter; every filter is part of the key. */
  list: (f: RunFilter) =>
    [
      "runs",
      "list",
      {
        status: [...f.status].sort().join(","),
        pipeline: [...f.pipeline].sort().join(","),
        from: f.from ?? "",
        to: f.to ?? "",
        cursor: f.cursor ?? "",
        limit: f.limit,
      },
    ] as const,
  detail: (id: string) => ["runs", "detail", id] as const,
};

export const healthKey = ["health"] as const;
