// The Quality page's filters: open or fixed failing rows, time window, table, rule, the run it was
// opened from, and a way to clear them. All of them are URL parameters.
import { FilterSelect, Segmented } from "../../components/ui";
import { Link, navigate, withSearch } from "../../lib/router";
import type { QualityFilter } from "../../queries/keys";
import { isFiltered, statuses, windows } from "./qualityFilter";

/** The current URL without the table, rule, run and status filters (the window stays). */
export const clearFilters = () =>
  withSearch({ table: undefined, rule: undefined, run: undefined, status: undefined });

export function QualityFilters({
  filter,
  tables,
  rules,
  counts,
}: {
  filter: QualityFilter;
  tables: string[];
  rules: string[];
  /** Open and fixed failing rows for the other filters, once known. */
  counts?: { open: number; fixed: number };
}) {
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
      <Segmented
        label="Open or fixed"
        options={statuses.map((s) => {
          const n = s.value === "all" ? undefined : counts?.[s.value];
          return {
            to: withSearch({ status: s.value === "open" ? undefined : s.value }),
            label: (
              <>
                {s.label}
                {n !== undefined ? (
                  <span className="tabular-nums opacity-70">
                    <span className="sr-only"> </span>
                    {n}
                  </span>
                ) : null}
              </>
            ),
            title: s.title,
            current: filter.status === s.value,
          };
        })}
      />
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
      {isFiltered(filter) ? (
        <Link
          to={clearFilters()}
          className="text-[12px] text-zinc-500 underline-offset-2 hover:text-zinc-900 hover:underline"
        >
          Clear filters
        </Link>
      ) : null}
    </div>
  );
}
