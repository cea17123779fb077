// The sync history's columns: per sync run, its status, when, what it sent and what Salesforce
// did with it, the API requests it cost, why it ended as it did, and its records not accepted.
import type { SyncRun } from "../../api/client";
import { RunId } from "../../components/CopyId";
import { columnsFor } from "../../components/DataTable";
import { RunStatus } from "../../components/RunStatus";
import { RelativeTime } from "../../components/Time";
import { Link, withSearch } from "../../lib/router";
import { type NoteTone, notAccepted, runNote } from "./syncView";

const col = columnsFor<SyncRun>();

export const noteTone: Record<NoteTone, string> = {
  error: "text-red-700",
  wait: "text-amber-800",
  info: "text-zinc-500",
};

/** A count, right-aligned; `data-count` names it for tests and tools. */
function Count({ name, value, tone = "" }: { name: string; value: number; tone?: string }) {
  return (
    <span data-count={name} className={`tabular-nums ${value ? tone : "text-zinc-400"}`}>
      {value.toLocaleString()}
    </span>
  );
}

const count = (
  key: "sent" | "created" | "updated" | "failed" | "unsent" | "skippedUnchanged" | "apiCalls",
  header: string,
  title: string,
  tone = "",
) =>
  col.accessor(key, {
    header: () => <span title={title}>{header}</span>,
    cell: (c) => <Count name={key} value={c.getValue()} tone={tone} />,
    meta: { className: "w-[4.5rem] text-right" },
  });

function Tag({ children, tone }: { children: string; tone: string }) {
  return (
    <span className={`rounded border px-1 text-xxs whitespace-nowrap ${tone}`}>{children}</span>
  );
}

export const syncColumns = col.columns([
  col.accessor("runId", {
    header: "Run",
    cell: (c) => {
      const r = c.row.original;
      return (
        <div className="min-w-0 py-1.5">
          <RunId id={r.runId} />
          <div className="truncate text-[11px] text-zinc-500">
            {r.retryFailedOf ? (
              <>failed records of {r.retryFailedOf}</>
            ) : r.segmentRunId ? (
              <>segmentation {r.segmentRunId}</>
            ) : (
              <>no segmentation yet</>
            )}
            {r.transport !== "none" ? ` · ${r.transport}` : ""}
          </div>
        </div>
      );
    },
    meta: { className: "w-[20.5rem]" },
  }),
  col.accessor("status", {
    header: "Status",
    cell: (c) => {
      const r = c.row.original;
      return (
        <span className="flex items-center gap-1.5">
          <RunStatus status={r.status} />
          {r.dryRun ? <Tag tone="border-zinc-200 bg-zinc-50 text-zinc-600">dry run</Tag> : null}
          {r.waitingForBudget ? (
            <Tag tone="border-amber-200 bg-amber-50 text-amber-800">budget</Tag>
          ) : null}
        </span>
      );
    },
    meta: { className: "w-40" },
  }),
  col.accessor("createdAt", {
    header: "When",
    cell: (c) => <RelativeTime iso={c.getValue()} />,
    meta: { className: "w-24" },
  }),
  count("sent", "Sent", "Records sent (to the org, or to the outbox in a dry run)"),
  count("created", "Created", "Records Salesforce created"),
  count("updated", "Updated", "Records Salesforce updated"),
  count(
    "failed",
    "Failed",
    "Sent and refused by Salesforce: kept for the next run",
    "font-medium text-red-700",
  ),
  count(
    "unsent",
    "Not sent",
    "Owed and never sent: the run stopped first (kept for the next run)",
    "text-amber-800",
  ),
  count("skippedUnchanged", "Unchanged", "Not sent: Salesforce already has them as they are"),
  count("apiCalls", "API calls", "Requests to the org's REST and Bulk APIs (OAuth not counted)"),
  col.display({
    id: "note",
    header: "Reason",
    cell: (c) => {
      const note = runNote(c.row.original);
      if (!note) return <span className="text-zinc-400">—</span>;
      return (
        <span
          data-testid="sync-note"
          title={note.text}
          className={`truncate ${noteTone[note.tone]}`}
        >
          {note.text}
        </span>
      );
    },
  }),
  col.display({
    id: "records",
    header: "Records",
    cell: (c) => {
      const r = c.row.original;
      const n = notAccepted(r);
      return (
        <Link
          to={withSearch({ run: r.runId })}
          className={`hover:underline ${n ? "text-sky-700" : "text-zinc-500"}`}
          aria-label={`Records of ${r.runId}`}
        >
          {n ? `${n.toLocaleString()} not accepted` : "view"}
        </Link>
      );
    },
    meta: { className: "w-40" },
  }),
]);
