// Sample failing rows under the Quality page's summary, grouped by warehouse table.
import { useMemo } from "react";
import { ErrorState, Panel, TableSkeleton } from "../../components/ui";
import type { useQualityFailures } from "../../queries/useQualityFailures";
import { SampleTable } from "./SampleTable";
import { groupSamples } from "./sampleGroups";

export function Samples({
  query,
  limit,
  total,
}: {
  query: ReturnType<typeof useQualityFailures>;
  limit: number;
  total: number;
}) {
  const items = query.data?.items ?? [];
  const groups = useMemo(() => groupSamples(items), [items]);

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
            <SampleTable key={table} table={table} group={g} />
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
