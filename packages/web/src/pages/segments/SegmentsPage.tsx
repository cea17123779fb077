// Segments: the segment runs' sizes over time, one run's segments (label, size, centroid per
// feature), drift between two runs, and why a user is in their segment. The run, drift pair and
// user are in the URL (?run=&from=&to=&user=), so a view can be shared.
import { PageShell } from "../../components/PageShell";
import { EmptyState, TableSkeleton } from "../../components/ui";
import { Link, navigate, useSearch, withSearch } from "../../lib/router";
import { useSegmentRuns } from "../../queries/useSegments";
import { DriftPanel } from "./DriftPanel";
import { ProfilePanel } from "./ProfilePanel";
import { RunSegmentation } from "./RunSegmentation";
import { SizesChart } from "./SizesChart";
import { UserPanel } from "./UserPanel";

const code = "text-zinc-700";

function SegmentsEmpty() {
  return (
    <EmptyState
      title="No segments yet"
      action={
        <span className="flex flex-col items-center gap-2">
          <RunSegmentation variant="primary" />
          <Link to="/runs?pipeline=segment" className="text-sky-700 hover:underline">
            Runs of the segment pipeline
          </Link>
        </span>
      }
    >
      Segments come from a run of the <code className={code}>segment</code> pipeline: k-means on
      features of the users in the warehouse (<code className={code}>customers</code>, after an
      ingest). <code className={code}>cdp start</code> runs it 5 minutes after it starts and then
      daily; <code className={code}>cdp segment</code> runs one now, as does the button below.
    </EmptyState>
  );
}

export function SegmentsPage() {
  const runs = useSegmentRuns();
  const search = useSearch();
  const set = (patch: Record<string, string | undefined>) =>
    navigate(withSearch(patch), { replace: true });
  const run = search.get("run") ?? "";
  return (
    <PageShell
      title="Segments"
      query={runs}
      actions={runs.data?.items.length ? <RunSegmentation /> : null}
      meta={
        runs.data?.items.length ? (
          <span className="text-[12px] text-zinc-500">
            {runs.data.items.length} run{runs.data.items.length === 1 ? "" : "s"} of{" "}
            <code className={code}>segment</code>
          </span>
        ) : null
      }
      loading={<TableSkeleton label="Loading the segment runs" />}
      errorTitle="Couldn't load the segment runs"
      isEmpty={(d) => d.items.length === 0}
      empty={<SegmentsEmpty />}
    >
      {(d) => (
        <div className="flex flex-col gap-3">
          <SizesChart runs={d.items} />
          <ProfilePanel runs={d.items} run={run} onRun={(r) => set({ run: r })} />
          <UserPanel user={search.get("user") ?? ""} run={run} onUser={(user) => set({ user })} />
          <DriftPanel
            runs={d.items}
            from={search.get("from") ?? ""}
            to={search.get("to") ?? ""}
            onChange={set}
          />
        </div>
      )}
    </PageShell>
  );
}
