// One run: what failed, why, what a retry will do — and the run's place in its retry chain.
import { ApiError } from "../../api/client";
import { PageShell } from "../../components/PageShell";
import { Link } from "../../lib/router";
import { useRun } from "../../queries/useRun";
import { RunDetailView } from "./RunDetail";
import { RunSkeleton } from "./RunSkeleton";

export function RunDetailPage({ id }: { id: string }) {
  const run = useRun(id);
  return (
    <PageShell
      documentTitle={run.data ? `${id} · ${run.data.status.toLowerCase()}` : id}
      query={run}
      above={
        <nav
          aria-label="Breadcrumb"
          className="flex items-center gap-1.5 text-[12px] text-zinc-500"
        >
          <Link to="/runs" className="hover:text-zinc-900 hover:underline">
            Runs
          </Link>
          {run.data ? (
            <>
              <span aria-hidden>/</span>
              <Link
                to={`/runs?pipeline=${encodeURIComponent(run.data.pipeline)}`}
                className="hover:text-zinc-900 hover:underline"
              >
                {run.data.pipeline}
              </Link>
            </>
          ) : null}
        </nav>
      }
      loading={<RunSkeleton />}
      errorTitle={(e) =>
        e instanceof ApiError && e.status === 404 ? "No such run" : "Couldn't load this run"
      }
    >
      {(data) => <RunDetailView run={data} />}
    </PageShell>
  );
}
