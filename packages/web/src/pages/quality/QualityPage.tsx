// Quality: which rules fail on which tables, how often lately, and the rows that failed them.
// Every filter (table, rule, run, window) lives in the URL.
import { useMemo } from "react";
import { DataTable } from "../../components/DataTable";
import { PageShell } from "../../components/PageShell";
import { Button, EmptyState, Panel, TableSkeleton } from "../../components/ui";
import { navigate, useSearch } from "../../lib/router";
import { useQualityFailures } from "../../queries/useQualityFailures";
import { useQualitySummary } from "../../queries/useQualitySummary";
import { byRuleColumns } from "./byRuleColumns";
import { NoFailures } from "./NoFailures";
import { clearFilters, QualityFilters } from "./QualityFilters";
import {
  filterChoices,
  isFiltered,
  qualityFilterOf,
  totalFailures,
  windowWords,
} from "./qualityFilter";
import { Samples } from "./Samples";
import { Trend } from "./Trend";

const SAMPLE_ROWS = 25;

export function QualityPage() {
  const search = useSearch();
  const filter = useMemo(() => qualityFilterOf(search), [search]);
  // The filter's choices: every table and rule in the window, whatever else is selected.
  const options = useQualitySummary({ window: filter.window });
  const summary = useQualitySummary(filter);
  const samples = useQualityFailures(filter, SAMPLE_ROWS);
  const { tables, rules } = filterChoices(options.data?.byRule ?? [], filter.table);
  const total = totalFailures(summary.data?.byRule ?? []);

  return (
    <PageShell
      title="Quality"
      query={summary}
      onRefresh={() => {
        void options.refetch();
        void summary.refetch();
        void samples.refetch();
      }}
      above={<QualityFilters filter={filter} tables={tables} rules={rules} />}
      loading={
        <Panel>
          <TableSkeleton label="Loading quality failures" />
        </Panel>
      }
      errorTitle="Couldn't load quality failures"
      isEmpty={(d) => d.byRule.length === 0}
      empty={
        isFiltered(filter) ? (
          <EmptyState
            title="No failures match these filters"
            action={<Button onClick={() => navigate(clearFilters())}>Clear filters</Button>}
          >
            Nothing failed for this table, rule or run {windowWords[filter.window]}. Try a longer
            time window.
          </EmptyState>
        ) : (
          <NoFailures window={filter.window} />
        )
      }
    >
      {(d) => (
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
                data={d.byRule}
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
            <Trend overTime={d.overTime} window={filter.window} />
          </div>
          <Samples query={samples} limit={SAMPLE_ROWS} total={total} />
        </>
      )}
    </PageShell>
  );
}
