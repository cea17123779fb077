// The audit log: who retried which run, when, and which run the retry started — from the Retry
// buttons, bulk retries and the CLI alike. `?run=` narrows it to one run (either side of a retry).
import { useEffect } from "react";
import type { AuditEntry } from "../../api/client";
import { RunId } from "../../components/CopyId";
import { columnsFor, DataTable } from "../../components/DataTable";
import { RelativeTime } from "../../components/Time";
import { UpdatedAt } from "../../components/UpdatedAt";
import { Button, EmptyState, ErrorState, PageHeader, Panel, TableSkeleton } from "../../components/ui";
import { Link, useSearch, withSearch } from "../../lib/router";
import { useAudit } from "../../queries/useAudit";

const LIMIT = 200;

export function AuditPage() {
  const search = useSearch();
  const runId = search.get("run") ?? undefined;
  const audit = useAudit({ runId, limit: LIMIT });
  useEffect(() => {
    document.title = "Audit · CDP";
  }, []);
  const items = audit.data?.items ?? [];

  return (
    <div className="mx-auto flex max-w-[1400px] flex-col gap-3">
      <PageHeader title="Audit" actions={<Button onClick={() => audit.refetch()}>Refresh</Button>}>
        <span className="text-[12px] text-zinc-500">
          Every retry: who asked, when, and what it started.
        </span>
        {runId ? (
          <span className="flex items-center gap-1.5 text-[12px] text-zinc-500">
            Run <RunId id={runId} />
            <Link
              to={withSearch({ run: undefined })}
              className="underline-offset-2 hover:text-zinc-900 hover:underline"
            >
              Show all
            </Link>
          </span>
        ) : null}
        <UpdatedAt at={audit.dataUpdatedAt} fetching={audit.isFetching} />
      </PageHeader>
      <Panel className="overflow-hidden">
        {audit.isPending ? (
          <TableSkeleton label="Loading the audit log" />
        ) : audit.isError ? (
          <ErrorState
            title="Couldn't load the audit log"
            error={audit.error}
            onRetry={() => audit.refetch()}
          />
        ) : items.length === 0 ? (
          <EmptyState title={runId ? "No retries of this run" : "No retries yet"}>
            A line appears here whenever someone retries a run: from a run's Retry button, a bulk
            retry on the Runs page, or <code>cdp retry</code>.
          </EmptyState>
        ) : (
          <DataTable
            label="Audit log"
            columns={auditColumns}
            data={items}
            rowId={(e) => e.id}
            rowProps={(e) => ({ "data-audit-run": e.runId })}
            dense
          />
        )}
      </Panel>
      {items.length >= LIMIT ? (
        <p className="text-[12px] text-zinc-400">The newest {LIMIT} entries.</p>
      ) : null}
    </div>
  );
}

const col = columnsFor<AuditEntry>();

/** Detail the log keeps beside the run ids ("engine glue"), in one quiet line. */
export function auditDetail(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" · ");
}

const auditColumns = col.columns([
  col.accessor("at", {
    header: "When",
    cell: (c) => <RelativeTime iso={c.getValue()} />,
    meta: { className: "w-28" },
  }),
  col.accessor("actor", {
    header: "Who",
    cell: (c) => (
      <span className="text-zinc-800" title={c.getValue()}>
        {c.getValue()}
      </span>
    ),
    meta: { className: "w-56" },
  }),
  col.accessor("action", {
    header: "Action",
    cell: (c) => <span className="text-zinc-600">{c.getValue()}</span>,
    meta: { className: "w-20" },
  }),
  col.accessor("runId", {
    header: "Run",
    cell: (c) => <RunId id={c.getValue()} />,
    meta: { className: "w-[20.5rem]" },
  }),
  col.accessor("newRunId", {
    header: "Started",
    cell: (c) => {
      const id = c.getValue();
      return id ? (
        <span className="inline-flex items-center gap-1.5">
          <span aria-hidden className="text-zinc-400">
            →
          </span>
          <RunId id={id} />
        </span>
      ) : (
        <span className="text-zinc-400">—</span>
      );
    },
    meta: { className: "w-[21.5rem]" },
  }),
  col.accessor("detail", {
    header: "Detail",
    cell: (c) => <span className="text-[12px] text-zinc-500">{auditDetail(c.getValue())}</span>,
  }),
]);
