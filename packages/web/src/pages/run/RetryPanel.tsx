// What a retry of this run will do (rerun, redrive, restart), whether it can work (a passing fault,
// or a failure that needs a fix first — then an explicit confirm step), or why it cannot, and the
// button.
import { type ReactNode, useState } from "react";
import { ApiError, type RunDetail } from "../../api/client";
import { Button, Panel, Spinner } from "../../components/ui";
import { failureClassLook, retryActionLook } from "../../lib/retry";
import { Link, navigate } from "../../lib/router";
import { isFailed } from "../../lib/status";
import { useRetryRun } from "../../queries/useRetryRun";

/** "already retried as run_…" → the run id becomes a link. */
export function linkRunIds(text: string): ReactNode[] {
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

/** Transient or needs a fix: whether a retry can work, and for the latter what must change. */
function FailureClass({ run }: { run: RunDetail }) {
  if (!run.failureClass || !isFailed(run.status)) return null;
  const look = failureClassLook(run.failureClass);
  return (
    <p
      className={`mt-1 rounded border px-2 py-1 text-[12px] ${look.tone}`}
      data-testid="failure-class"
      data-class={run.failureClass}
    >
      <span className="font-medium">{look.label}:</span> {look.meaning}
      {run.failureClass === "needs_fix" && run.failureHint ? (
        <>
          {" "}
          Until then: <span data-testid="failure-hint">{run.failureHint}</span>.
        </>
      ) : null}
    </p>
  );
}

export function RetryPanel({ run }: { run: RunDetail }) {
  const retry = useRetryRun();
  const [confirming, setConfirming] = useState(false);
  const blocked = run.retry.blockedReason;
  const conflict = retry.error instanceof ApiError ? retry.error : null;
  const look = retryActionLook(run.retry.action);
  const needsFix = run.failureClass === "needs_fix";
  // Only failed runs, and ones that were retried, have anything to say about retrying.
  if (!isFailed(run.status) && !run.retriedBy) return null;
  const start = (confirm: boolean) =>
    retry.mutate(confirm ? { id: run.id, confirm } : run.id, {
      onSuccess: ({ run: next }) => navigate(`/runs/${next.id}`),
      onSettled: () => setConfirming(false),
    });
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
          {blocked ? null : <FailureClass run={run} />}
        </div>
        <Button
          variant={blocked || needsFix ? "default" : "primary"}
          disabled={!!blocked || retry.isPending || confirming}
          title={blocked ?? `Retry ${run.id}`}
          onClick={() => (needsFix ? setConfirming(true) : start(false))}
        >
          {retry.isPending ? <Spinner /> : null}
          {needsFix ? "Retry…" : "Retry"}
        </Button>
      </div>
      {confirming ? (
        <div
          role="alertdialog"
          aria-label="Retry a run that needs a fix"
          data-testid="retry-confirm"
          className="flex flex-wrap items-center gap-3 border-t border-amber-200 bg-amber-50 px-3 py-2 text-[12px] text-amber-900"
        >
          <p className="min-w-0 flex-1">
            This run failed on its data or configuration: a retry repeats it and fails the same way
            until that is fixed
            {run.failureHint ? ` (${run.failureHint})` : ""}. Retry only once it is.
          </p>
          <Button onClick={() => setConfirming(false)} disabled={retry.isPending}>
            Cancel
          </Button>
          <Button variant="primary" onClick={() => start(true)} disabled={retry.isPending}>
            {retry.isPending ? <Spinner /> : null}
            It is fixed — retry
          </Button>
        </div>
      ) : null}
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
