// Quality: which rules fail on which tables, how often lately, and the rows that failed them.
// Every filter (table, rule, run, window) lives in the URL.
import { useEffect, useMemo } from "react";
import type { QualityFailure, QualitySummary, RuleSummary } from "../../api/client";
import { columnsFor, DataTable } from "../../components/DataTable";
import { DayBars, days, peak } from "../../components/DayBars";
import { fileName } from "../../components/LakeKey";
import { Severity, SeverityDot } from "../../components/Severity";
import { RelativeTime } from "../../components/Time";
import { UpdatedAt } from "../../components/UpdatedAt";
import {
  Button,
  EmptyState,
  ErrorState,
  FilterSelect,
  PageHeader,
  Panel,
  Segmented,
  TableSkeleton,
} from "../../components/ui";
import { Link, navigate, useSearch, withSearch } from "../../lib/router";
import type { QualityFilter, QualityWindow } from "../../queries/keys";
import { useQualityFailures } from "../../queries/useQualityFailures";
import { sinceOf, useQualitySummary } from "../../queries/useQualitySummary";

const SAMPLE_ROWS = 25;
const windows: { value: QualityWindow; label: string }[] = [
  { value: "24h", label: "24 h" },
  { value: "7d", label: "7 days" },
  { value: "30d", label: "30 days" },
  { value: "all", label: "All" },
];
const windowWords: Record<QualityWindow, string> = {
  "24h": "in the last 24 hours",
  "7d": "in the last 7 days",
  "30d": "in the last 30 days",
  all: "yet",
};

function useFilter(): QualityFilter {
  const search = useSearch();
  return useMemo(() => {
    const w = search.get("window");
    return {
      table: search.get("table") || undefined,
      rule: search.get("rule") || undefined,
      runId: search.get("run") || undefined,
      window: windows.some((x) => x.value === w) ? (w as QualityWindow) : "7d",
    };
  }, [search]);
}

export function QualityPage() {
  const filter = useFilter();
  // The filter's choices: every table and rule in the window, whatever else is selected.
  const options = useQualitySummary({ window: filter.window });
  const summary = useQualitySummary(filter);
  const samples = useQualityFailures(filter, SAMPLE_ROWS);
  useEffect(() => {
    document.title = "Quality · CDP";
  }, []);

  const tables = [...new Set(options.data?.byRule.map((r) => r.table))].sort();
  const rules = [
    ...new Set(
      options.data?.byRule
        .filter((r) => !filter.table || r.table === filter.table)
        .map((r) => r.rule),
    ),
  ].sort();
  const filtered = !!(filter.table || filter.rule || filter.runId);
  const total = summary.data?.byRule.reduce((n, r) => n + r.count, 0) ?? 0;

  return (
    <div className="mx-auto flex max-w-[1400px] flex-col gap-3">
      <PageHeader
        title="Quality"
        actions={
          <Button
            onClick={() => {
              void options.refetch();
              void summary.refetch();
              void samples.refetch();
            }}
          >
            Refresh
          </Button>
        }
      >
        <UpdatedAt at={summary.dataUpdatedAt} fetching={summary.isFetching} />
      </PageHeader>

      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <Segmented
          label="Time window"
          options={windows.map((w) => ({
            to: withSearch({ window: w.value === "7d" ? undefined : w.value }),
            label: w.label,
            current: filter.window === w.value,
          }))}
        />
        <FilterSelect
          label="Table"
          value={filter.table ?? ""}
          options={tables}
          onChange={(v) => navigate(withSearch({ table: v, rule: undefined }))}
        />
        <FilterSelect
          label="Rule"
          value={filter.rule ?? ""}
          options={rules}
          onChange={(v) => navigate(withSearch({ rule: v }))}
        />
        {filter.runId ? (
          <span className="flex h-6 items-center gap-1 rounded-full border border-zinc-300 bg-white pr-1 pl-2 text-[12px] text-zinc-700">
            run
            <Link to={`/runs/${filter.runId}`} className="font-mono hover:underline">
              {filter.runId}
            </Link>
            <Link
              to={withSearch({ run: undefined })}
              aria-label="Remove the run filter"
              className="rounded-full px-1 text-zinc-400 hover:bg-zinc-100 hover:text-zinc-800"
            >
              ✕
            </Link>
          </span>
        ) : null}
        {filtered ? (
          <Link
            to={withSearch({ table: undefined, rule: undefined, run: undefined })}
            className="text-[12px] text-zinc-500 underline-offset-2 hover:text-zinc-900 hover:underline"
          >
            Clear filters
          </Link>
        ) : null}
      </div>

      {summary.isPending ? (
        <Panel>
          <TableSkeleton label="Loading quality failures" />
        </Panel>
      ) : summary.isError ? (
        <Panel>
          <ErrorState
            title="Couldn't load quality failures"
            error={summary.error}
            onRetry={() => summary.refetch()}
          />
        </Panel>
      ) : summary.data.byRule.length === 0 ? (
        <Panel>
          {filtered ? (
            <EmptyState
              title="No failures match these filters"
              action={
                <Button
                  onClick={() =>
                    navigate(withSearch({ table: undefined, rule: undefined, run: undefined }))
                  }
                >
                  Clear filters
                </Button>
              }
            >
              Nothing failed for this table, rule or run {windowWords[filter.window]}. Try a longer
              time window.
            </EmptyState>
          ) : (
            <NoFailures window={filter.window} />
          )}
        </Panel>
      ) : (
        <>
          <div className="grid grid-cols-1 gap-3 lg:grid-cols-[minmax(0,1fr)_24rem]">
            <Panel
              title="Failures by table and rule"
              actions={
                <span className="text-[12px] text-zinc-500 tabular-nums">
                  {total.toLocaleString()} failure{total === 1 ? "" : "s"}
                </span>
              }
            >
              <DataTable
                label="Failures by table and rule"
                columns={byRuleColumns}
                data={summary.data.byRule}
                rowId={(r) => `${r.table}.${r.rule}.${r.errorType}.${r.severity}`}
                rowProps={(r) => ({
                  "data-rule": r.rule,
                  className:
                    filter.rule === r.rule && filter.table === r.table
                      ? "bg-sky-50"
                      : "hover:bg-zinc-50",
                })}
              />
            </Panel>
            <Trend overTime={summary.data.overTime} window={filter.window} />
          </div>
          <Samples query={samples} limit={SAMPLE_ROWS} total={total} />
        </>
      )}
    </div>
  );
}

function Trend({
  overTime,
  window,
}: {
  overTime: QualitySummary["overTime"];
  window: QualityWindow;
}) {
  const data = days(overTime, sinceOf(window), Date.now());
  return (
    <Panel
      title="Per day (UTC)"
      actions={
        <span className="text-[12px] text-zinc-500 tabular-nums">
          peak {peak(data).toLocaleString()} / day
        </span>
      }
    >
      <DayBars data={data} />
    </Panel>
  );
}

const ruleCol = columnsFor<RuleSummary>();
const byRuleColumns = ruleCol.columns([
  ruleCol.accessor("table", {
    header: "Table",
    cell: (c) => (
      <Link
        to={withSearch({ table: c.getValue(), rule: undefined })}
        className="font-mono text-[12px] text-zinc-800 hover:text-sky-700 hover:underline"
      >
        {c.getValue()}
      </Link>
    ),
    meta: { className: "w-40" },
  }),
  ruleCol.accessor("rule", {
    header: "Rule",
    cell: (c) => (
      <Link
        to={withSearch({ table: c.row.original.table, rule: c.getValue() })}
        className="font-mono text-[12px] text-zinc-900 hover:text-sky-700 hover:underline"
        title={`Only ${c.getValue()} on ${c.row.original.table}`}
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
    header: "Failures",
    cell: (c) => <span className="tabular-nums">{c.getValue().toLocaleString()}</span>,
    meta: { className: "w-20 text-right" },
  }),
  ruleCol.accessor("runs", {
    header: "Runs",
    cell: (c) => <span className="tabular-nums">{c.getValue().toLocaleString()}</span>,
    meta: { className: "w-16 text-right" },
  }),
  ruleCol.accessor("lastSeen", {
    header: "Last seen",
    cell: (c) => <RelativeTime iso={c.getValue()} />,
    meta: { className: "w-24 text-right" },
  }),
]);

/** What a check is and where rules live, for an empty window. */
function NoFailures({ window }: { window: QualityWindow }) {
  return (
    <EmptyState title={`No quality failures ${windowWords[window]}`}>
      <div className="flex flex-col gap-2 text-left">
        <p>
          Every file is checked on its staged rows before anything loads. A row that fails an{" "}
          <em>error</em> rule is quarantined (kept out of the table, written to{" "}
          <code className="text-zinc-700">error/&lt;table&gt;/&lt;file&gt;.rejects.csv</code>) and
          listed here; a <em>warn</em> rule records the row and still loads it.
        </p>
        <ul className="list-disc pl-5">
          <li>
            <span className="text-zinc-700">Column checks</span> such as not-null and a pattern
            (e.g. <code>email_format</code>).
          </li>
          <li>
            <span className="text-zinc-700">SQL rules</span>: a query selecting the bad rows (e.g.{" "}
            <code>negative_total_spend</code>).
          </li>
          <li>
            <span className="text-zinc-700">Type checks</span>, automatic for every typed column (
            <code>type_&lt;column&gt;</code>), and malformed records with the wrong number of
            fields.
          </li>
        </ul>
        <p>
          Rules and each table's reject threshold live in{" "}
          <code className="text-zinc-700">packages/core/src/quality/rules.ts</code>.
        </p>
      </div>
    </EmptyState>
  );
}

/** The column a failure is about, when its rule or description names one. */
function failingColumn(f: QualityFailure, columns: string[]): string | undefined {
  return columns.find(
    (c) =>
      f.rule === `type_${c}` ||
      f.rule === `not_null_${c}` ||
      f.rule.startsWith(`${c}_`) ||
      new RegExp(`(^|[^a-z0-9_])${c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}([^a-z0-9_]|$)`).test(
        f.description,
      ),
  );
}

function Samples({
  query,
  limit,
  total,
}: {
  query: ReturnType<typeof useQualityFailures>;
  limit: number;
  total: number;
}) {
  const items = query.data?.items ?? [];
  // One compact table per warehouse table, its columns the union of the samples' columns.
  const groups = useMemo(() => {
    const byTable = new Map<string, { columns: string[]; rows: QualityFailure[] }>();
    for (const f of items) {
      const g = byTable.get(f.tableName) ?? { columns: [], rows: [] };
      for (const c of Object.keys(f.row ?? {})) if (!g.columns.includes(c)) g.columns.push(c);
      g.rows.push(f);
      byTable.set(f.tableName, g);
    }
    return [...byTable];
  }, [items]);

  return (
    <Panel
      title="Sample failing rows"
      actions={
        items.length ? (
          <span className="text-[12px] text-zinc-500">
            {items.length < total
              ? `newest ${items.length} of ${total.toLocaleString()}`
              : `all ${items.length}`}
          </span>
        ) : null
      }
    >
      {query.isPending ? (
        <TableSkeleton label="Loading failing rows" />
      ) : query.isError ? (
        <ErrorState
          title="Couldn't load failing rows"
          error={query.error}
          onRetry={() => query.refetch()}
        />
      ) : items.length === 0 ? (
        <p className="px-3 py-2.5 text-zinc-500">No rows were kept for these failures.</p>
      ) : (
        <div className="flex flex-col" data-testid="failure-samples">
          {groups.map(([table, g]) => (
            <div key={table} className="overflow-x-auto border-t border-zinc-100 first:border-t-0">
              <table className="min-w-full border-collapse text-left text-[12px]">
                <caption className="px-3 pt-2 pb-1 text-left text-zinc-500">
                  <span className="font-mono text-zinc-800">{table}</span>
                </caption>
                <thead>
                  <tr className="border-b border-zinc-200 text-xxs font-semibold tracking-wide text-zinc-500 uppercase">
                    <th
                      scope="col"
                      className="sticky left-0 z-[1] bg-white px-3 py-1 whitespace-nowrap"
                    >
                      Rule · why
                    </th>
                    <th scope="col" className="px-2 py-1 whitespace-nowrap">
                      File · run
                    </th>
                    {g.columns.map((c) => (
                      <th
                        key={c}
                        scope="col"
                        className="px-2 py-1 font-mono font-medium tracking-normal normal-case whitespace-nowrap"
                      >
                        {c}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {g.rows.map((f) => {
                    const bad = failingColumn(f, g.columns);
                    return (
                      <tr
                        key={f.id}
                        data-failure-rule={f.rule}
                        className="group border-b border-zinc-100 align-top last:border-b-0 hover:bg-zinc-50"
                      >
                        <td className="sticky left-0 z-[1] w-80 max-w-80 min-w-80 bg-white px-3 py-1 group-hover:bg-zinc-50">
                          <div className="flex items-center gap-1.5">
                            <SeverityDot value={f.severity} />
                            <span className="font-mono text-zinc-900">{f.rule}</span>
                            <span className="ml-auto text-zinc-400 tabular-nums">
                              {f.rowNumber !== null ? `row ${f.rowNumber}` : ""}
                            </span>
                          </div>
                          <div className="truncate text-zinc-500" title={f.description}>
                            {f.description}
                          </div>
                        </td>
                        <td className="px-2 py-1 whitespace-nowrap">
                          <Link
                            to={`/runs/${f.runId}`}
                            title={`${f.sourceKey}, run ${f.runId}`}
                            className="text-zinc-800 hover:text-sky-700 hover:underline"
                          >
                            {fileName(f.sourceKey)}
                          </Link>
                          <div className="text-zinc-400">
                            <RelativeTime iso={f.createdAt} />
                          </div>
                        </td>
                        {f.row ? (
                          g.columns.map((c) => {
                            const v = f.row?.[c];
                            return (
                              <td
                                key={c}
                                className={`max-w-48 truncate px-2 py-1 font-mono leading-9 whitespace-nowrap ${
                                  c === bad ? "bg-red-50 text-red-800" : "text-zinc-700"
                                }`}
                                title={v ?? "null"}
                              >
                                {v === null || v === undefined ? (
                                  <span className="text-zinc-300">null</span>
                                ) : v === "" ? (
                                  <span className="text-zinc-300">""</span>
                                ) : (
                                  v
                                )}
                              </td>
                            );
                          })
                        ) : (
                          <td colSpan={g.columns.length} className="px-2 py-1 leading-9">
                            <code
                              className="block max-w-[60rem] truncate text-zinc-700"
                              title={f.rawRecord ?? ""}
                            >
                              {f.rawRecord ?? "(record not kept)"}
                            </code>
                          </td>
                        )}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          ))}
        </div>
      )}
      {items.length === limit && total > limit ? (
        <p className="border-t border-zinc-100 px-3 py-1.5 text-[12px] text-zinc-500">
          Every rejected row is in the run's rejects file (see the run's page).
        </p>
      ) : null}
    </Panel>
  );
}
