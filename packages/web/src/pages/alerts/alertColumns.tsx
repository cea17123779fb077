// The alerts table's columns; the last one acknowledges an alert in place.
import type { Alert } from "../../api/client";
import { RunId } from "../../components/CopyId";
import { columnsFor } from "../../components/DataTable";
import { SeverityDot } from "../../components/Severity";
import { RelativeTime } from "../../components/Time";
import { Spinner } from "../../components/ui";
import { kindLabel } from "./kindLabel";

const col = columnsFor<Alert>();

export function alertColumns(acknowledge: (id: string) => void, pending: string | null) {
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
