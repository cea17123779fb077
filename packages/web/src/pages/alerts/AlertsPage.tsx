// Alerts: what the platform told operators (quarantines, failed runs, rejected files), to be
// acknowledged once looked at. The view (unacknowledged, acknowledged, all) lives in the URL.
import { DataTable } from "../../components/DataTable";
import { PageShell } from "../../components/PageShell";
import { Segmented, TableSkeleton } from "../../components/ui";
import { useSearch, withSearch } from "../../lib/router";
import { useAcknowledgeAlert } from "../../queries/useAcknowledgeAlert";
import { UNACKNOWLEDGED, useAlerts } from "../../queries/useAlerts";
import { AlertsEmpty, type View } from "./AlertsEmpty";
import { alertColumns } from "./alertColumns";

// The API filters unacknowledged alerts only; the acknowledged view is the newest of all alerts
// with the unacknowledged ones left out.
const ALL = { unacknowledged: false, limit: 200 };

export function AlertsPage() {
  const search = useSearch();
  const s = search.get("show");
  const view: View = s === "acknowledged" || s === "all" ? s : "unacknowledged";
  const unacknowledged = useAlerts(UNACKNOWLEDGED);
  const all = useAlerts(ALL);
  const query = view === "unacknowledged" ? unacknowledged : all;
  const ack = useAcknowledgeAlert();

  const items =
    view === "acknowledged"
      ? (query.data?.items.filter((a) => a.acknowledgedAt) ?? [])
      : (query.data?.items ?? []);
  const open = unacknowledged.data?.items.length;

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
      }
      above={
        ack.error ? (
          <div
            role="alert"
            className="rounded-md border border-red-200 bg-red-50 px-3 py-1.5 text-[12px] text-red-800"
          >
            Couldn't acknowledge {ack.variables}: {ack.error.message}
          </div>
        ) : null
      }
      loading={<TableSkeleton label="Loading alerts" />}
      errorTitle="Couldn't load alerts"
      isEmpty={() => items.length === 0}
      empty={<AlertsEmpty view={view} />}
      below={
        view !== "unacknowledged" && (query.data?.items.length ?? 0) >= ALL.limit ? (
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
          )}
          data={items}
          rowId={(a) => a.id}
          rowProps={(a) => ({
            "data-alert-id": a.id,
            className: a.acknowledgedAt ? "text-zinc-500 hover:bg-zinc-50" : "hover:bg-zinc-50",
          })}
        />
      )}
    </PageShell>
  );
}
