// "Retry failed records": starts a sync run that re-sends only this run's records Salesforce did
// not accept, follows it, and says what it did; a refusal (nothing to retry, a sync is going) is
// said beside the button. The history and this run's records are fetched again once it has ended.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { RunDetail, SyncRun } from "../../api/client";
import { RunId } from "../../components/CopyId";
import { RunStatus } from "../../components/RunStatus";
import { Button, Spinner } from "../../components/ui";
import { navigate, withSearch } from "../../lib/router";
import { isActive } from "../../lib/status";
import { syncKeys } from "../../queries/keys";
import { useRetryFailed } from "../../queries/useRetryFailed";
import { runQueryOptions } from "../../queries/useRun";
import { notAccepted, retryBlocked, retryOutcome, retryRefusal } from "./syncView";

const tones = { pending: "text-zinc-600", ok: "text-emerald-800", error: "text-red-700" };

function Outcome({ id, run }: { id: string; run: RunDetail | undefined }) {
  const outcome = run ? retryOutcome(run) : null;
  return (
    <span
      role="status"
      data-testid="retry-outcome"
      className="flex flex-wrap items-center gap-1.5 text-[12px] text-zinc-600"
    >
      {!run || isActive(run.status) ? <Spinner /> : null}
      Retry
      <RunId id={id} />
      {run ? <RunStatus status={run.status} /> : null}
      {outcome ? <span className={tones[outcome.tone]}>{outcome.text}</span> : null}
    </span>
  );
}

export function RetryFailed({ run, runs }: { run: SyncRun; runs: SyncRun[] }) {
  const retry = useRetryFailed();
  const [started, setStarted] = useState<string | null>(null);
  // The retry run, followed until it has ended (runQueryOptions polls while it is going).
  const followed = useQuery({ ...runQueryOptions(started ?? ""), enabled: !!started });
  const following = !!started && (!followed.data || isActive(followed.data.status));
  const queryClient = useQueryClient();
  const ended = !!started && !following;
  useEffect(() => {
    if (ended) void queryClient.invalidateQueries({ queryKey: syncKeys.all });
  }, [ended, queryClient]);
  const blocked = retryBlocked(run, runs);
  const n = notAccepted(run);
  const refusal = retry.isError ? retryRefusal(retry.error) : null;
  const button = (
    <Button
      disabled={!!blocked || retry.isPending || following}
      title={
        blocked ??
        `Re-send only the ${n.toLocaleString()} record${n === 1 ? "" : "s"} of ${run.runId} that Salesforce did not accept`
      }
      onClick={() =>
        retry.mutate(run.runId, {
          onSuccess: ({ run: r }) => {
            setStarted(r.id);
            // The retry becomes the newest run: keep this one shown, with the outcome under it.
            navigate(withSearch({ run: run.runId }), { replace: true });
          },
        })
      }
    >
      {retry.isPending ? <Spinner /> : null}
      Retry failed records
    </Button>
  );
  return (
    <div className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-zinc-100 px-3 py-1.5">
      {button}
      {blocked && !started ? (
        <span className="text-[12px] text-zinc-500" data-testid="retry-blocked">
          {blocked}
        </span>
      ) : null}
      {started ? <Outcome id={started} run={followed.data} /> : null}
      {refusal ? (
        <span role="alert" className="flex items-center gap-1.5 text-[12px] text-red-700">
          <span>
            <span className="font-medium">{refusal.title}:</span> {refusal.message}
          </span>
          {refusal.runId ? <RunId id={refusal.runId} /> : null}
        </span>
      ) : null}
    </div>
  );
}
