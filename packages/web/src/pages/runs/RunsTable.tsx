// The runs list as a table: status, what the run was about, id, pipeline, timing, what happened,
// and the row's retry.
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { createContext, useContext } from "react";
import type { Run } from "../../api/client";
import { RunId } from "../../components/CopyId";
import { TableHead } from "../../components/DataTable";
import { RunStatus } from "../../components/RunStatus";
import { RelativeTime } from "../../components/Time";
import { Spinner } from "../../components/ui";
import { Link } from "../../lib/router";
import { isFailed } from "../../lib/status";
import { summary } from "../../lib/summary";
import { duration, runDuration, useNow } from "../../lib/time";

export interface RowActions {
  retry: (run: Run) => void;
  retrying: string | null;
  highlight: string | null;
}

const RowActionsContext = createContext<RowActions>({
  retry: () => {},
  retrying: null,
  highlight: null,
});

const features = tableFeatures({});
const col = createColumnHelper<typeof features, Run>();

function RowAction({ run }: { run: Run }) {
  const actions = useContext(RowActionsContext);
  if (run.retriedBy) {
    return (
      <Link
        to={`/runs/${run.retriedBy}`}
        className="whitespace-nowrap text-[12px] text-zinc-500 hover:text-zinc-900 hover:underline"
        title={`Retried as ${run.retriedBy}`}
      >
        Retried →
      </Link>
    );
  }
  if (!isFailed(run.status)) return null;
  // A retry of a run that needs a fix is confirmed on its page, which says what must change.
  if (run.failureClass === "needs_fix") {
    return (
      <Link
        to={`/runs/${run.id}`}
        className="whitespace-nowrap text-[12px] text-amber-800 hover:underline"
        title={`Needs a fix before a retry can work: ${run.failureHint ?? "see the run"}`}
        aria-label={`Retry ${run.id} (needs a fix)`}
      >
        Fix first →
      </Link>
    );
  }
  const busy = actions.retrying === run.id;
  return (
    <button
      type="button"
      onClick={() => actions.retry(run)}
      disabled={actions.retrying !== null}
      aria-label={`Retry ${run.id}`}
      className="inline-flex h-6 items-center gap-1 rounded border border-zinc-300 bg-white px-2 text-[12px] font-medium text-zinc-800 hover:bg-zinc-50 disabled:opacity-50"
    >
      {busy ? <Spinner /> : null}
      Retry
    </button>
  );
}

function LiveDuration({ run }: { run: Run }) {
  const now = useNow();
  const ms = runDuration(run, now);
  return <span className="tabular-nums text-zinc-700">{duration(ms)}</span>;
}

const columns = col.columns([
  col.accessor("status", {
    header: "Status",
    cell: (c) => <RunStatus status={c.getValue()} resolvedBy={c.row.original.resolvedBy} />,
  }),
  col.accessor((r) => r.subject ?? r.pipeline, {
    id: "subject",
    header: "What",
    cell: (c) => (
      <span title={c.getValue()} className="block truncate text-zinc-900" data-testid="run-subject">
        {c.getValue()}
      </span>
    ),
  }),
  col.accessor("id", {
    header: "Run",
    cell: (c) => {
      const run = c.row.original;
      return (
        <span className="inline-flex items-center gap-2">
          <RunId id={run.id} />
          {run.retryOf ? (
            <Link
              to={`/runs/${run.retryOf}`}
              title={`Retry of ${run.retryOf}`}
              className="rounded border border-zinc-200 px-1 text-xxs text-zinc-500 hover:border-zinc-400 hover:text-zinc-800"
            >
              retry
            </Link>
          ) : null}
        </span>
      );
    },
  }),
  col.accessor("pipeline", {
    header: "Pipeline",
    cell: (c) => <span className="text-zinc-800">{c.getValue()}</span>,
  }),
  col.accessor((r) => r.startedAt ?? r.createdAt, {
    id: "started",
    header: "Started",
    cell: (c) => <RelativeTime iso={c.getValue()} />,
  }),
  col.display({
    id: "duration",
    header: "Duration",
    cell: (c) => <LiveDuration run={c.row.original} />,
  }),
  col.display({
    id: "summary",
    header: "Summary",
    cell: (c) => {
      const run = c.row.original;
      const text = summary(run);
      return (
        <span
          title={text}
          className={`block truncate ${run.needsAttention ? "text-zinc-700" : "text-zinc-500"}`}
        >
          {text || "—"}
        </span>
      );
    },
  }),
  col.display({
    id: "actions",
    header: () => <span className="sr-only">Actions</span>,
    cell: (c) => <RowAction run={c.row.original} />,
  }),
]);

/**
 * Column widths in rem. A column without one shares what is left with the others without one
 * (the summary), each at least `FLEX_MIN_REM`. On a screen narrower than their sum the table
 * scrolls sideways inside its panel instead of squeezing columns out of reach, and the row's
 * actions stay pinned at the right edge.
 */
const widths: Record<string, number> = {
  status: 7,
  id: 22,
  pipeline: 8,
  started: 7,
  duration: 6,
  actions: 6,
};
const FLEX_MIN_REM = 16;
const PINNED = "actions";

/** The table's least width: every fixed column at its width, every other at its minimum. */
export const minTableRem = (columnIds: string[]) =>
  columnIds.reduce((sum, id) => sum + (widths[id] ?? FLEX_MIN_REM), 0);

const widthStyle = (id: string) =>
  widths[id] === undefined ? undefined : { width: `${widths[id]}rem` };

const pinned = (id: string) => (id === PINNED ? "sticky right-0 bg-inherit text-right" : "");

export function RunsTable({ runs, actions }: { runs: Run[]; actions: RowActions }) {
  const table = useTable({
    features,
    columns,
    data: runs,
    getRowId: (r) => r.id,
  });
  const columnIds = table.getAllLeafColumns().map((c) => c.id);
  return (
    <RowActionsContext value={actions}>
      {/* A named scroll region: browsers let a keyboard scroll it (and a focused Retry scrolls in). */}
      <section aria-label="Runs" className="overflow-x-auto" data-testid="runs-scroll">
        <table
          className="w-full table-fixed border-collapse text-left"
          style={{ minWidth: `${minTableRem(columnIds)}rem` }}
        >
          <TableHead
            groups={table.getHeaderGroups()}
            cellClass={(h) => `h-8 bg-white ${pinned(h.column.id)}`}
            cellStyle={(h) => widthStyle(h.column.id)}
            render={(h) => <table.FlexRender header={h} />}
          />
          <tbody>
            {table.getRowModel().rows.map((row) => (
              <tr
                key={row.id}
                data-run-id={row.original.id}
                data-status={row.original.status}
                data-resolved={row.original.resolvedBy ? "true" : undefined}
                className={`h-9 border-b border-zinc-100 last:border-b-0 ${
                  actions.highlight === row.original.id ? "bg-sky-50" : "bg-white hover:bg-zinc-50"
                }`}
              >
                {row.getAllCells().map((cell) => (
                  <td key={cell.id} className={`px-3 align-middle ${pinned(cell.column.id)}`}>
                    <table.FlexRender cell={cell} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </RowActionsContext>
  );
}

export function RunsTableSkeleton({ rows = 6 }: { rows?: number }) {
  return (
    <div role="status" aria-busy="true" aria-label="Loading runs">
      <div className="h-8 border-b border-zinc-200" />
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholder rows have no identity
        <div key={i} className="flex h-9 items-center gap-6 border-b border-zinc-100 px-3">
          <span className="h-2.5 w-16 animate-pulse rounded bg-zinc-100" />
          <span className="h-2.5 w-64 animate-pulse rounded bg-zinc-100" />
          <span className="h-2.5 w-20 animate-pulse rounded bg-zinc-100" />
          <span className="h-2.5 w-16 animate-pulse rounded bg-zinc-100" />
        </div>
      ))}
    </div>
  );
}
