// The runs list: what ran, what failed, retry it. Filters and the page live in the URL.
import { useEffect, useMemo, useState } from "react";
import { ApiError, type Run, type RunStatusValue } from "../../api/client";
import { BulkRetryDialog, hasFailedStatus } from "../../components/BulkRetryDialog";
import { StatusDot, statusLook } from "../../components/RunStatus";
import { RunsTable, RunsTableSkeleton } from "../../components/RunsTable";
import { UpdatedAt } from "../../components/UpdatedAt";
import { Button, EmptyState, ErrorState, Panel, Spinner } from "../../components/ui";
import { Link, navigate, useSearch, withSearch } from "../../lib/router";
import { parseStatuses, RunStatuses } from "../../lib/status";
import type { RunFilter } from "../../queries/keys";
import { usePipelines } from "../../queries/usePipelines";
import { useRetryAll } from "../../queries/useRetryAll";
import { useRetryRun } from "../../queries/useRetryRun";
import { useRuns } from "../../queries/useRuns";
import { useStartRun } from "../../queries/useStartRun";

const PAGE_SIZE = 50;

/** What each startable pipeline does, for the start button's hint. */
const startHints: Record<string, string> = {
  selftest: "checks the ops store, warehouse and lake in a few seconds",
  housekeeping: "lake retention and orphaned staging tables, as the scheduler runs it",
};
// Which cursor led to which, so "Newer" can walk back after "Older" (survives leaving the page).
const previousCursor = new Map<string, string>();

type Notice =
  | { kind: "started"; run: Run; fail: boolean }
  | { kind: "retried"; from: string; run: Run }
  | { kind: "bulk"; retried: number; skipped: number; failed: number }
  | { kind: "error"; message: string; runId?: string };

function useFilter(): RunFilter {
  const search = useSearch();
  return useMemo(() => {
    const limit = Number(search.get("limit"));
    return {
      status: parseStatuses(search.get("status")),
      pipeline: (search.get("pipeline") ?? "").split(",").filter(Boolean),
      from: search.get("from") ?? undefined,
      to: search.get("to") ?? undefined,
      cursor: search.get("cursor") ?? undefined,
      limit: Number.isInteger(limit) && limit > 0 && limit <= 500 ? limit : PAGE_SIZE,
    };
  }, [search]);
}

export function RunsPage() {
  const filter = useFilter();
  const runs = useRuns(filter);
  const start = useStartRun();
  const retry = useRetryRun();
  const [notice, setNotice] = useState<Notice | null>(null);
  const bulk = useRetryAll();
  const [bulkOpen, setBulkOpen] = useState(false);
  const closeBulk = () => {
    if (bulk.data) {
      setNotice({
        kind: "bulk",
        retried: bulk.data.retried.length,
        skipped: bulk.data.skipped.length,
        failed: bulk.data.failed.length,
      });
    }
    setBulkOpen(false);
    bulk.reset();
  };
  const [fail, setFail] = useState(false);
  const pipelines = usePipelines();
  const startable = pipelines.data?.items.filter((p) => p.startable).map((p) => p.name) ?? [];
  const [chosen, setChosen] = useState<string | null>(null);
  const toStart =
    chosen && startable.includes(chosen)
      ? chosen
      : startable.includes("selftest")
        ? "selftest"
        : (startable[0] ?? null);
  // The platform's pipelines, plus any a run or the URL names (an old run of a retired one).
  const pipelineOptions = [
    ...new Set([
      ...(pipelines.data?.items.map((p) => p.name) ?? []),
      ...(runs.data?.items.map((r) => r.pipeline) ?? []),
      ...filter.pipeline,
    ]),
  ].sort();

  useEffect(() => {
    document.title = "Runs · CDP";
  }, []);

  const filtered =
    filter.status.length > 0 || filter.pipeline.length > 0 || !!filter.from || !!filter.to;
  const highlight = notice?.kind === "started" || notice?.kind === "retried" ? notice.run.id : null;

  const setStatuses = (next: RunStatusValue[]) =>
    navigate(withSearch({ status: next.join(","), cursor: undefined }), { replace: false });

  // Only the selftest knows how to fail on purpose.
  const failing = fail && toStart === "selftest";
  const onStart = () => {
    if (!toStart) return;
    start.mutate(
      { pipeline: toStart, args: failing ? { fail: true } : {} },
      {
        onSuccess: ({ run }) => setNotice({ kind: "started", run, fail: failing }),
        onError: (e) => setNotice({ kind: "error", message: e.message }),
      },
    );
  };

  const onRetry = (run: Run) =>
    retry.mutate(run.id, {
      onSuccess: ({ run: next }) => setNotice({ kind: "retried", from: run.id, run: next }),
      onError: (e) =>
        setNotice({
          kind: "error",
          message: e.message,
          runId: e instanceof ApiError ? e.runId : undefined,
        }),
    });

  return (
    <div className="mx-auto flex max-w-[1400px] flex-col gap-3">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-[15px] font-semibold text-zinc-900">Runs</h1>
        <UpdatedAt at={runs.dataUpdatedAt} fetching={runs.isFetching} />
        <div className="ml-auto flex items-center gap-2">
          {toStart ? (
            <div className="flex items-center rounded-md border border-zinc-300 bg-white shadow-xs">
              {startable.length > 1 ? (
                <label className="flex h-7 items-center border-r border-zinc-200">
                  <span className="sr-only">Pipeline to start</span>
                  <select
                    value={toStart}
                    onChange={(e) => setChosen(e.target.value)}
                    className="h-full rounded-l-md bg-transparent px-1.5 text-[12px] text-zinc-700"
                  >
                    {startable.map((p) => (
                      <option key={p} value={p}>
                        {p}
                      </option>
                    ))}
                  </select>
                </label>
              ) : null}
              {toStart === "selftest" ? (
                <label className="flex h-7 cursor-pointer items-center gap-1.5 border-r border-zinc-200 px-2.5 text-[12px] text-zinc-600 select-none">
                  <input
                    type="checkbox"
                    checked={fail}
                    onChange={(e) => setFail(e.target.checked)}
                    className="size-3 accent-zinc-800"
                  />
                  Make it fail
                </label>
              ) : null}
              <button
                type="button"
                onClick={onStart}
                disabled={start.isPending}
                className="flex h-7 items-center gap-1.5 rounded-r-md px-2.5 text-[12px] font-medium text-zinc-800 hover:bg-zinc-50 disabled:opacity-50"
                title={`Start ${toStart}${startHints[toStart] ? `: ${startHints[toStart]}` : ""}`}
              >
                {start.isPending ? <Spinner /> : <PlayIcon />}
                Run {toStart}
              </button>
            </div>
          ) : pipelines.isError ? (
            <span className="text-[12px] text-zinc-400" title={pipelines.error.message}>
              Couldn't list pipelines to start
            </span>
          ) : null}
          <Button onClick={() => runs.refetch()} title="Refresh now">
            Refresh
          </Button>
        </div>
      </div>

      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <fieldset className="flex items-center gap-1">
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
                className={`flex h-6 items-center gap-1.5 rounded-full border px-2 text-[12px] ${
                  on
                    ? "border-zinc-800 bg-zinc-800 text-white"
                    : "border-zinc-200 bg-white text-zinc-600 hover:border-zinc-300 hover:text-zinc-900"
                }`}
              >
                <StatusDot status={s} decorative />
                {statusLook(s).label}
              </button>
            );
          })}
        </fieldset>
        <label className="flex items-center gap-1.5 text-[12px] text-zinc-500">
          Pipeline
          <select
            value={filter.pipeline.join(",")}
            onChange={(e) => navigate(withSearch({ pipeline: e.target.value, cursor: undefined }))}
            className="h-6 rounded-md border border-zinc-200 bg-white px-1.5 text-[12px] text-zinc-800"
          >
            <option value="">All</option>
            {pipelineOptions.map((p) => (
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
          onClick={() => setBulkOpen(true)}
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

      <BulkRetryDialog open={bulkOpen} filter={filter} bulk={bulk} onClose={closeBulk} />

      {notice ? <NoticeBar notice={notice} onClose={() => setNotice(null)} /> : null}

      <Panel className="overflow-hidden">
        {runs.isPending ? (
          <RunsTableSkeleton />
        ) : runs.isError ? (
          <ErrorState
            title="Couldn't load runs"
            error={runs.error}
            onRetry={() => runs.refetch()}
          />
        ) : runs.data.items.length === 0 ? (
          <Empty
            filtered={filtered}
            paged={!!filter.cursor}
            canSelftest={startable.includes("selftest")}
            onSelftest={() => {
              setChosen("selftest");
              start.mutate(
                { pipeline: "selftest", args: {} },
                {
                  onSuccess: ({ run }) => setNotice({ kind: "started", run, fail: false }),
                  onError: (e) => setNotice({ kind: "error", message: e.message }),
                },
              );
            }}
          />
        ) : (
          <RunsTable
            runs={runs.data.items}
            actions={{
              retry: onRetry,
              retrying: retry.isPending ? (retry.variables ?? null) : null,
              highlight,
            }}
          />
        )}
      </Panel>

      <Pager
        cursor={filter.cursor}
        nextCursor={runs.data?.nextCursor ?? null}
        count={runs.data?.items.length ?? 0}
      />
    </div>
  );
}

function PlayIcon() {
  return (
    <svg viewBox="0 0 16 16" className="size-3" fill="currentColor" aria-hidden>
      <path d="M4.5 2.8v10.4a.5.5 0 0 0 .77.42l8-5.2a.5.5 0 0 0 0-.84l-8-5.2a.5.5 0 0 0-.77.42z" />
    </svg>
  );
}

function NoticeBar({ notice, onClose }: { notice: Notice; onClose: () => void }) {
  const error = notice.kind === "error";
  return (
    <div
      role={error ? "alert" : "status"}
      className={`flex items-center gap-2 rounded-md border px-3 py-1.5 text-[12px] ${
        error ? "border-red-200 bg-red-50 text-red-800" : "border-sky-200 bg-sky-50 text-sky-900"
      }`}
    >
      <span className="min-w-0 flex-1">
        {notice.kind === "started" ? (
          <>
            Started <span className="font-medium">{notice.run.pipeline}</span>
            {notice.fail ? " (set to fail)" : ""} as{" "}
            <Link to={`/runs/${notice.run.id}`} className="font-mono underline">
              {notice.run.id}
            </Link>
            .
          </>
        ) : notice.kind === "bulk" ? (
          <>
            Bulk retry: {notice.retried} retried, {notice.skipped} skipped, {notice.failed} failed.{" "}
            <Link to="/audit" className="underline">
              Audit log
            </Link>
          </>
        ) : notice.kind === "retried" ? (
          <>
            Retrying <span className="font-mono">{notice.from}</span> as{" "}
            <Link to={`/runs/${notice.run.id}`} className="font-mono underline">
              {notice.run.id}
            </Link>
            .
          </>
        ) : (
          <>
            {notice.message}
            {notice.runId ? (
              <>
                {" "}
                <Link to={`/runs/${notice.runId}`} className="font-mono underline">
                  Open {notice.runId}
                </Link>
              </>
            ) : null}
          </>
        )}
      </span>
      <button
        type="button"
        onClick={onClose}
        aria-label="Dismiss"
        className="rounded px-1 text-current opacity-60 hover:opacity-100"
      >
        ✕
      </button>
    </div>
  );
}

function Empty({
  filtered,
  paged,
  canSelftest,
  onSelftest,
}: {
  filtered: boolean;
  paged: boolean;
  canSelftest: boolean;
  onSelftest: () => void;
}) {
  if (paged) {
    return (
      <EmptyState
        title="No older runs"
        action={
          <Button onClick={() => navigate(withSearch({ cursor: undefined }))}>
            Back to newest
          </Button>
        }
      />
    );
  }
  if (filtered) {
    return (
      <EmptyState
        title="No runs match these filters"
        action={<Button onClick={() => navigate("/runs")}>Clear filters</Button>}
      >
        Runs are kept with their status; try another status or pipeline.
      </EmptyState>
    );
  }
  return (
    <EmptyState
      title="No runs yet"
      action={canSelftest ? <Button onClick={onSelftest}>Run selftest</Button> : null}
    >
      A run appears here whenever a pipeline starts: a CSV dropped into{" "}
      <code className="text-zinc-700">lake/inbox/</code>, a scheduled segmentation, a sync.
      {canSelftest
        ? " The selftest checks the ops store, warehouse and lake in a few seconds."
        : ""}
    </EmptyState>
  );
}

function Pager({
  cursor,
  nextCursor,
  count,
}: {
  cursor: string | undefined;
  nextCursor: string | null;
  count: number;
}) {
  if (!cursor && !nextCursor) {
    return count ? (
      <p className="text-[12px] text-zinc-400">
        {count} run{count === 1 ? "" : "s"}
      </p>
    ) : null;
  }
  return (
    <div className="flex items-center justify-between text-[12px] text-zinc-500">
      <span>{cursor ? "Older runs" : "Newest runs"}</span>
      <div className="flex gap-2">
        <Button
          disabled={!cursor}
          onClick={() =>
            navigate(withSearch({ cursor: cursor ? previousCursor.get(cursor) : undefined }))
          }
        >
          ← Newer
        </Button>
        <Button
          disabled={!nextCursor}
          onClick={() => {
            if (!nextCursor) return;
            previousCursor.set(nextCursor, cursor ?? "");
            navigate(withSearch({ cursor: nextCursor }));
          }}
        >
          Older →
        </Button>
      </div>
    </div>
  );
}
