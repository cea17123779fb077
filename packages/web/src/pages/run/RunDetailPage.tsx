// One run: what failed, why, what a retry will do — and the run's place in its retry chain.
import { type ReactNode, useEffect } from "react";
import { ApiError, type RunDetail } from "../../api/client";
import { CopyButton, RunId } from "../../components/CopyId";
import { EngineDetail } from "../../components/EngineDetail";
import {
  IngestCounts,
  IngestFiles,
  QuarantineByRule,
  SchemaChanges,
  SkippedRules,
} from "../../components/IngestPanels";
import { RunStatus, StatusDot } from "../../components/RunStatus";
import { RelativeTime } from "../../components/Time";
import { Button, ErrorState, Panel, Spinner } from "../../components/ui";
import { ingestStatKeys, ingestStatsOf } from "../../lib/ingest";
import { retryActionLook } from "../../lib/retry";
import { Link, navigate } from "../../lib/router";
import { isActive, isFailed } from "../../lib/status";
import { timelineOf } from "../../lib/summary";
import { absolute, clockTime, duration, runDuration, useNow } from "../../lib/time";
import { useAudit } from "../../queries/useAudit";
import { useRetryRun } from "../../queries/useRetryRun";
import { useRun } from "../../queries/useRun";

export function RunDetailPage({ id }: { id: string }) {
  const run = useRun(id);
  useEffect(() => {
    document.title = run.data ? `${id} · ${run.data.status.toLowerCase()} · CDP` : `${id} · CDP`;
  }, [id, run.data]);

  return (
    <div className="mx-auto flex max-w-[1400px] flex-col gap-3">
      <nav aria-label="Breadcrumb" className="flex items-center gap-1.5 text-[12px] text-zinc-500">
        <Link to="/runs" className="hover:text-zinc-900 hover:underline">
          Runs
        </Link>
        {run.data ? (
          <>
            <span aria-hidden>/</span>
            <Link
              to={`/runs?pipeline=${encodeURIComponent(run.data.pipeline)}`}
              className="hover:text-zinc-900 hover:underline"
            >
              {run.data.pipeline}
            </Link>
          </>
        ) : null}
      </nav>
      {run.isPending ? (
        <DetailSkeleton />
      ) : run.isError ? (
        <Panel>
          {run.error instanceof ApiError && run.error.status === 404 ? (
            <ErrorState title="No such run" error={run.error} />
          ) : (
            <ErrorState
              title="Couldn't load this run"
              error={run.error}
              onRetry={() => run.refetch()}
            />
          )}
        </Panel>
      ) : (
        <Detail run={run.data} />
      )}
    </div>
  );
}

function Detail({ run }: { run: RunDetail }) {
  const now = useNow();
  const failed = isFailed(run.status);
  const ingest = ingestStatsOf(run);
  return (
    <>
      <header className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <h1 className="flex items-center gap-2 font-mono text-[15px] font-semibold text-zinc-900">
          {run.id}
          <CopyButton text={run.id} />
        </h1>
        <span className="text-[13px]" data-testid="run-status">
          <RunStatus status={run.status} />
        </span>
        <span className="text-zinc-500">
          <span className="text-zinc-800">{run.pipeline}</span> · {run.engine}
          {run.startedAt ? (
            <>
              {" "}
              · {run.finishedAt ? "took" : "running for"}{" "}
              <span className="tabular-nums">{duration(runDuration(run, now))}</span>
            </>
          ) : null}
        </span>
        {run.retryOf ? (
          <span className="text-zinc-500" data-testid="retry-of">
            retry of{" "}
            <Link
              to={`/runs/${run.retryOf}`}
              className="font-mono text-zinc-800 underline decoration-zinc-300 underline-offset-2 hover:decoration-zinc-700"
            >
              {run.retryOf}
            </Link>
          </span>
        ) : null}
        {run.links.length ? (
          <nav
            aria-label="In the AWS console"
            className="ml-auto flex flex-wrap items-center gap-x-3 text-[12px]"
          >
            {run.links.map((l) => (
              <a
                key={l.url}
                href={l.url}
                target="_blank"
                rel="noreferrer"
                className="text-sky-700 hover:underline"
              >
                {l.label} ↗
              </a>
            ))}
          </nav>
        ) : null}
      </header>

      <div className="grid grid-cols-1 gap-3 lg:grid-cols-[minmax(0,1fr)_28rem]">
        <div className="flex min-w-0 flex-col gap-3">
          {failed ? (
            <section
              aria-label="What failed"
              className="rounded-md border border-red-200 border-l-4 border-l-red-600 bg-white"
            >
              <header className="flex h-8 items-center border-b border-red-100 px-3">
                <h2 className="text-xxs font-semibold tracking-wide text-red-700 uppercase">
                  {failureHeading(run)}
                </h2>
              </header>
              <pre className="max-h-80 overflow-auto px-3 py-2.5 text-[12px] leading-5 whitespace-pre-wrap text-zinc-800">
                {run.error ?? "The engine gave no error message."}
              </pre>
            </section>
          ) : null}
          <RetryPanel run={run} />
          {ingest ? (
            <>
              <IngestCounts run={run} stats={ingest} />
              <QuarantineByRule run={run} stats={ingest} />
              <SkippedRules stats={ingest} />
            </>
          ) : null}
          <Panel title="Timeline">
            <Timeline run={run} />
          </Panel>
          <Panel
            title="Arguments"
            actions={<CopyButton text={JSON.stringify(run.args, null, 2)} label="Copy arguments" />}
          >
            {Object.keys(run.args).length ? (
              <pre className="overflow-auto px-3 py-2.5 text-[12px] leading-5 text-zinc-800">
                {JSON.stringify(run.args, null, 2)}
              </pre>
            ) : (
              <p className="px-3 py-2.5 text-zinc-500">No arguments.</p>
            )}
          </Panel>
        </div>

        <div className="flex min-w-0 flex-col gap-3">
          <Panel title="Facts">
            <Facts run={run} hide={ingest ? ingestStatKeys : undefined} />
          </Panel>
          {Object.values(run.engineDetail).some((v) => v !== null && v !== "") ? (
            <Panel title={`Engine · ${run.engine}`}>
              <EngineDetail detail={run.engineDetail} />
            </Panel>
          ) : null}
          {ingest ? (
            <>
              <IngestFiles run={run} stats={ingest} />
              <SchemaChanges stats={ingest} />
            </>
          ) : null}
          <Panel title="Retry chain">
            <Chain run={run} />
          </Panel>
          <AuditPanel run={run} />
        </div>
      </div>
    </>
  );
}

function failureHeading(run: RunDetail): string {
  switch (run.status) {
    case "TIMED_OUT":
      return "Timed out";
    case "STOPPED":
      return "Stopped";
    default:
      return "What failed";
  }
}

/** "already retried as run_…" → the run id becomes a link. */
function linkRunIds(text: string): ReactNode[] {
  return text.split(/(run_[0-9A-Za-z]+)/g).map((part, i) =>
    /^run_[0-9A-Za-z]+$/.test(part) ? (
      // biome-ignore lint/suspicious/noArrayIndexKey: fixed split of one string
      <Link key={i} to={`/runs/${part}`} className="font-mono underline">
        {part}
      </Link>
    ) : (
      part
    ),
  );
}

function RetryPanel({ run }: { run: RunDetail }) {
  const retry = useRetryRun();
  const blocked = run.retry.blockedReason;
  const conflict = retry.error instanceof ApiError ? retry.error : null;
  const look = retryActionLook(run.retry.action);
  // Only failed runs, and ones that were retried, have anything to say about retrying.
  if (!isFailed(run.status) && !run.retriedBy) return null;
  return (
    <Panel title="Retry">
      <div className="flex items-start gap-3 px-3 py-2.5">
        <span
          className="mt-px shrink-0 rounded border border-zinc-300 px-1.5 text-[12px] font-medium text-zinc-700"
          data-testid="retry-action"
          title={`${look.label}: ${look.meaning}`}
        >
          {look.label}
        </span>
        <div className="min-w-0 flex-1">
          <p className="text-zinc-800" data-testid="retry-description">
            {run.retry.description}
          </p>
          <p className="mt-0.5 text-[12px] text-zinc-500">
            {blocked ? (
              <span data-testid="retry-blocked">{linkRunIds(blocked)}</span>
            ) : (
              <>
                {look.label}: {look.meaning}. Retrying twice never starts two runs.
              </>
            )}
          </p>
        </div>
        <Button
          variant={blocked ? "default" : "primary"}
          disabled={!!blocked || retry.isPending}
          title={blocked ?? `Retry ${run.id}`}
          onClick={() =>
            retry.mutate(run.id, { onSuccess: ({ run: next }) => navigate(`/runs/${next.id}`) })
          }
        >
          {retry.isPending ? <Spinner /> : null}
          Retry
        </Button>
      </div>
      {retry.error ? (
        <div
          role="alert"
          className="border-t border-red-100 bg-red-50 px-3 py-2 text-[12px] text-red-800"
        >
          {linkRunIds(retry.error.message)}
          {conflict?.runId ? (
            <>
              {" "}
              <Link to={`/runs/${conflict.runId}`} className="font-medium underline">
                Open {conflict.runId}
              </Link>
            </>
          ) : null}
        </div>
      ) : null}
    </Panel>
  );
}

/** Who retried this run, or started it as a retry, and when: from the audit log. */
function AuditPanel({ run }: { run: RunDetail }) {
  const audit = useAudit({ runId: run.id, limit: 20 });
  return (
    <Panel
      title="Audit"
      actions={
        <Link
          to={`/audit?run=${encodeURIComponent(run.id)}`}
          className="text-[12px] text-zinc-500 hover:text-zinc-900 hover:underline"
        >
          Audit log
        </Link>
      }
    >
      {audit.isPending ? (
        <p className="px-3 py-2.5 text-zinc-400">Loading…</p>
      ) : audit.isError ? (
        <p role="alert" className="px-3 py-2.5 text-[12px] text-red-800">
          Couldn't load the audit log: {audit.error.message}
        </p>
      ) : audit.data.items.length === 0 ? (
        <p className="px-3 py-2.5 text-zinc-500">No one has retried this run.</p>
      ) : (
        <ul className="py-1" data-testid="run-audit">
          {audit.data.items.map((e) => {
            const retriedThis = e.runId === run.id;
            const other = retriedThis ? e.newRunId : e.runId;
            return (
              <li key={e.id} className="px-3 py-1 text-[12px]">
                <div className="flex items-baseline gap-1.5">
                  <span className="truncate font-medium text-zinc-800" title={e.actor}>
                    {e.actor}
                  </span>
                  <span className="shrink-0 text-zinc-500">
                    {retriedThis ? "retried this run as" : "started this run, retrying"}
                  </span>
                  <span className="ml-auto shrink-0 pl-2 text-zinc-400">
                    <RelativeTime iso={e.at} />
                  </span>
                </div>
                {other ? <RunId id={other} /> : null}
              </li>
            );
          })}
        </ul>
      )}
    </Panel>
  );
}

function Timeline({ run }: { run: RunDetail }) {
  const base = Date.parse(run.createdAt);
  const events: {
    key: string;
    label: string;
    at: string | null;
    tone: "done" | "fail" | "wait";
  }[] = [
    { key: "created", label: "Created", at: run.createdAt, tone: "done" },
    { key: "started", label: "Started", at: run.startedAt, tone: run.startedAt ? "done" : "wait" },
    ...timelineOf(run.stats).map((s, i) => ({
      key: `step-${i}`,
      label: s.step,
      at: s.at,
      tone: "done" as const,
    })),
  ];
  if (run.finishedAt) {
    events.push({
      key: "finished",
      label:
        run.status === "SUCCEEDED"
          ? "Succeeded"
          : `Finished: ${run.status.toLowerCase().replace("_", " ")}`,
      at: run.finishedAt,
      tone: isFailed(run.status) ? "fail" : "done",
    });
  } else if (isActive(run.status)) {
    events.push({
      key: "pending",
      label: run.status === "QUEUED" ? "Waiting to start…" : "Running…",
      at: null,
      tone: "wait",
    });
  }
  return (
    <ol className="px-3 py-2">
      {events.map((e, i) => (
        <li key={e.key} className="relative flex items-baseline gap-3 py-1 pl-5">
          {i < events.length - 1 ? (
            <span
              aria-hidden
              className="absolute top-3.5 bottom-[-0.6rem] left-[4.5px] w-px bg-zinc-200"
            />
          ) : null}
          <span
            aria-hidden
            className={`absolute top-[0.6rem] left-0 size-2.5 rounded-full border-2 ${
              e.tone === "fail"
                ? "border-red-600 bg-red-600"
                : e.tone === "wait"
                  ? "animate-pulse border-zinc-300 bg-white"
                  : "border-zinc-400 bg-white"
            }`}
          />
          <span
            className={`min-w-0 flex-1 ${e.tone === "fail" ? "font-medium text-red-700" : "text-zinc-800"}`}
          >
            {e.label}
          </span>
          {e.at ? (
            <>
              <span className="w-20 text-right text-[12px] text-zinc-400 tabular-nums">
                {e.key === "created" ? "" : `+${duration(Date.parse(e.at) - base)}`}
              </span>
              <time
                dateTime={e.at}
                title={absolute(e.at)}
                className="w-20 text-right text-[12px] text-zinc-600 tabular-nums"
              >
                {clockTime(e.at)}
              </time>
            </>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

const factLabels: Record<string, string> = {
  rowsRead: "Rows read",
  rowsLoaded: "Rows loaded",
  rowsQuarantined: "Rows quarantined",
  columnsAdded: "Columns added",
};

function humanize(key: string): string {
  return (
    factLabels[key] ??
    key
      .replace(/([a-z])([A-Z])/g, "$1 $2")
      .replace(/^./, (c) => c.toUpperCase())
      .replace(/ ([A-Z])/g, (_, c: string) => ` ${c.toLowerCase()}`)
  );
}

function factValue(v: unknown): ReactNode {
  if (typeof v === "number") return <span className="tabular-nums">{v.toLocaleString()}</span>;
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (Array.isArray(v) && v.every((x) => typeof x === "string"))
    return v.length ? v.join(", ") : "none";
  return <code className="text-[12px] break-all">{JSON.stringify(v)}</code>;
}

function FactList({ entries }: { entries: [string, unknown][] }) {
  return (
    <dl className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-4 gap-y-1 px-3 py-2.5">
      {entries.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-zinc-500">{humanize(k)}</dt>
          <dd className="min-w-0 text-zinc-800">{factValue(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

function When({ label, iso }: { label: string; iso: string | null }) {
  return (
    <>
      <dt className="text-zinc-500">{label}</dt>
      <dd className="flex gap-2 tabular-nums">
        {iso ? (
          <>
            <span title={absolute(iso)}>{absolute(iso)}</span>
            <span className="text-zinc-400">
              <RelativeTime iso={iso} />
            </span>
          </>
        ) : (
          <span className="text-zinc-400">—</span>
        )}
      </dd>
    </>
  );
}

/** Times, then the run's stats (less those another panel shows). */
function Facts({ run, hide }: { run: RunDetail; hide?: ReadonlySet<string> }) {
  const stats = Object.entries(run.stats).filter(([k]) => k !== "timeline" && !hide?.has(k));
  return (
    <>
      <dl className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-4 gap-y-1 px-3 py-2.5">
        <When label="Created" iso={run.createdAt} />
        <When label="Started" iso={run.startedAt} />
        <When label="Finished" iso={run.finishedAt} />
      </dl>
      {stats.length ? (
        <div className="border-t border-zinc-100">
          <FactList entries={stats} />
        </div>
      ) : null}
    </>
  );
}

/**
 * The chain the API sends, with this run in it. (core's retryChain drops the run itself when
 * it is a retry — its forward walk stops at ids the backward walk saw — so add it back.)
 */
function chainOf(run: RunDetail): RunDetail["chain"] {
  if (run.chain.some((r) => r.id === run.id)) return run.chain;
  const { chain: _c, retry: _r, engineDetail: _e, links: _l, ...self } = run;
  return [...run.chain.filter((r) => r.createdAt <= run.createdAt), self];
}

function Chain({ run }: { run: RunDetail }) {
  const chain = chainOf(run);
  if (chain.length <= 1) {
    return <p className="px-3 py-2.5 text-zinc-500">Not a retry, and not retried.</p>;
  }
  return (
    <ol className="py-1" data-testid="retry-chain">
      {chain.map((r, i) => {
        const current = r.id === run.id;
        return (
          <li
            key={r.id}
            aria-current={current ? "true" : undefined}
            className={`flex items-center gap-2 px-3 py-1 ${current ? "bg-zinc-50" : ""}`}
          >
            <span className="w-4 shrink-0 text-right text-xxs text-zinc-400 tabular-nums">
              {i + 1}
            </span>
            <StatusDot status={r.status} />
            {current ? (
              <span className="min-w-0 truncate font-mono text-[12px] font-semibold text-zinc-900">
                {r.id}
              </span>
            ) : (
              <RunId id={r.id} />
            )}
            {current ? (
              <span className="ml-auto rounded bg-zinc-200 px-1 text-xxs text-zinc-700">
                this run
              </span>
            ) : (
              <span className="ml-auto shrink-0 pl-2 text-[12px] whitespace-nowrap text-zinc-400">
                <RelativeTime iso={r.createdAt} />
              </span>
            )}
          </li>
        );
      })}
    </ol>
  );
}

function DetailSkeleton() {
  return (
    <div role="status" aria-busy="true" aria-label="Loading run" className="flex flex-col gap-3">
      <div className="h-6 w-96 animate-pulse rounded bg-zinc-200/70" />
      <div className="grid grid-cols-1 gap-3 lg:grid-cols-[minmax(0,1fr)_28rem]">
        <div className="h-48 animate-pulse rounded-md bg-zinc-100" />
        <div className="h-48 animate-pulse rounded-md bg-zinc-100" />
      </div>
    </div>
  );
}
