// One table's schema history: a line per file that changed it, with the columns it created, added
// or widened, the header each came from, and the run that did it.
import type { SchemaChange } from "../../api/client";
import { RunId } from "../../components/CopyId";
import { fileName } from "../../components/LakeKey";
import { RelativeTime } from "../../components/Time";
import { Panel } from "../../components/ui";
import { absolute } from "../../lib/time";
import { type ChangeKind, columnCount, kindOf, renamedFrom, type Step } from "./schemaSteps";

export function TableHistory({ table, steps }: { table: string; steps: Step[] }) {
  const columns = columnCount(steps);
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
  const from = renamedFrom(c);
  return from ? `from the header "${from}"` : "";
}

function ChangeRow({ change: c }: { change: SchemaChange }) {
  const kind = kindOf(c.change);
  const from = renamedFrom(c);
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
        {from ? (
          <>
            from header <code className="text-zinc-700">"{from}"</code>
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
