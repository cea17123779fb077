// Alerts: what the platform told operators (quarantines, failed runs, rejected files), to be
// acknowledged once looked at. The view (unacknowledged, acknowledged, all) lives in the URL.
import { useEffect } from "react";
import type { Alert } from "../../api/client";
import { RunId } from "../../components/CopyId";
import { columnsFor, DataTable } from "../../components/DataTable";
import { SeverityDot } from "../../components/Severity";
import { RelativeTime } from "../../components/Time";
import { UpdatedAt } from "../../components/UpdatedAt";
import {
  Button,
  EmptyState,
  ErrorState,
  PageHeader,
  Panel,
  Segmented,
  Spinner,
  TableSkeleton,
} from "../../components/ui";
import { useSearch, withSearch } from "../../lib/router";
import { assertNever } from "../../lib/status";
import { useAcknowledgeAlert } from "../../queries/useAcknowledgeAlert";
import { UNACKNOWLEDGED, useAlerts } from "../../queries/useAlerts";

type View = "unacknowledged" | "acknowledged" | "all";
// The API filters unacknowledged alerts only; the acknowledged view is the newest of all alerts
// with the unacknowledged ones left out.
const ALL = { unacknowledged: false, limit: 200 };

export function kindLabel(kind: Alert["kind"]): string {
  switch (kind) {
    case "quarantine":
      return "Quarantine";
    case "run_failed":
      return "Run failed";
    case "file_rejected":
      return "File rejected";
    default:
      return assertNever(kind);
  }
}

export function AlertsPage() {
  const search = useSearch();
  const s = search.get("show");
  const view: View = s === "acknowledged" || s === "all" ? s : "unacknowledged";
  const unacknowledged = useAlerts(UNACKNOWLEDGED);
  const all = useAlerts(ALL);
  const query = view === "unacknowledged" ? unacknowledged : all;
  const ack = useAcknowledgeAlert();
  useEffect(() => {
    document.title = "Alerts · CDP";
  }, []);

  const items =
    view === "acknowledged"
      ? (query.data?.items.filter((a) => a.acknowledgedAt) ?? [])
      : (query.data?.items ?? []);
  const open = unacknowledged.data?.items.length;

  return (
    <div className="mx-auto flex max-w-[1400px] flex-col gap-3">
      <PageHeader title="Alerts" actions={<Button onClick={() => query.refetch()}>Refresh</Button>}>
        <Segmented
          label="Show"
          options={[
            {
              to: withSearch({ show: undefined }),
              label: (
                <>
                  Unacknowledged
                  {open !== undefined ? (
                    <span className="tabular-nums opacity-70">{open}</span>
                  ) : null}
                </>
              ),
              current: view === "unacknowledged",
            },
            {
              to: withSearch({ show: "acknowledged" }),
              label: "Acknowledged",
              current: view === "acknowledged",
            },
            { to: withSearch({ show: "all" }), label: "All", current: view === "all" },
          ]}
        />
        <UpdatedAt at={query.dataUpdatedAt} fetching={query.isFetching} />
      </PageHeader>

      {ack.error ? (
        <div
          role="alert"
          className="rounded-md border border-red-200 bg-red-50 px-3 py-1.5 text-[12px] text-red-800"
        >
          Couldn't acknowledge {ack.variables}: {ack.error.message}
        </div>
      ) : null}

      <Panel className="overflow-hidden">
        {query.isPending ? (
          <TableSkeleton label="Loading alerts" />
        ) : query.isError ? (
          <ErrorState
            title="Couldn't load alerts"
            error={query.error}
            onRetry={() => query.refetch()}
          />
        ) : items.length === 0 ? (
          <Empty view={view} />
        ) : (
          <DataTable
            label="Alerts"
            columns={alertColumns(
              (id) => ack.mutate(id),
              ack.isPending ? (ack.variables ?? null) : null,
            )}
            data={items}
            rowId={(a) => a.id}
            rowProps={(a) => ({
              "data-alert-id": a.id,
              className: a.acknowledgedAt ? "text-zinc-500 hover:bg-zinc-50" : "hover:bg-zinc-50",
            })}
          />
        )}
      </Panel>
      {view !== "unacknowledged" && (query.data?.items.length ?? 0) >= ALL.limit ? (
        <p className="text-[12px] text-zinc-400">The newest {ALL.limit} alerts.</p>
      ) : null}
    </div>
  );
}

function Empty({ view }: { view: View }) {
  if (view === "unacknowledged") {
    return (
      <EmptyState title="Nothing to look at">
        Every alert has been acknowledged. New ones appear here when a file has rows quarantined or
        is rejected, or a run fails.
      </EmptyState>
    );
  }
  return (
    <EmptyState title={view === "acknowledged" ? "No acknowledged alerts" : "No alerts yet"}>
      Alerts are raised when a file has rows quarantined or is rejected, and when a run fails.
      Locally they are kept here (and posted to <code>CDP_ALERT_WEBHOOK_URL</code> when set);
      deployed, they also go to the SNS topic.
    </EmptyState>
  );
}

const col = columnsFor<Alert>();

function alertColumns(acknowledge: (id: string) => void, pending: string | null) {
  return col.columns([
    col.accessor("kind", {
      header: "Kind",
      cell: (c) => (
        <span className="inline-flex items-center gap-1.5 whitespace-nowrap">
          <SeverityDot value={c.row.original.severity} />
          {kindLabel(c.getValue())}
        </span>
      ),
      meta: { className: "w-32" },
    }),
    col.accessor("title", {
      header: "Alert",
      cell: (c) => (
        <div className="min-w-0 py-1.5" title={c.row.original.message}>
          <div
            className={`truncate ${c.row.original.acknowledgedAt ? "" : "font-medium text-zinc-900"}`}
          >
            {c.getValue()}
          </div>
          <div className="truncate text-[12px] text-zinc-500">{c.row.original.message}</div>
        </div>
      ),
    }),
    col.accessor("runId", {
      header: "Run",
      cell: (c) => {
        const id = c.getValue();
        return id ? <RunId id={id} /> : <span className="text-zinc-400">—</span>;
      },
      meta: { className: "w-[20.5rem]" },
    }),
    col.accessor("createdAt", {
      header: "Raised",
      cell: (c) => <RelativeTime iso={c.getValue()} />,
      meta: { className: "w-24" },
    }),
    col.display({
      id: "ack",
      header: () => <span className="sr-only">Acknowledge</span>,
      cell: (c) => {
        const a = c.row.original;
        if (a.acknowledgedAt) {
          return (
            <span
              className="text-[12px] whitespace-nowrap text-zinc-400"
              title={`Acknowledged${a.acknowledgedBy ? ` by ${a.acknowledgedBy}` : ""}`}
            >
              ✓ <RelativeTime iso={a.acknowledgedAt} />
              {a.acknowledgedBy ? ` · ${a.acknowledgedBy}` : ""}
            </span>
          );
        }
        return (
          <button
            type="button"
            onClick={() => acknowledge(a.id)}
            disabled={pending === a.id}
            aria-label={`Acknowledge ${a.title}`}
            className="inline-flex h-6 items-center gap-1 rounded border border-zinc-300 bg-white px-2 text-[12px] font-medium text-zinc-800 hover:bg-zinc-50 disabled:opacity-50"
          >
            {pending === a.id ? <Spinner /> : null}
            Acknowledge
          </button>
        );
      },
      meta: { className: "w-40 text-right" },
    }),
  ]);
}
