// "Retry all failed matching this filter": count on the server, confirm, then follow the NDJSON
// progress to a summary. The filter is the URL's, not the page on screen.
import type { ReactNode } from "react";
import { ApiError, type Retryable } from "../api/client";
import {
  type BulkProgress,
  type DoneLine,
  groupByCode,
  type Problem,
  plural,
} from "../lib/bulkRetry";
import { failedStatuses } from "../lib/status";
import type { RunFilter } from "../queries/keys";
import { BULK_MAX, type useRetryAll } from "../queries/useRetryAll";
import { useRetryable } from "../queries/useRetryable";
import { RunId } from "./CopyId";
import { Dialog } from "./Dialog";
import { statusLook } from "./RunStatus";
import { RelativeTime } from "./Time";
import { Button, Spinner } from "./ui";

const SAMPLE_SHOWN = 5;

/** The filter in words, as the server will apply it (only failed statuses are retried). */
export function describeBulkFilter(f: RunFilter): string {
  const statuses = f.status.length ? f.status.filter((s) => failedStatuses.has(s)) : [];
  const parts = [
    `status ${(statuses.length ? statuses : [...failedStatuses]).map((s) => statusLook(s).label.toLowerCase()).join(", ")}`,
    f.pipeline.length ? `pipeline ${f.pipeline.join(", ")}` : "every pipeline",
  ];
  if (f.from) parts.push(`created from ${f.from}`);
  if (f.to) parts.push(`created to ${f.to}`);
  return parts.join(" · ");
}

/** Whether the status filter leaves any failed status to retry. */
export const hasFailedStatus = (f: RunFilter) =>
  !f.status.length || f.status.some((s) => failedStatuses.has(s));

export function BulkRetryDialog({
  open,
  filter,
  bulk,
  onClose,
}: {
  open: boolean;
  filter: RunFilter;
  bulk: ReturnType<typeof useRetryAll>;
  onClose: () => void;
}) {
  const retryable = useRetryable(filter, open && bulk.isIdle);
  const running = bulk.isPending;
  const count = retryable.data?.count ?? 0;

  let body: ReactNode;
  let footer: ReactNode;
  if (bulk.isIdle) {
    body = retryable.isPending ? (
      <p role="status" className="flex items-center gap-2 py-3 text-zinc-500">
        <Spinner /> Counting the failed runs that match…
      </p>
    ) : retryable.isError ? (
      <p role="alert" className="py-2 text-red-800">
        Couldn't count the runs: {retryable.error.message}
      </p>
    ) : (
      <Confirm retryable={retryable.data} />
    );
    footer = (
      <>
        <Button onClick={onClose}>Cancel</Button>
        {count > 0 ? (
          <Button variant="primary" onClick={() => bulk.mutate(filter)}>
            Retry{" "}
            {retryable.data?.capped ? `up to ${plural(BULK_MAX, "run")}` : plural(count, "run")}
          </Button>
        ) : null}
      </>
    );
  } else if (running) {
    body = <Progress progress={bulk.progress} expected={retryable.data} />;
    footer = (
      <Button variant="primary" disabled>
        <Spinner /> Retrying…
      </Button>
    );
  } else if (bulk.isError) {
    body = <Failure error={bulk.error} progress={bulk.progress} />;
    footer = <Button onClick={onClose}>Close</Button>;
  } else {
    body = bulk.data ? <Summary done={bulk.data} /> : null;
    footer = (
      <Button variant="primary" onClick={onClose}>
        Close
      </Button>
    );
  }

  return (
    <Dialog
      open={open}
      onClose={onClose}
      dismissable={!running}
      title="Retry failed runs matching this filter"
      footer={footer}
      testId="bulk-retry"
    >
      <p className="mb-2.5 text-[12px] text-zinc-500" data-testid="bulk-filter">
        {describeBulkFilter(filter)}
      </p>
      {body}
    </Dialog>
  );
}

function Confirm({ retryable }: { retryable: Retryable }) {
  if (retryable.count === 0) {
    return (
      <p className="py-2 text-zinc-700" data-testid="bulk-count" data-count="0">
        Nothing to retry: every failed run matching this filter has been retried already, or there
        is none.
      </p>
    );
  }
  const more = retryable.count - Math.min(SAMPLE_SHOWN, retryable.sample.length);
  return (
    <div className="flex flex-col gap-2.5">
      <p className="text-zinc-800" data-testid="bulk-count" data-count={retryable.count}>
        <span className="text-[15px] font-semibold tabular-nums">
          {/* The server stops counting at 1000. */}
          {retryable.capped ? "1000+" : retryable.count}
        </span>{" "}
        failed run{retryable.count === 1 ? "" : "s"} not retried yet.
        {retryable.capped
          ? ` One bulk retry takes on up to ${BULK_MAX}; run it again for the rest.`
          : ""}
      </p>
      <ul className="rounded border border-zinc-100">
        {retryable.sample.slice(0, SAMPLE_SHOWN).map((r) => (
          <li
            key={r.id}
            className="flex h-7 items-center gap-3 border-b border-zinc-100 px-2 last:border-b-0"
          >
            <RunId id={r.id} />
            <span className="text-[12px] text-zinc-600">{r.pipeline}</span>
            <span className="ml-auto text-[12px] text-zinc-400">
              <RelativeTime iso={r.createdAt} />
            </span>
          </li>
        ))}
        {more > 0 ? (
          <li className="h-7 px-2 text-[12px] leading-7 text-zinc-400">
            and {retryable.capped ? "more than " : ""}
            {more} more
          </li>
        ) : null}
      </ul>
      <p className="text-[12px] text-zinc-500">
        Each run is retried as its Retry button would (rerun, redrive or restart), one after
        another. Runs retried meanwhile are skipped, and every retry is recorded in the audit log.
      </p>
    </div>
  );
}

function Counts({
  p,
}: {
  p: { processed: number; retried: number; skipped: number; failed: number };
}) {
  return (
    <p className="text-[12px] text-zinc-600 tabular-nums" data-testid="bulk-counts">
      {plural(p.processed, "run")} processed ·{" "}
      <span className="text-zinc-900">{p.retried} retried</span> · {p.skipped} skipped ·{" "}
      <span className={p.failed ? "font-medium text-red-700" : ""}>{p.failed} failed</span>
    </p>
  );
}

function Progress({ progress, expected }: { progress: BulkProgress; expected?: Retryable }) {
  const max = expected && !expected.capped ? expected.count : undefined;
  const value = Math.min(progress.retried + progress.failed, max ?? Number.POSITIVE_INFINITY);
  return (
    <div className="flex flex-col gap-2.5" data-testid="bulk-progress">
      <div
        role="progressbar"
        aria-label="Bulk retry progress"
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={max ? value : undefined}
        className="h-1.5 overflow-hidden rounded-full bg-zinc-100"
      >
        <div
          className={`h-full rounded-full bg-zinc-700 transition-[width] ${max ? "" : "w-1/3 animate-pulse"}`}
          style={max ? { width: `${(100 * value) / Math.max(1, max)}%` } : undefined}
        />
      </div>
      {progress.processed === 0 ? (
        <p className="text-[12px] text-zinc-500">
          Waiting for the first result… When the console runs on AWS, the gateway holds the progress
          back and it arrives with the summary.
        </p>
      ) : (
        <>
          <Counts p={progress} />
          <ul className="text-[12px]">
            {progress.recent.map((r) => (
              <li key={r.id} className="flex h-6 items-center gap-2">
                <OutcomeTag outcome={r.outcome} />
                <RunId id={r.id} />
                {r.retryId ? (
                  <>
                    <span className="text-zinc-400">→</span>
                    <RunId id={r.retryId} />
                  </>
                ) : r.reason ? (
                  <span className="truncate text-zinc-500" title={r.reason}>
                    {r.reason}
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function OutcomeTag({ outcome }: { outcome: "retried" | "skipped" | "failed" }) {
  const look =
    outcome === "retried"
      ? "border-zinc-300 text-zinc-700"
      : outcome === "skipped"
        ? "border-zinc-200 text-zinc-500"
        : "border-red-200 bg-red-50 text-red-700";
  return (
    <span className={`w-14 shrink-0 rounded border px-1 text-center text-xxs ${look}`}>
      {outcome}
    </span>
  );
}

function Summary({ done }: { done: DoneLine }) {
  return (
    <div className="flex flex-col gap-3" data-testid="bulk-summary">
      <Counts
        p={{
          processed: done.retried.length + done.skipped.length + done.failed.length,
          retried: done.retried.length,
          skipped: done.skipped.length,
          failed: done.failed.length,
        }}
      />
      {done.stoppedEarly ? (
        <p className="rounded border border-amber-200 bg-amber-50 px-2 py-1 text-[12px] text-amber-900">
          {done.stoppedEarly}
        </p>
      ) : null}
      {done.retried.length ? (
        <Section title={`Retried ${done.retried.length}`}>
          {done.retried.map((r) => (
            <li key={r.id} className="flex h-6 items-center gap-2" data-retried={r.id}>
              <RunId id={r.id} />
              <span className="text-zinc-400">→</span>
              <RunId id={r.retryId} />
            </li>
          ))}
        </Section>
      ) : null}
      <Problems title="Skipped" problems={done.skipped} />
      <Problems title="Failed" problems={done.failed} tone="fail" />
    </div>
  );
}

function Problems({
  title,
  problems,
  tone,
}: {
  title: string;
  problems: Problem[];
  tone?: "fail";
}) {
  if (!problems.length) return null;
  return (
    <Section title={`${title} ${problems.length}`} tone={tone}>
      {groupByCode(problems).map((g) => (
        <li key={g.code} className="py-0.5">
          <code className="text-xxs text-zinc-400">{g.code}</code>
          <ul>
            {g.problems.map((p) => (
              <li key={p.id} className="flex min-h-6 flex-wrap items-center gap-x-2">
                <RunId id={p.id} />
                <span className={`min-w-0 ${tone === "fail" ? "text-red-800" : "text-zinc-500"}`}>
                  {p.reason}
                </span>
              </li>
            ))}
          </ul>
        </li>
      ))}
    </Section>
  );
}

function Section({ title, tone, children }: { title: string; tone?: "fail"; children: ReactNode }) {
  return (
    <section>
      <h3
        className={`mb-0.5 text-xxs font-semibold tracking-wide uppercase ${tone === "fail" ? "text-red-700" : "text-zinc-500"}`}
      >
        {title}
      </h3>
      <ul className="max-h-48 overflow-y-auto text-[12px]">{children}</ul>
    </section>
  );
}

function Failure({ error, progress }: { error: Error; progress: BulkProgress }) {
  const gateway = error instanceof ApiError && (error.status === 503 || error.status === 504);
  return (
    <div className="flex flex-col gap-2.5" data-testid="bulk-error">
      <p role="alert" className="rounded border border-red-200 bg-red-50 px-2 py-1.5 text-red-800">
        {gateway
          ? `The gateway stopped waiting for the answer (HTTP ${(error as ApiError).status}). The retries may still be going on the server: check the runs and the audit log before trying again (runs already retried are skipped).`
          : `The bulk retry did not finish: ${error.message}`}
      </p>
      {progress.processed ? <Counts p={progress} /> : null}
    </div>
  );
}
