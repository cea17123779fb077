// Before a bulk retry: how many failed runs it would retry, a few of them, and what it will do.
import type { Retryable } from "../../../api/client";
import { RunId } from "../../../components/CopyId";
import { RelativeTime } from "../../../components/Time";
import { BULK_MAX } from "../../../queries/useRetryAll";

const SAMPLE_SHOWN = 5;

export function BulkConfirm({ retryable }: { retryable: Retryable }) {
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
