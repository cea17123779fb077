// Quality: which rules fail on which tables, how often lately, and the rows that failed them —
// each failing row once, however many runs saw it; open ones unless asked for the fixed.
// Every filter (status, table, rule, run, window) lives in the URL.
import { useMemo } from "react";
import { DataTable } from "../../components/DataTable";
import { PageShell } from "../../components/PageShell";
import { Button, EmptyState, Panel, TableSkeleton } from "../../components/ui";
import { navigate, useSearch } from "../../lib/router";
import { useQualityFailures } from "../../queries/useQualityFailures";
import { useQualitySummary } from "../../queries/useQualitySummary";
import { byRuleColumns } from "./byRuleColumns";
import { AllFixed, NoFailures } from "./NoFailures";
import { clearFilters, QualityFilters } from "./QualityFilters";
import {
  failingRows,
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
  const options = useQualitySummary({ window: filter.window, status: "all" });
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
      above={
        <QualityFilters
          filter={filter}
          tables={tables}
          rules={rules}
          counts={summary.data?.statuses}
        />
      }
      loading={
        <Panel>
          <TableSkeleton label="Loading quality failures" />
        </Panel>
      }
      errorTitle="Couldn't load quality failures"
      isEmpty={(d) => d.byRule.length === 0}
      empty={
        filter.status === "open" && (summary.data?.statuses.fixed ?? 0) > 0 ? (
          <AllFixed fixed={summary.data?.statuses.fixed ?? 0} window={filter.window} />
        ) : isFiltered(filter) ? (
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
                <span
                  className="text-[12px] text-zinc-500 tabular-nums"
                  data-testid="quality-total"
                >
                  {failingRows(total, filter.status)}
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
