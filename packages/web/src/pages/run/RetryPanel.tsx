// What a retry of this run will do (rerun, redrive, restart), or why it cannot, and the button.
import type { ReactNode } from "react";
import { ApiError, type RunDetail } from "../../api/client";
import { Button, Panel, Spinner } from "../../components/ui";
import { retryActionLook } from "../../lib/retry";
import { Link, navigate } from "../../lib/router";
import { isFailed } from "../../lib/status";
import { useRetryRun } from "../../queries/useRetryRun";

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

export function RetryPanel({ run }: { run: RunDetail }) {
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
