// The audit log: who retried which run, when, and which run the retry started — from the Retry
// buttons, bulk retries and the CLI alike. `?run=` narrows it to one run (either side of a retry).
import { RunId } from "../../components/CopyId";
import { DataTable } from "../../components/DataTable";
import { PageShell } from "../../components/PageShell";
import { EmptyState, TableSkeleton } from "../../components/ui";
import { Link, useSearch, withSearch } from "../../lib/router";
import { useAudit } from "../../queries/useAudit";
import { auditColumns } from "./auditColumns";

const LIMIT = 200;

export function AuditPage() {
  const search = useSearch();
  const runId = search.get("run") ?? undefined;
  const audit = useAudit({ runId, limit: LIMIT });

  return (
    <PageShell
      title="Audit"
      query={audit}
      panel
      meta={
        <>
          <span className="text-[12px] text-zinc-500">
            Every retry: who asked, when, and what it started.
          </span>
          {runId ? (
            <span className="flex items-center gap-1.5 text-[12px] text-zinc-500">
              Run <RunId id={runId} />
              <Link
                to={withSearch({ run: undefined })}
                className="underline-offset-2 hover:text-zinc-900 hover:underline"
              >
                Show all
              </Link>
            </span>
          ) : null}
        </>
      }
      loading={<TableSkeleton label="Loading the audit log" />}
      errorTitle="Couldn't load the audit log"
      isEmpty={(d) => d.items.length === 0}
      empty={
        <EmptyState title={runId ? "No retries of this run" : "No retries yet"}>
          A line appears here whenever someone retries a run: from a run's Retry button, a bulk
          retry on the Runs page, or <code>cdp retry</code>.
        </EmptyState>
      }
      below={
        (audit.data?.items.length ?? 0) >= LIMIT ? (
          <p className="text-[12px] text-zinc-400">The newest {LIMIT} entries.</p>
        ) : null
      }
    >
      {(d) => (
        <DataTable
          label="Audit log"
          columns={auditColumns}
          data={d.items}
          rowId={(e) => e.id}
          rowProps={(e) => ({ "data-audit-run": e.runId })}
          dense
        />
      )}
    </PageShell>
  );
}
