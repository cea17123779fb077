// Schema history: per table, which file created it and which later files added or widened which
// columns, from which original header, and the run that did it.
import { useEffect, useMemo } from "react";
import type { SchemaChange } from "../../api/client";
import { RunId } from "../../components/CopyId";
import { fileName } from "../../components/LakeKey";
import { RelativeTime } from "../../components/Time";
import { UpdatedAt } from "../../components/UpdatedAt";
import {
  Button,
  EmptyState,
  ErrorState,
  FilterSelect,
  PageHeader,
  Panel,
  TableSkeleton,
} from "../../components/ui";
import { navigate, useSearch, withSearch } from "../../lib/router";
import { absolute } from "../../lib/time";
import { useSchemaHistory } from "../../queries/useSchemaHistory";

type ChangeKind = "create" | "add" | "widen";

/** The API sends `change` as text; anything new reads as an addition until the web learns it. */
const kindOf = (c: string): ChangeKind => (c === "create" || c === "widen" ? c : "add");

/** One file's changes to one table. */
interface Step {
  runId: string;
  sourceKey: string;
  createdAt: string;
  created: SchemaChange[];
  added: SchemaChange[];
  widened: SchemaChange[];
}

function stepsOf(changes: SchemaChange[]): Map<string, Step[]> {
  const tables = new Map<string, Map<string, Step>>();
  for (const c of changes) {
    const runs = tables.get(c.tableName) ?? new Map<string, Step>();
    const step = runs.get(c.runId) ?? {
      runId: c.runId,
      sourceKey: c.sourceKey,
      createdAt: c.createdAt,
      created: [],
      added: [],
      widened: [],
    };
    const kind = kindOf(c.change);
    (kind === "create" ? step.created : kind === "widen" ? step.widened : step.added).push(c);
    runs.set(c.runId, step);
    tables.set(c.tableName, runs);
  }
  return new Map(
    [...tables].map(([t, runs]) => [
      t,
      [...runs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    ]),
  );
}

export function SchemaPage() {
  const search = useSearch();
  const table = search.get("table") || undefined;
  const all = useSchemaHistory(undefined);
  const history = useSchemaHistory(table);
  useEffect(() => {
    document.title = "Schema history · CDP";
  }, []);
  const tables = [...new Set(all.data?.changes.map((c) => c.tableName))].sort();
  const steps = useMemo(() => stepsOf(history.data?.changes ?? []), [history.data]);

  return (
    <div className="mx-auto flex max-w-[1400px] flex-col gap-3">
      <PageHeader
        title="Schema history"
        actions={
          <Button
            onClick={() => {
              void all.refetch();
              void history.refetch();
            }}
          >
            Refresh
          </Button>
        }
      >
        <UpdatedAt at={history.dataUpdatedAt} fetching={history.isFetching} />
      </PageHeader>
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <FilterSelect
          label="Table"
          value={table ?? ""}
          options={tables}
          onChange={(v) => navigate(withSearch({ table: v }))}
        />
        <span className="text-[12px] text-zinc-500">
          Columns are only ever added or widened (integer → bigint → numeric → text), never dropped
          or narrowed.
        </span>
      </div>

      {history.isPending ? (
        <Panel>
          <TableSkeleton label="Loading schema history" />
        </Panel>
      ) : history.isError ? (
        <Panel>
          <ErrorState
            title="Couldn't load the schema history"
            error={history.error}
            onRetry={() => history.refetch()}
          />
        </Panel>
      ) : steps.size === 0 ? (
        <Panel>
          {table ? (
            <EmptyState
              title={`No schema changes recorded for ${table}`}
              action={
                <Button onClick={() => navigate(withSearch({ table: undefined }))}>
                  All tables
                </Button>
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
          )}
        </Panel>
      ) : (
        [...steps].map(([t, list]) => <TableHistory key={t} table={t} steps={list} />)
      )}
    </div>
  );
}

function TableHistory({ table, steps }: { table: string; steps: Step[] }) {
  const columns = steps.reduce((n, s) => n + s.created.length + s.added.length, 0);
  return (
    <Panel
      title={
        <span className="normal-case">
          <span className="font-mono text-[12px] tracking-normal text-zinc-800">{table}</span>
        </span>
      }
      actions={
        <span className="text-[12px] text-zinc-500 tabular-nums">
          {columns} column{columns === 1 ? "" : "s"} · {steps.length} file
          {steps.length === 1 ? "" : "s"} changed it
        </span>
      }
    >
      <ol data-testid={`schema-${table}`}>
        {steps.map((s) => (
          <li
            key={s.runId}
            className="grid grid-cols-[8.5rem_minmax(0,1fr)_minmax(0,18rem)] gap-x-4 border-b border-zinc-100 px-3 py-2 last:border-b-0"
          >
            <div className="text-[12px] text-zinc-700">
              <RelativeTime iso={s.createdAt} />
              <div className="text-zinc-400 tabular-nums">{absolute(s.createdAt).slice(0, 16)}</div>
            </div>
            <div className="min-w-0">
              {s.created.length ? <Created changes={s.created} /> : null}
              {[...s.added, ...s.widened].length ? (
                <table className="w-full border-collapse text-left">
                  <tbody>
                    {[...s.added, ...s.widened].map((c) => (
                      <ChangeRow key={c.id} change={c} />
                    ))}
                  </tbody>
                </table>
              ) : null}
            </div>
            <div className="min-w-0 text-[12px]">
              <div className="truncate text-zinc-800" title={s.sourceKey}>
                {fileName(s.sourceKey)}
              </div>
              <RunId id={s.runId} />
            </div>
          </li>
        ))}
      </ol>
    </Panel>
  );
}

function Created({ changes }: { changes: SchemaChange[] }) {
  return (
    <div>
      <p className="text-zinc-800">
        <KindTag kind="create" /> the table, with {changes.length} column
        {changes.length === 1 ? "" : "s"}:
      </p>
      <p className="mt-1 flex flex-wrap gap-x-3 gap-y-0.5 text-[12px]">
        {[...changes].reverse().map((c) => (
          <span key={c.id} className="whitespace-nowrap" title={originalNote(c)}>
            <span className="font-mono text-zinc-800">{c.columnName}</span>{" "}
            <span className="text-zinc-400">{c.dataType}</span>
          </span>
        ))}
      </p>
    </div>
  );
}

function originalNote(c: SchemaChange) {
  return c.originalName && c.originalName !== c.columnName
    ? `from the header "${c.originalName}"`
    : "";
}

function ChangeRow({ change: c }: { change: SchemaChange }) {
  const kind = kindOf(c.change);
  return (
    <tr data-column={c.columnName} className="align-baseline">
      <td className="w-20 py-0.5 pr-3">
        <KindTag kind={kind} />
      </td>
      <td className="w-48 py-0.5 pr-3 font-mono text-[12px] text-zinc-900">{c.columnName}</td>
      <td className="w-44 py-0.5 pr-3 text-[12px] text-zinc-600">
        {kind === "widen" && c.fromType ? (
          <>
            {c.fromType} <span className="text-zinc-400">→</span> {c.dataType}
          </>
        ) : (
          c.dataType
        )}
      </td>
      <td className="py-0.5 text-[12px] text-zinc-500">
        {c.originalName && c.originalName !== c.columnName ? (
          <>
            from header <code className="text-zinc-700">"{c.originalName}"</code>
          </>
        ) : null}
      </td>
    </tr>
  );
}

function KindTag({ kind }: { kind: ChangeKind }) {
  const look: Record<ChangeKind, { label: string; className: string }> = {
    create: { label: "created", className: "border-zinc-300 text-zinc-600" },
    add: { label: "added", className: "border-sky-200 bg-sky-50 text-sky-800" },
    widen: { label: "widened", className: "border-amber-200 bg-amber-50 text-amber-800" },
  };
  const l = look[kind];
  return (
    <span className={`inline-block rounded border px-1 text-xxs font-medium ${l.className}`}>
      {l.label}
    </span>
  );
}
