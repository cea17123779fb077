// Before a bulk retry: how many failed runs it would retry, which of them need a fix first (skipped
// unless ticked), a few of them, and what it will do.
import type { Retryable } from "../../../api/client";
import { RunId } from "../../../components/CopyId";
import { RelativeTime } from "../../../components/Time";
import { plural } from "../../../lib/bulkRetry";
import { BULK_MAX } from "../../../queries/useRetryAll";

const SAMPLE_SHOWN = 5;

/** How many runs the retry will take on: the ones that need a fix only when ticked. */
export const toRetry = (r: Retryable, includeNeedsFix: boolean) =>
  includeNeedsFix ? r.count : r.count - (r.needsFix ?? 0);

export function BulkConfirm({
  retryable,
  includeNeedsFix,
  onIncludeNeedsFix,
}: {
  retryable: Retryable;
  includeNeedsFix: boolean;
  onIncludeNeedsFix: (v: boolean) => void;
}) {
  if (retryable.count === 0) {
    return (
      <p className="py-2 text-zinc-700" data-testid="bulk-count" data-count="0">
        Nothing to retry: every failed run matching this filter has been retried already, or there
        is none.
      </p>
    );
  }
  const needsFix = retryable.needsFix ?? 0;
  const transient = retryable.count - needsFix;
  const more = retryable.count - Math.min(SAMPLE_SHOWN, retryable.sample.length);
  return (
    <div className="flex flex-col gap-2.5">
      <p className="text-zinc-800" data-testid="bulk-count" data-count={retryable.count}>
        <span className="text-[15px] font-semibold tabular-nums">
          {/* The server stops counting at 1000. */}
          {retryable.capped ? "1000+" : retryable.count}
        </span>{" "}
        failed run{retryable.count === 1 ? "" : "s"} not retried yet
        {needsFix ? (
          <span data-testid="bulk-classes">
            : {transient} may work on a retry (transient), {needsFix} need
            {needsFix === 1 ? "s" : ""} a fix first
          </span>
        ) : null}
        .
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
            <span className="min-w-0 truncate text-[12px] text-zinc-600">
              {r.subject ?? r.pipeline}
            </span>
            {r.failureClass === "needs_fix" ? (
              <span
                className="shrink-0 rounded border border-amber-200 bg-amber-50 px-1 text-xxs text-amber-900"
                title={r.failureHint ?? undefined}
              >
                needs a fix
              </span>
            ) : null}
            <span className="ml-auto shrink-0 text-[12px] text-zinc-400">
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
      {needsFix ? (
        <label className="flex items-start gap-2 rounded border border-amber-200 bg-amber-50 px-2 py-1.5 text-[12px] text-amber-900">
          <input
            type="checkbox"
            className="mt-0.5"
            checked={includeNeedsFix}
            onChange={(e) => onIncludeNeedsFix(e.target.checked)}
          />
          <span>
            Also retry the {plural(needsFix, "run")} that need a fix. They failed on their data or
            configuration and fail the same way until it is fixed; tick this only once it is.
            Otherwise they are skipped.
          </span>
        </label>
      ) : null}
      <p className="text-[12px] text-zinc-500">
        Each run is retried as its Retry button would (rerun, redrive or restart), one after
        another. Runs retried meanwhile are skipped, the summary says how the retries ended, and
        every retry is recorded in the audit log.
      </p>
    </div>
  );
}
