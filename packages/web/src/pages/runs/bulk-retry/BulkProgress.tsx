// A bulk retry under way, or cut off: running totals and the latest outcomes as lines arrive.
import { ApiError, type Retryable } from "../../../api/client";
import { RunId } from "../../../components/CopyId";
import { type BulkProgress, plural } from "../../../lib/bulkRetry";

export function BulkCounts({
  p,
}: {
  p: { processed: number; retried: number; skipped: number; failed: number };
}) {
  return (
    <p className="text-[12px] text-zinc-600 tabular-nums" data-testid="bulk-counts">
      {plural(p.processed, "run")} processed ·{" "}
      <span className="text-zinc-900">{p.retried} retried</span> · {p.skipped} skipped ·{" "}
      <span className={p.failed ? "font-medium text-red-700" : ""}>{p.failed} failed to start</span>
    </p>
  );
}

export function BulkProgressView({
  progress,
  expected,
}: {
  progress: BulkProgress;
  expected?: Retryable;
}) {
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
          <BulkCounts p={progress} />
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

export function BulkFailure({ error, progress }: { error: Error; progress: BulkProgress }) {
  const gateway = error instanceof ApiError && (error.status === 503 || error.status === 504);
  return (
    <div className="flex flex-col gap-2.5" data-testid="bulk-error">
      <p role="alert" className="rounded border border-red-200 bg-red-50 px-2 py-1.5 text-red-800">
        {gateway
          ? `The gateway stopped waiting for the answer (HTTP ${(error as ApiError).status}). The retries may still be going on the server: check the runs and the audit log before trying again (runs already retried are skipped).`
          : `The bulk retry did not finish: ${error.message}`}
      </p>
      {progress.processed ? <BulkCounts p={progress} /> : null}
    </div>
  );
}
