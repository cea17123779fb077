// The audit log's columns: when, who, what, the run retried and the run the retry started.
import type { AuditEntry } from "../../api/client";
import { RunId } from "../../components/CopyId";
import { columnsFor } from "../../components/DataTable";
import { RelativeTime } from "../../components/Time";
import { auditDetail } from "./auditDetail";

const col = columnsFor<AuditEntry>();

export const auditColumns = col.columns([
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
