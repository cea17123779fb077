// Every query key of the console in one place, so a mutation invalidates exactly what it changed.
import type { RunStatusValue } from "../api/client";

export interface RunFilter {
  status: RunStatusValue[];
  pipeline: string[];
  from?: string;
  to?: string;
  /**
   * Failed runs a retry resolved are left out of a failed status filter (it means "needs
   * attention") unless this says to show them.
   */
  showResolved?: boolean;
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
        showResolved: !!f.showResolved,
        cursor: f.cursor ?? "",
        limit: f.limit,
      },
    ] as const,
  detail: (id: string) => ["runs", "detail", id] as const,
  /** What a bulk retry of a filter would take on (the filter without its page). */
  retryables: () => ["runs", "retryable"] as const,
  retryable: (f: RunFilter) =>
    [
      "runs",
      "retryable",
      {
        status: [...f.status].sort().join(","),
        pipeline: [...f.pipeline].sort().join(","),
        from: f.from ?? "",
        to: f.to ?? "",
      },
    ] as const,
};

export interface AuditFilter {
  runId?: string;
  limit: number;
}

export const auditKeys = {
  all: ["audit"] as const,
  list: (f: AuditFilter) => ["audit", "list", { runId: f.runId ?? "", limit: f.limit }] as const,
};

export const healthKey = ["health"] as const;

export const pipelinesKey = ["pipelines"] as const;

/** How far back the Quality page looks; `since` is computed from it when the query runs. */
export type QualityWindow = "24h" | "7d" | "30d" | "all";

/** Open failing rows, the ones a later version of their file fixed, or all of them. */
export type QualityStatus = "open" | "fixed" | "all";

export interface QualityFilter {
  table?: string;
  rule?: string;
  runId?: string;
  window: QualityWindow;
  status: QualityStatus;
}

const qualityParts = (f: QualityFilter) => ({
  table: f.table ?? "",
  rule: f.rule ?? "",
  runId: f.runId ?? "",
  window: f.window,
  status: f.status,
});

export const qualityKeys = {
  all: ["quality"] as const,
  summary: (f: QualityFilter) => ["quality", "summary", qualityParts(f)] as const,
  failures: (f: QualityFilter, limit: number) =>
    ["quality", "failures", { ...qualityParts(f), limit }] as const,
};

export const schemaKeys = {
  all: ["schema"] as const,
  history: (table: string | undefined) => ["schema", "history", { table: table ?? "" }] as const,
};

export const cdcKeys = {
  all: ["cdc"] as const,
  tables: () => ["cdc", "tables"] as const,
};

export interface AlertFilter {
  unacknowledged: boolean;
  /** Neither acknowledged nor resolved: what still asks for a look (the badge, the default view). */
  open?: boolean;
  /** Only alerts whose run a retry resolved. */
  resolved?: boolean;
  limit: number;
}

export const alertKeys = {
  all: ["alerts"] as const,
  lists: () => ["alerts", "list"] as const,
  list: (f: AlertFilter) =>
    [
      "alerts",
      "list",
      {
        unacknowledged: f.unacknowledged,
        open: !!f.open,
        resolved: !!f.resolved,
        limit: f.limit,
      },
    ] as const,
};

export interface MetricFilter {
  names: readonly string[];
  hours: number;
  bucketMinutes: number;
}

export const metricKeys = {
  all: ["metrics"] as const,
  series: (f: MetricFilter) =>
    [
      "metrics",
      "series",
      { names: [...f.names].sort().join(","), hours: f.hours, bucket: f.bucketMinutes },
    ] as const,
};

export const segmentKeys = {
  all: ["segments"] as const,
  runs: () => ["segments", "runs"] as const,
  profile: (run: string) => ["segments", "profile", { run }] as const,
  drift: (from: string, to: string) => ["segments", "drift", { from, to }] as const,
  user: (id: string, run: string) => ["segments", "user", { id, run }] as const,
};

export const syncKeys = {
  all: ["sync"] as const,
  /** Every page of the sync history (a new run lands on the newest). */
  lists: () => ["sync", "runs"] as const,
  /** One page of the sync history (cursor "" is the newest). */
  runs: (cursor: string | undefined) => ["sync", "runs", { cursor: cursor ?? "" }] as const,
  /** A run's records Salesforce did not accept, every page. */
  errors: (runId: string) => ["sync", "errors", { runId }] as const,
};
