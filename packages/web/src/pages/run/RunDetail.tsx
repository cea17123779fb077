// A loaded run: its header (id, status, pipeline, retry of, AWS links), then what failed and the
// retry on the left, the facts, engine detail, chain and audit on the right.
import type { RunDetail } from "../../api/client";
import { CopyButton } from "../../components/CopyId";
import { EngineDetail } from "../../components/EngineDetail";
import { RunStatus } from "../../components/RunStatus";
import { Panel } from "../../components/ui";
import { Link } from "../../lib/router";
import { isFailed } from "../../lib/status";
import { duration, runDuration, useNow } from "../../lib/time";
import { AuditPanel } from "./AuditPanel";
import { Chain } from "./Chain";
import { Facts } from "./Facts";
import { FailurePanel } from "./FailurePanel";
import { pipelinePanels } from "./pipelinePanels";
import { RetryPanel } from "./RetryPanel";
import { Timeline } from "./Timeline";

export function RunDetailView({ run }: { run: RunDetail }) {
  const now = useNow();
  const failed = isFailed(run.status);
  const panels = pipelinePanels[run.pipeline];
  return (
    <>
      <header className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <h1 className="flex items-center gap-2 font-mono text-[15px] font-semibold text-zinc-900">
          {run.id}
          <CopyButton text={run.id} />
        </h1>
        {run.subject ? (
          <span className="text-[15px] font-semibold text-zinc-900" data-testid="run-subject">
            {run.subject}
          </span>
        ) : null}
        <span className="text-[13px]" data-testid="run-status">
          <RunStatus status={run.status} resolvedBy={run.resolvedBy} detailed />
        </span>
        {run.resolvedBy ? (
          <span className="text-zinc-500" data-testid="resolved-by">
            resolved by{" "}
            <Link
              to={`/runs/${run.resolvedBy}`}
              className="font-mono text-zinc-800 underline decoration-zinc-300 underline-offset-2 hover:decoration-zinc-700"
            >
              {run.resolvedBy}
            </Link>{" "}
            (retry succeeded)
          </span>
        ) : null}
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
          {failed ? <FailurePanel run={run} /> : null}
          <RetryPanel run={run} />
          {panels ? <panels.Main run={run} /> : null}
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
            <Facts run={run} hide={panels?.shownKeys} />
          </Panel>
          {Object.values(run.engineDetail).some((v) => v !== null && v !== "") ? (
            <Panel title={`Engine · ${run.engine}`}>
              <EngineDetail detail={run.engineDetail} />
            </Panel>
          ) : null}
          {panels ? <panels.Side run={run} /> : null}
          <Panel title="Retry chain">
            <Chain run={run} />
          </Panel>
          <AuditPanel run={run} />
        </div>
      </div>
    </>
  );
}
