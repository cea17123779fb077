// The runs list's filters (status chips, pipeline, created range) and the bulk retry they scope.
import type { RunStatusValue } from "../../api/client";
import { StatusDot, statusLook } from "../../components/RunStatus";
import { Button } from "../../components/ui";
import { Link, navigate, withSearch } from "../../lib/router";
import { failedStatuses, hidesResolved, RunStatuses } from "../../lib/status";
import type { RunFilter } from "../../queries/keys";
import { hasFailedStatus } from "./bulk-retry/bulkFilter";
import { isFiltered } from "./runFilter";

const setStatuses = (next: RunStatusValue[]) =>
  navigate(withSearch({ status: next.join(","), cursor: undefined }), { replace: false });

const chip = (on: boolean) =>
  `flex h-6 items-center gap-1.5 rounded-full border px-2 text-[12px] whitespace-nowrap ${
    on
      ? "border-zinc-800 bg-zinc-800 text-white"
      : "border-zinc-200 bg-white text-zinc-600 hover:border-zinc-300 hover:text-zinc-900"
  }`;

export function RunsFilters({
  filter,
  pipelines,
  onBulkRetry,
}: {
  filter: RunFilter;
  pipelines: string[];
  onBulkRetry: () => void;
}) {
  const filtered = isFiltered(filter);
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
      <fieldset className="flex flex-wrap items-center gap-1">
        <legend className="sr-only">Status</legend>
        {RunStatuses.map((s) => {
          const on = filter.status.includes(s);
          return (
            <button
              key={s}
              type="button"
              aria-pressed={on}
              onClick={() =>
                setStatuses(on ? filter.status.filter((x) => x !== s) : [...filter.status, s])
              }
              title={
                failedStatuses.has(s)
                  ? `${statusLook(s).label} and not resolved by a successful retry: what needs attention`
                  : undefined
              }
              className={chip(on)}
            >
              <StatusDot status={s} decorative />
              {statusLook(s).label}
            </button>
          );
        })}
        {/* A failed status means "needs attention"; the runs a retry resolved are one click away. */}
        {filter.status.some((s) => failedStatuses.has(s)) ? (
          <button
            type="button"
            aria-pressed={!hidesResolved(filter)}
            onClick={() =>
              navigate(
                withSearch({
                  resolved: hidesResolved(filter) ? "show" : undefined,
                  cursor: undefined,
                }),
              )
            }
            title="Failed runs a later retry resolved: kept in the history, hidden from what needs attention"
            className={`${chip(!hidesResolved(filter))} border-dashed`}
          >
            + resolved
          </button>
        ) : null}
      </fieldset>
      <label className="flex items-center gap-1.5 text-[12px] text-zinc-500">
        Pipeline
        <select
          value={filter.pipeline.join(",")}
          onChange={(e) => navigate(withSearch({ pipeline: e.target.value, cursor: undefined }))}
          className="h-6 rounded-md border border-zinc-200 bg-white px-1.5 text-[12px] text-zinc-800"
        >
          <option value="">All</option>
          {pipelines.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
          {filter.pipeline.length > 1 ? (
            <option value={filter.pipeline.join(",")}>{filter.pipeline.join(", ")}</option>
          ) : null}
        </select>
      </label>
      {filter.from || filter.to ? (
        <span className="text-[12px] text-zinc-500">
          Created {filter.from ? `from ${filter.from}` : ""} {filter.to ? `to ${filter.to}` : ""}
        </span>
      ) : null}
      {filtered ? (
        <Link
          to="/runs"
          className="text-[12px] text-zinc-500 underline-offset-2 hover:text-zinc-900 hover:underline"
        >
          Clear filters
        </Link>
      ) : null}
      <Button
        className="ml-auto"
        onClick={onBulkRetry}
        disabled={!hasFailedStatus(filter)}
        title={
          hasFailedStatus(filter)
            ? "Retry every failed run this filter matches, on every page, that was not retried yet"
            : "The status filter has no failed status to retry"
        }
      >
        {filtered ? "Retry failed matching filter…" : "Retry all failed…"}
      </Button>
    </div>
  );
}
