// The CDC table's columns: per warehouse table fed by DMS, where it stands.
import type { CdcTable } from "../../api/client";
import { RunId } from "../../components/CopyId";
import { columnsFor } from "../../components/DataTable";
import { RelativeTime } from "../../components/Time";
import { absolute } from "../../lib/time";
import { LAG_WARN_SECONDS, lagLabel, lagTitle, seqLabel } from "./lag";

const col = columnsFor<CdcTable>();

/** A count, right-aligned; `data-count` names it for tests and tools. */
function Count({
  name,
  value,
  tone = "",
  title,
}: {
  name: string;
  value: number;
  tone?: string;
  title?: string;
}) {
  return (
    <span
      data-count={name}
      title={title}
      className={`tabular-nums ${value ? tone : "text-zinc-400"}`}
    >
      {value.toLocaleString()}
    </span>
  );
}

const count = (
  key: "inserted" | "updated" | "deleted" | "skippedStale" | "quarantined",
  header: string,
  title: string,
  tone = "",
) =>
  col.accessor(key, {
    header: () => <span title={title}>{header}</span>,
    cell: (c) => <Count name={key} value={c.getValue()} tone={tone} />,
    meta: { className: "w-16 text-right" },
  });

const files = (
  key: "filesApplied" | "filesPending" | "filesFailed",
  header: string,
  title: (t: Pick<CdcTable, "source">) => string,
  tone = "",
) =>
  col.accessor(key, {
    header: () => <span title={title({ source: "<SCHEMA>/<TABLE>" })}>{header}</span>,
    cell: (c) => (
      <Count name={key} value={c.getValue()} tone={tone} title={title(c.row.original)} />
    ),
    meta: { className: "w-20 text-right" },
  });

export const cdcColumns = col.columns([
  col.accessor("table", {
    header: "Table",
    cell: (c) => (
      <div className="min-w-0 py-1.5">
        <div className="truncate font-medium text-zinc-900">{c.getValue()}</div>
        <div className="truncate font-mono text-[11px] text-zinc-500" title="Its folder below dms/">
          {c.row.original.source}
        </div>
      </div>
    ),
  }),
  col.accessor("lastChange", {
    header: "Last change",
    cell: (c) => {
      const last = c.getValue();
      if (!last) return <span className="text-zinc-400">none applied</span>;
      return (
        <div className="min-w-0 py-1.5" data-testid="cdc-last-change">
          <div title={last.commitTs ? `committed ${absolute(last.commitTs)}` : undefined}>
            {last.commitTs ? (
              <RelativeTime iso={last.commitTs} />
            ) : (
              <span className="text-zinc-400">no commit time</span>
            )}
          </div>
          <div className="truncate font-mono text-[10px] text-zinc-500" title={`seq ${last.seq}`}>
            {seqLabel(last.seq)}
          </div>
        </div>
      );
    },
    meta: { className: "w-[18.5rem]" },
  }),
  col.accessor("lag", {
    header: () => (
      <span title="How far the table is behind the newest file waiting in dms/">Lag</span>
    ),
    cell: (c) => {
      const lag = c.getValue();
      const warn = lag !== null && lag > LAG_WARN_SECONDS;
      return (
        <span
          data-testid="cdc-lag"
          title={lagTitle(c.row.original)}
          className={`whitespace-nowrap tabular-nums ${warn ? "font-medium text-amber-700" : lag === 0 ? "text-emerald-700" : ""}`}
        >
          {lagLabel(lag)}
        </span>
      );
    },
    meta: { className: "w-28" },
  }),
  count("inserted", "Ins", "Inserted: changes that added a row (an update of a missing key too)"),
  count("updated", "Upd", "Updated"),
  count("deleted", "Del", "Deleted: each leaves a tombstone"),
  count(
    "skippedStale",
    "Stale",
    "Changes older than what the table already held for their key: not applied",
    "text-amber-700",
  ),
  count(
    "quarantined",
    "Quar.",
    "Changes that failed an error rule: not applied (see Quality)",
    "text-red-700",
  ),
  files("filesApplied", "Applied", () => "Files applied (the ledger)"),
  files(
    "filesPending",
    "Pending",
    (t) => `Files waiting in dms/${t.source}/`,
    "font-medium text-sky-700",
  ),
  files(
    "filesFailed",
    "Failed",
    (t) => `Files in error/dms/${t.source}/, each with a .reason.txt beside it`,
    "font-medium text-red-700",
  ),
  col.accessor("lastRunId", {
    header: "Last applied by",
    cell: (c) => {
      const id = c.getValue();
      const at = c.row.original.lastAppliedAt;
      if (!id) return <span className="text-zinc-400">—</span>;
      return (
        <div className="min-w-0 py-1.5">
          <RunId id={id} />
          <div className="text-[11px] text-zinc-500">
            <RelativeTime iso={at} />
          </div>
        </div>
      );
    },
    meta: { className: "w-[20.5rem]" },
  }),
]);
