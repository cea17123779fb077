// The run's facts: when it was created, started and finished, then its stats in words.
import type { ReactNode } from "react";
import type { RunDetail } from "../../api/client";
import { RelativeTime } from "../../components/Time";
import { absolute } from "../../lib/time";
import { humanize } from "./factLabels";

function factValue(v: unknown): ReactNode {
  if (typeof v === "number") return <span className="tabular-nums">{v.toLocaleString()}</span>;
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (Array.isArray(v) && v.every((x) => typeof x === "string"))
    return v.length ? v.join(", ") : "none";
  return <code className="text-[12px] break-all">{JSON.stringify(v)}</code>;
}

function FactList({ entries }: { entries: [string, unknown][] }) {
  return (
    <dl className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-4 gap-y-1 px-3 py-2.5">
      {entries.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-zinc-500">{humanize(k)}</dt>
          <dd className="min-w-0 text-zinc-800">{factValue(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

function When({ label, iso }: { label: string; iso: string | null }) {
  return (
    <>
      <dt className="text-zinc-500">{label}</dt>
      <dd className="flex gap-2 tabular-nums">
        {iso ? (
          <>
            <span title={absolute(iso)}>{absolute(iso)}</span>
            <span className="text-zinc-400">
              <RelativeTime iso={iso} />
            </span>
          </>
        ) : (
          <span className="text-zinc-400">—</span>
        )}
      </dd>
    </>
  );
}

/**
 * The stats the Facts panel lists: not the timeline, not those another panel shows, and not the
 * facts a run does not have (null: "Rejects key null" says nothing).
 */
export function factEntries(
  stats: Record<string, unknown>,
  hide?: ReadonlySet<string>,
): [string, unknown][] {
  return Object.entries(stats).filter(
    ([k, v]) => k !== "timeline" && !hide?.has(k) && v !== null && v !== undefined,
  );
}

/** Times, then the run's stats (less those another panel shows). */
export function Facts({ run, hide }: { run: RunDetail; hide?: ReadonlySet<string> }) {
  const stats = factEntries(run.stats, hide);
  return (
    <>
      <dl className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-4 gap-y-1 px-3 py-2.5">
        <When label="Created" iso={run.createdAt} />
        <When label="Started" iso={run.startedAt} />
        <When label="Finished" iso={run.finishedAt} />
      </dl>
      {stats.length ? (
        <div className="border-t border-zinc-100">
          <FactList entries={stats} />
        </div>
      ) : null}
    </>
  );
}
