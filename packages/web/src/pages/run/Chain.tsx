// The run's retry chain, each run with its status, this run marked.
import type { RunDetail } from "../../api/client";
import { RunId } from "../../components/CopyId";
import { StatusDot } from "../../components/RunStatus";
import { RelativeTime } from "../../components/Time";
import { chainOf } from "./retryChain";

export function Chain({ run }: { run: RunDetail }) {
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
