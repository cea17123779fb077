// Schema history: per table, which file created it and which later files added or widened which
// columns, from which original header, and the run that did it.
import { useMemo } from "react";
import { PageShell } from "../../components/PageShell";
import { Button, EmptyState, FilterSelect, Panel, TableSkeleton } from "../../components/ui";
import { navigate, useSearch, withSearch } from "../../lib/router";
import { useSchemaHistory } from "../../queries/useSchemaHistory";
import { stepsOf } from "./schemaSteps";
import { TableHistory } from "./TableHistory";

export function SchemaPage() {
  const search = useSearch();
  const table = search.get("table") || undefined;
  const all = useSchemaHistory(undefined);
  const history = useSchemaHistory(table);
  const tables = [...new Set(all.data?.changes.map((c) => c.tableName))].sort();
  const steps = useMemo(() => stepsOf(history.data?.changes ?? []), [history.data]);

  return (
    <PageShell
      title="Schema history"
      query={history}
      onRefresh={() => {
        void all.refetch();
        void history.refetch();
      }}
      above={
        <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
          <FilterSelect
            label="Table"
            value={table ?? ""}
            options={tables}
            onChange={(v) => navigate(withSearch({ table: v }))}
          />
          <span className="text-[12px] text-zinc-500">
            Columns are only ever added or widened (integer → bigint → numeric → text), never
            dropped or narrowed.
          </span>
        </div>
      }
      loading={
        <Panel>
          <TableSkeleton label="Loading schema history" />
        </Panel>
      }
      errorTitle="Couldn't load the schema history"
      isEmpty={() => steps.size === 0}
      empty={
        table ? (
          <EmptyState
            title={`No schema changes recorded for ${table}`}
            action={
              <Button onClick={() => navigate(withSearch({ table: undefined }))}>All tables</Button>
            }
          >
            The table has not been loaded by an ingest yet, or the name is different.
          </EmptyState>
        ) : (
          <EmptyState title="No tables yet">
            The first file loaded into a table creates it; a later file with a new column adds it,
            and a value that no longer fits widens the column's type. Drop a CSV into{" "}
            <code className="text-zinc-700">lake/inbox/&lt;table&gt;/</code> or run{" "}
            <code className="text-zinc-700">cdp ingest FILE</code>.
          </EmptyState>
        )
      }
    >
      {() => [...steps].map(([t, list]) => <TableHistory key={t} table={t} steps={list} />)}
    </PageShell>
  );
}
