// Alerts: what the platform told operators (quarantines, failed runs, rejected files), to be
// acknowledged once looked at — one by one, or all shown / the selected at once. An alert whose run
// a retry resolved closes by itself and says so. The view (open, resolved, acknowledged, all)
// lives in the URL.
import { useMemo, useState } from "react";
import { DataTable } from "../../components/DataTable";
import { PageShell } from "../../components/PageShell";
import { Button, Segmented, Spinner, TableSkeleton } from "../../components/ui";
import { useSearch, withSearch } from "../../lib/router";
import type { AlertFilter } from "../../queries/keys";
import { useAcknowledgeAlert } from "../../queries/useAcknowledgeAlert";
import { useAcknowledgeAlerts } from "../../queries/useAcknowledgeAlerts";
import { OPEN, useAlerts } from "../../queries/useAlerts";
import { AlertsEmpty, type View } from "./AlertsEmpty";
import { alertColumns } from "./alertColumns";

// The acknowledged view is the newest of all alerts with the others left out.
const ALL: AlertFilter = { unacknowledged: false, limit: 200 };
const RESOLVED: AlertFilter = { unacknowledged: false, resolved: true, limit: 200 };

const viewOf = (s: string | null): View =>
  s === "acknowledged" || s === "all" || s === "resolved" ? s : "open";

export function AlertsPage() {
  const search = useSearch();
  const view = viewOf(search.get("show"));
  const open = useAlerts(OPEN);
  const all = useAlerts(ALL, view === "acknowledged" || view === "all");
  const resolved = useAlerts(RESOLVED, view === "resolved");
  const query = view === "open" ? open : view === "resolved" ? resolved : all;
  const ack = useAcknowledgeAlert();
  const bulk = useAcknowledgeAlerts();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());

  const items =
    view === "acknowledged"
      ? (query.data?.items.filter((a) => a.acknowledgedAt) ?? [])
      : (query.data?.items ?? []);
  const openCount = open.data?.items.length;
  // Only what is on screen can be selected: a refetch drops alerts that left the view.
  const shownIds = useMemo(() => new Set(items.map((a) => a.id)), [items]);
  const picked = [...selected].filter((id) => shownIds.has(id));
  const acknowledgeMany = (ids: string[]) =>
    bulk.mutate(ids, { onSuccess: () => setSelected(new Set()) });

  return (
    <PageShell
      title="Alerts"
      query={query}
      panel
      meta={
        <Segmented
          label="Show"
          options={[
            {
              to: withSearch({ show: undefined }),
              title: "Neither acknowledged nor resolved",
              label: (
                <>
                  Open
                  {openCount !== undefined ? (
                    <span className="tabular-nums opacity-70">{openCount}</span>
                  ) : null}
                </>
              ),
              current: view === "open",
            },
            {
              to: withSearch({ show: "resolved" }),
              title: "Closed by themselves: their run's retry succeeded",
              label: "Resolved",
              current: view === "resolved",
            },
            {
              to: withSearch({ show: "acknowledged" }),
              label: "Acknowledged",
              current: view === "acknowledged",
            },
            { to: withSearch({ show: "all" }), label: "All", current: view === "all" },
          ]}
        />
      }
      above={
        <>
          {view === "open" && items.length > 0 ? (
            <div className="flex flex-wrap items-center gap-2" data-testid="alerts-bulk">
              <Button
                onClick={() => acknowledgeMany(items.map((a) => a.id))}
                disabled={bulk.isPending}
                title="Acknowledge every alert this view shows"
              >
                {bulk.isPending ? <Spinner /> : null}
                Acknowledge all shown ({items.length})
              </Button>
              <Button
                onClick={() => acknowledgeMany(picked)}
                disabled={bulk.isPending || picked.length === 0}
                title="Acknowledge the alerts ticked below"
              >
                Acknowledge selected ({picked.length})
              </Button>
            </div>
          ) : null}
          {ack.error || bulk.error ? (
            <div
              role="alert"
              className="rounded-md border border-red-200 bg-red-50 px-3 py-1.5 text-[12px] text-red-800"
            >
              {ack.error
                ? `Couldn't acknowledge ${ack.variables}: ${ack.error.message}`
                : `Couldn't acknowledge the alerts: ${bulk.error?.message}`}
            </div>
          ) : null}
        </>
      }
      loading={<TableSkeleton label="Loading alerts" />}
      errorTitle="Couldn't load alerts"
      isEmpty={() => items.length === 0}
      empty={<AlertsEmpty view={view} />}
      below={
        view !== "open" && (query.data?.items.length ?? 0) >= ALL.limit ? (
          <p className="text-[12px] text-zinc-400">The newest {ALL.limit} alerts.</p>
        ) : null
      }
    >
      {() => (
        <DataTable
          label="Alerts"
          columns={alertColumns(
            (id) => ack.mutate(id),
            ack.isPending ? (ack.variables ?? null) : null,
            view === "open"
              ? {
                  selected,
                  toggle: (id) =>
                    setSelected((s) => {
                      const next = new Set(s);
                      if (!next.delete(id)) next.add(id);
                      return next;
                    }),
                }
              : undefined,
          )}
          data={items}
          rowId={(a) => a.id}
          rowProps={(a) => ({
            "data-alert-id": a.id,
            ...(a.resolvedAt ? { "data-resolved": "true" } : {}),
            className:
              a.acknowledgedAt || a.resolvedAt
                ? "text-zinc-500 hover:bg-zinc-50"
                : "hover:bg-zinc-50",
          })}
        />
      )}
    </PageShell>
  );
}
