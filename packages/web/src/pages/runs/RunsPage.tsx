// The runs list: what ran, what failed, retry it. Filters and the page live in the URL.
import { useMemo, useState } from "react";
import { ApiError, type Run } from "../../api/client";
import { PageShell } from "../../components/PageShell";
import { useSearch } from "../../lib/router";
import { useRetryAll } from "../../queries/useRetryAll";
import { useRetryRun } from "../../queries/useRetryRun";
import { useRuns } from "../../queries/useRuns";
import { BulkRetryDialog } from "./bulk-retry/BulkRetryDialog";
import { type Notice, NoticeBar } from "./NoticeBar";
import { Pager } from "./Pager";
import { RunsEmpty } from "./RunsEmpty";
import { RunsFilters } from "./RunsFilters";
import { RunsTable, RunsTableSkeleton } from "./RunsTable";
import { isFiltered, pipelineChoices, runFilterOf } from "./runFilter";
import { StartRun } from "./StartRun";
import { useStarter } from "./useStarter";

export function RunsPage() {
  const search = useSearch();
  const filter = useMemo(() => runFilterOf(search), [search]);
  const runs = useRuns(filter);
  const retry = useRetryRun();
  const [notice, setNotice] = useState<Notice | null>(null);
  const starter = useStarter(setNotice);
  const bulk = useRetryAll();
  const [bulkOpen, setBulkOpen] = useState(false);
  const closeBulk = () => {
    if (bulk.data) {
      setNotice({
        kind: "bulk",
        retried: bulk.data.retried.length,
        skipped: bulk.data.skipped.length,
        failed: bulk.data.failed.length,
        outcome: bulk.data.outcome ?? null,
      });
    }
    setBulkOpen(false);
    bulk.reset();
  };
  const pipelines = pipelineChoices(
    starter.pipelines.data?.items.map((p) => p.name) ?? [],
    runs.data?.items.map((r) => r.pipeline) ?? [],
    filter.pipeline,
  );
  const highlight = notice?.kind === "started" || notice?.kind === "retried" ? notice.run.id : null;

  const onRetry = (run: Run) =>
    retry.mutate(run.id, {
      onSuccess: ({ run: next }) => setNotice({ kind: "retried", from: run.id, run: next }),
      onError: (e) =>
        setNotice({
          kind: "error",
          message: e.message,
          runId: e instanceof ApiError ? e.runId : undefined,
        }),
    });

  return (
    <PageShell
      title="Runs"
      query={runs}
      panel
      actions={<StartRun starter={starter} />}
      above={
        <>
          <RunsFilters
            filter={filter}
            pipelines={pipelines}
            onBulkRetry={() => setBulkOpen(true)}
          />
          <BulkRetryDialog open={bulkOpen} filter={filter} bulk={bulk} onClose={closeBulk} />
          {notice ? <NoticeBar notice={notice} onClose={() => setNotice(null)} /> : null}
        </>
      }
      loading={<RunsTableSkeleton />}
      errorTitle="Couldn't load runs"
      isEmpty={(d) => d.items.length === 0}
      empty={
        <RunsEmpty
          filtered={isFiltered(filter)}
          paged={!!filter.cursor}
          canSelftest={starter.startable.includes("selftest")}
          onSelftest={starter.startSelftest}
        />
      }
      below={
        <Pager
          cursor={filter.cursor}
          nextCursor={runs.data?.nextCursor ?? null}
          count={runs.data?.items.length ?? 0}
        />
      }
    >
      {(d) => (
        <RunsTable
          runs={d.items}
          actions={{
            retry: onRetry,
            retrying:
              retry.isPending && retry.variables
                ? typeof retry.variables === "string"
                  ? retry.variables
                  : retry.variables.id
                : null,
            highlight,
          }}
        />
      )}
    </PageShell>
  );
}
