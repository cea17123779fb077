// Columns an ingest run added to, or widened in, its table, with a link to the table's history.
import { Panel } from "../../../components/ui";
import { Link } from "../../../lib/router";
import type { IngestStats } from "./stats";

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
