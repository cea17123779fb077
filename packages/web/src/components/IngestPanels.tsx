// What an ingest run did to its file: counts against the table's reject threshold, the rules
// that quarantined rows, rules that did not apply, the schema it changed and where the file is.
import type { RunDetail } from "../api/client";
import { type IngestStats, percent, type RuleCount } from "../lib/ingest";
import { Link } from "../lib/router";
import { isFailed } from "../lib/status";
import { columnsFor, DataTable } from "./DataTable";
import { LakeKey } from "./LakeKey";
import { Severity } from "./Severity";
import { Panel } from "./ui";

const qualityLink = (runId: string, rule?: string) =>
  `/quality?${new URLSearchParams({ run: runId, window: "all", ...(rule ? { rule } : {}) })}`;

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
  const share = stats.rowsRead ? stats.rowsQuarantined / stats.rowsRead : 0;
  const threshold = stats.rejectThreshold;
  const over = threshold !== null && share > threshold;
  // The bar's full width is a little past the threshold, so both a small share and the
  // threshold marker are visible; a share beyond that fills it.
  const scale = Math.max(threshold !== null ? threshold * 1.25 : 1, share) || 1;
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
                style={{ width: `${Math.min(100, (share / scale) * 100)}%` }}
              />
              <div
                aria-hidden
                className="absolute -inset-y-1 w-px bg-zinc-500"
                style={{ left: `${(threshold / scale) * 100}%` }}
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

const ruleCol = columnsFor<RuleCount>();

function ruleColumns(runId: string) {
  return ruleCol.columns([
    ruleCol.accessor("rule", {
      header: "Rule",
      cell: (c) => (
        <Link
          to={qualityLink(runId, c.getValue())}
          className="font-mono text-[12px] text-zinc-900 hover:text-sky-700 hover:underline"
          title={`Failures of ${c.getValue()} in this run`}
        >
          {c.getValue()}
        </Link>
      ),
    }),
    ruleCol.accessor("errorType", {
      header: "Error type",
      cell: (c) => <span className="text-zinc-600">{c.getValue()}</span>,
      meta: { className: "w-40" },
    }),
    ruleCol.accessor("severity", {
      header: "Severity",
      cell: (c) => <Severity value={c.getValue()} />,
      meta: { className: "w-24" },
    }),
    ruleCol.accessor("count", {
      header: "Rows",
      cell: (c) => <span className="tabular-nums">{c.getValue().toLocaleString()}</span>,
      meta: { className: "w-20 text-right" },
    }),
  ]);
}

/** One row per rule that failed, each linking to its failing rows on the Quality page. */
export function QuarantineByRule({ run, stats }: { run: RunDetail; stats: IngestStats }) {
  if (!stats.failures.length) return null;
  const total = stats.failures.reduce((n, f) => n + f.count, 0);
  return (
    <Panel
      title="Quarantine by rule"
      actions={
        <Link to={qualityLink(run.id)} className="text-[12px] text-sky-700 hover:underline">
          Failing rows on the Quality page →
        </Link>
      }
    >
      <DataTable
        label="Quarantine by rule"
        columns={ruleColumns(run.id)}
        data={stats.failures}
        rowId={(f) => f.rule}
        dense
      />
      {total !== stats.rowsQuarantined ? (
        <p className="border-t border-zinc-100 px-3 py-1.5 text-[12px] text-zinc-500">
          Counted per rule ({total.toLocaleString()} failures,{" "}
          {stats.rowsQuarantined.toLocaleString()} rows quarantined): a row failing several rules
          counts under each, and a warning's row still loads.
        </p>
      ) : null}
    </Panel>
  );
}

export function SkippedRules({ stats }: { stats: IngestStats }) {
  if (!stats.skippedRules.length) return null;
  return (
    <Panel title="Rules not applied">
      <ul className="divide-y divide-zinc-100" data-testid="skipped-rules">
        {stats.skippedRules.map((r) => (
          <li key={r.rule} className="flex gap-3 px-3 py-1.5">
            <span className="w-48 shrink-0 truncate font-mono text-[12px] text-zinc-800">
              {r.rule}
            </span>
            <span className="min-w-0 text-zinc-600">{r.reason}</span>
          </li>
        ))}
      </ul>
    </Panel>
  );
}

function Chips({ items }: { items: string[] }) {
  return (
    <span className="flex flex-wrap gap-1">
      {items.map((c) => (
        <code
          key={c}
          className="rounded border border-zinc-200 bg-zinc-50 px-1 text-[12px] text-zinc-800"
        >
          {c}
        </code>
      ))}
    </span>
  );
}

/** Columns this file added to, or widened in, its table. */
export function SchemaChanges({ stats }: { stats: IngestStats }) {
  const { columnsAdded: added, columnsWidened: widened } = stats;
  return (
    <Panel
      title="Schema changes"
      actions={
        stats.table ? (
          <Link
            to={`/schema?table=${encodeURIComponent(stats.table)}`}
            className="text-[12px] text-sky-700 hover:underline"
          >
            History →
          </Link>
        ) : null
      }
    >
      {added.length || widened.length ? (
        <dl
          className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-4 gap-y-1.5 px-3 py-2.5"
          data-testid="schema-changes"
        >
          {added.length ? (
            <>
              <dt className="text-zinc-500">Added</dt>
              <dd>
                <Chips items={added} />
              </dd>
            </>
          ) : null}
          {widened.length ? (
            <>
              <dt className="text-zinc-500">Widened</dt>
              <dd>
                <Chips items={widened} />
              </dd>
            </>
          ) : null}
        </dl>
      ) : (
        <p className="px-3 py-2.5 text-zinc-500">No columns added or widened.</p>
      )}
    </Panel>
  );
}

/** Where the file is now and where its rejected rows went, as lake keys. */
export function IngestFiles({ run, stats }: { run: RunDetail; stats: IngestStats }) {
  const arrived = typeof run.args.sourceKey === "string" ? run.args.sourceKey : null;
  const fileFailed = !!stats.errorKey && stats.errorKey === stats.sourceKey;
  const rows: { label: string; key: string; note?: string }[] = [];
  if (arrived) rows.push({ label: "Arrived as", key: arrived });
  if (stats.sourceKey && stats.sourceKey !== arrived) {
    rows.push({
      label: "Now at",
      key: stats.sourceKey,
      note: fileFailed ? "moved to error/, not loaded" : "loaded, moved to processed/",
    });
  }
  if (fileFailed && stats.errorKey) {
    rows.push({ label: "Why it failed", key: `${stats.errorKey}.reason.txt` });
  } else if (stats.errorKey) {
    rows.push({
      label: "Rejected rows",
      key: stats.errorKey,
      note: "CSV, the failed rule on each row",
    });
  }
  if (!rows.length) return null;
  return (
    <Panel title="Files in the lake">
      <dl className="flex flex-col gap-2 px-3 py-2.5" data-testid="ingest-files">
        {rows.map((r) => (
          <div key={r.label} className="min-w-0">
            <dt className="text-[12px] text-zinc-500">
              {r.label}
              {r.note ? <span className="text-zinc-400"> · {r.note}</span> : null}
            </dt>
            <dd className="min-w-0">
              <LakeKey value={r.key} wrap />
            </dd>
          </div>
        ))}
      </dl>
      <p className="border-t border-zinc-100 px-3 py-1.5 text-[12px] text-zinc-500">
        Keys in the data lake: locally the file{" "}
        <code className="whitespace-nowrap text-zinc-700">&lt;data-dir&gt;/lake/{"<key>"}</code>,
        deployed the DataLake bucket.
      </p>
    </Panel>
  );
}
