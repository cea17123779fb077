// An ingest run's rows: read, loaded, quarantined, and the quarantined share against the table's
// reject threshold.
import type { RunDetail } from "../../../api/client";
import { Panel } from "../../../components/ui";
import { percent } from "../../../lib/percent";
import { isFailed } from "../../../lib/status";
import { quarantineShare } from "./quarantineShare";
import type { IngestStats } from "./stats";

function Count({ label, value, tone }: { label: string; value: number; tone?: string }) {
  return (
    <div className="flex min-w-24 flex-col">
      <span className="text-xxs font-medium tracking-wide text-zinc-500 uppercase">{label}</span>
      <span
        className={`text-[20px] leading-7 font-semibold tabular-nums ${tone ?? "text-zinc-900"}`}
      >
        {value.toLocaleString()}
      </span>
    </div>
  );
}

/** Read, loaded, quarantined; the quarantined share against the table's threshold. */
export function IngestCounts({ run, stats }: { run: RunDetail; stats: IngestStats }) {
  const { share, threshold, over, barPercent, markerPercent } = quarantineShare(stats);
  return (
    <Panel
      title="Rows"
      actions={
        stats.table ? (
          <span className="text-[12px] text-zinc-500">
            into <span className="font-mono text-zinc-800">{stats.table}</span>
            {stats.key ? (
              <>
                {" "}
                by <span className="font-mono text-zinc-800">{stats.key}</span>
              </>
            ) : null}
          </span>
        ) : null
      }
    >
      <div className="flex flex-col gap-2.5 px-3 py-2.5" data-testid="ingest-counts">
        <div className="flex flex-wrap gap-x-8 gap-y-2">
          <Count label="Read" value={stats.rowsRead} />
          <Count label="Loaded" value={stats.rowsLoaded} />
          {stats.rowsLoaded > 0 && stats.rowsInserted !== null ? (
            <>
              <Count label="New" value={stats.rowsInserted} />
              {stats.rowsUpdated !== null ? (
                <Count label="Updated" value={stats.rowsUpdated} />
              ) : null}
              {stats.rowsUnchanged !== null ? (
                <Count label="Unchanged" value={stats.rowsUnchanged} tone="text-zinc-500" />
              ) : null}
            </>
          ) : null}
          <div className="flex flex-col">
            <span className="text-xxs font-medium tracking-wide text-zinc-500 uppercase">
              Quarantined
            </span>
            <span className="flex items-baseline gap-2">
              <span
                className={`text-[20px] leading-7 font-semibold tabular-nums ${
                  stats.rowsQuarantined
                    ? over
                      ? "text-red-700"
                      : "text-amber-700"
                    : "text-zinc-900"
                }`}
              >
                {stats.rowsQuarantined.toLocaleString()}
              </span>
              <span
                className="text-[12px] text-zinc-500 tabular-nums"
                data-testid="quarantine-share"
              >
                {percent(share)} of read
              </span>
            </span>
          </div>
        </div>
        {threshold !== null && stats.rowsRead > 0 ? (
          <div>
            <div className="relative h-1.5 rounded-full bg-zinc-100">
              <div
                className={`absolute inset-y-0 left-0 rounded-full ${over ? "bg-red-600" : "bg-amber-500"}`}
                style={{ width: `${barPercent}%` }}
              />
              <div
                aria-hidden
                className="absolute -inset-y-1 w-px bg-zinc-500"
                style={{ left: `${markerPercent}%` }}
              />
            </div>
            <p className="mt-1.5 text-[12px] text-zinc-500">
              {over ? (
                <span className="text-red-700">
                  Over the reject threshold of the {stats.table ?? ""} table ({percent(threshold)}):
                  the whole file failed and nothing was loaded.
                </span>
              ) : (
                <>
                  The {stats.table ?? "table"} table fails a file above {percent(threshold)}{" "}
                  quarantined
                  {isFailed(run.status) ? "." : ` — this one stayed under it and loaded.`}
                </>
              )}{" "}
              Set in <code className="text-zinc-700">packages/core/src/quality/rules.ts</code>.
            </p>
          </div>
        ) : null}
      </div>
    </Panel>
  );
}
