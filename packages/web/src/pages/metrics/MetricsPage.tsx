// Metrics: rows loaded and quarantined, failed runs, and run durations per pipeline over a time
// window in the URL. Loaded on demand (uPlot stays out of the runs page's bundle).
import { PageShell } from "../../components/PageShell";
import { EmptyState, Segmented } from "../../components/ui";
import { useSearch, withSearch } from "../../lib/router";
import { useMetrics } from "../../queries/useMetrics";
import { Charts } from "./Charts";
import { bucketLabel, NAMES, type Window, windowOf, windows } from "./series";

export function MetricsPage() {
  const search = useSearch();
  const window = windowOf(search.get("window"));
  const { hours, bucketMinutes, words } = windows[window];
  const metrics = useMetrics({ names: NAMES, hours, bucketMinutes });

  return (
    <PageShell
      title="Metrics"
      query={metrics}
      meta={
        <>
          <Segmented
            label="Time window"
            options={(Object.keys(windows) as Window[]).map((k) => ({
              to: withSearch({ window: k === "24h" ? undefined : k }),
              label: windows[k].label,
              current: k === window,
            }))}
          />
          <span className="text-[12px] text-zinc-400">per {bucketLabel(bucketMinutes)}</span>
        </>
      }
      loading={
        <div
          role="status"
          aria-busy="true"
          aria-label="Loading metrics"
          className="grid grid-cols-1 gap-3 xl:grid-cols-2"
        >
          {[0, 1, 2].map((i) => (
            <div key={i} className="h-60 animate-pulse rounded-md bg-zinc-100" />
          ))}
        </div>
      }
      errorTitle="Couldn't load metrics"
      isEmpty={(d) => d.series.length === 0}
      empty={
        <EmptyState title={`No runs finished in ${words}`}>
          Every run records its metrics when it finishes: rows read, loaded and quarantined, how
          long it took, and whether it succeeded. Pick a longer window, or start a run.
        </EmptyState>
      }
    >
      {(d) => (
        <Charts
          points={d.series}
          bucketMinutes={d.bucketMinutes}
          hours={hours}
          at={metrics.dataUpdatedAt}
          windowKey={window}
          words={words}
        />
      )}
    </PageShell>
  );
}
