// A run's entries in the audit log, beside the run: who retried it, or whose retry started it.
import type { RunDetail } from "../../api/client";
import { RunId } from "../../components/CopyId";
import { RelativeTime } from "../../components/Time";
import { Panel } from "../../components/ui";
import { Link } from "../../lib/router";
import { useAudit } from "../../queries/useAudit";

/** Who retried this run, or started it as a retry, and when: from the audit log. */
export function AuditPanel({ run }: { run: RunDetail }) {
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
