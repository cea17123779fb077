// Sync: the history of the Salesforce sync — each run's status, what it sent and what Salesforce
// did with it, the API requests it cost, why it failed or waits — and one run's records that
// Salesforce did not accept, with the payload sent, and "Retry failed records". The page of runs
// and the run shown are in the URL (?cursor=&run=), so a view can be shared.
import { DataTable } from "../../components/DataTable";
import { PageShell } from "../../components/PageShell";
import { EmptyState, Panel, TableSkeleton } from "../../components/ui";
import { Link, useSearch, withSearch } from "../../lib/router";
import { useSyncRuns } from "../../queries/useSyncRuns";
import { Pager } from "../runs/Pager";
import { SyncErrorsPanel } from "./SyncErrorsPanel";
import { syncColumns } from "./syncColumns";

const code = "text-zinc-700";

function SyncEmpty() {
  return (
    <EmptyState
      title="No syncs yet"
      action={
        <Link to="/runs?pipeline=sync" className="text-sky-700 hover:underline">
          Runs of the sync pipeline
        </Link>
      }
    >
      A run of the <code className={code}>sync</code> pipeline sends each user's segment (the latest
      segmentation) to Salesforce by external id, only what changed.{" "}
      <code className={code}>cdp start</code> runs it after every segmentation;{" "}
      <code className={code}>cdp sync salesforce</code> runs one now. Without Salesforce credentials
      (<code className={code}>SALESFORCE_*</code>) it is a dry run that writes what it would send to
      the outbox.
    </EmptyState>
  );
}

export function SyncPage() {
  const search = useSearch();
  const cursor = search.get("cursor") ?? undefined;
  const runs = useSyncRuns(cursor);
  const wanted = search.get("run") ?? "";
  return (
    <PageShell
      title="Sync"
      query={runs}
      meta={
        runs.data?.items.length ? (
          <span className="text-[12px] text-zinc-500">
            Salesforce {runs.data.items[0]?.object ?? "Contact"} · upserted by external id
          </span>
        ) : null
      }
      loading={
        <Panel>
          <TableSkeleton label="Loading the sync runs" />
        </Panel>
      }
      errorTitle="Couldn't load the sync runs"
      isEmpty={(d) => d.items.length === 0}
      empty={<SyncEmpty />}
      below={
        <Pager
          cursor={cursor}
          nextCursor={runs.data?.nextCursor ?? null}
          count={runs.data?.items.length ?? 0}
        />
      }
    >
      {(d) => {
        // The run asked for, else the newest.
        const shown = wanted ? d.items.find((r) => r.runId === wanted) : d.items[0];
        return (
          <div className="flex flex-col gap-3">
            <Panel className="overflow-hidden">
              {/* A named scroll region: on a narrow screen the table scrolls inside its panel. */}
              <section aria-label="Sync runs" className="overflow-x-auto">
                <div className="min-w-[1280px]">
                  <DataTable
                    label="Sync runs"
                    columns={syncColumns}
                    data={d.items}
                    rowId={(r) => r.runId}
                    rowProps={(r) => ({
                      "data-sync-run": r.runId,
                      "data-selected": r === shown ? "true" : "false",
                      className: r === shown ? "bg-sky-50/60" : "",
                    })}
                  />
                </div>
              </section>
            </Panel>
            {shown ? (
              <SyncErrorsPanel run={shown} runs={d.items} />
            ) : (
              <Panel>
                <EmptyState
                  title={`${wanted} is not on this page of the history`}
                  action={
                    <Link
                      to={withSearch({ run: undefined })}
                      className="text-sky-700 hover:underline"
                    >
                      Show the newest run
                    </Link>
                  }
                />
              </Panel>
            )}
          </div>
        );
      }}
    </PageShell>
  );
}
