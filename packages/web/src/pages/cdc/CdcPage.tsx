// CDC: every warehouse table fed by AWS DMS — the newest change applied to it, how far it is behind
// the files waiting in dms/, what its applied files did, and its files applied, pending and failed.
import { DataTable } from "../../components/DataTable";
import { PageShell } from "../../components/PageShell";
import { EmptyState, TableSkeleton } from "../../components/ui";
import { Link } from "../../lib/router";
import { useCdcTables } from "../../queries/useCdcTables";
import { cdcColumns } from "./cdcColumns";

const code = "text-zinc-700";

function CdcEmpty() {
  return (
    <EmptyState
      title="No CDC tables yet"
      action={
        <Link to="/runs?pipeline=cdc" className="text-sky-700 hover:underline">
          Runs of the cdc pipeline
        </Link>
      }
    >
      A table shows here once AWS DMS files for it arrive: a full load (
      <code className={code}>LOAD00000001.csv</code>) and change files (
      <code className={code}>20261101-0905000000.csv</code>) under{" "}
      <code className={code}>dms/&lt;SCHEMA&gt;/&lt;TABLE&gt;/</code>. Locally, drop them into{" "}
      <code className={code}>&lt;data-dir&gt;/lake/dms/</code> (
      <code className={code}>cdp start</code> applies them) or run{" "}
      <code className={code}>cdp cdc PATH</code>; deployed, the DMS task writes them to the lake's{" "}
      <code className={code}>dms/</code> prefix.
    </EmptyState>
  );
}

export function CdcPage() {
  const query = useCdcTables();
  return (
    <PageShell
      title="CDC"
      documentTitle="CDC"
      query={query}
      panel
      meta={
        query.data?.tables.length ? (
          <span className="text-[12px] text-zinc-500">
            {query.data.tables.length} table{query.data.tables.length === 1 ? "" : "s"} fed by AWS
            DMS
          </span>
        ) : null
      }
      above={
        query.data?.tables.length ? (
          <p className="text-[12px] text-zinc-500">
            Lag: the newest file waiting in <code className={code}>dms/</code> (a change file's time
            is in its name) minus the commit time of the last change applied; caught up when nothing
            waits. Counts are summed over the applied files.
          </p>
        ) : null
      }
      loading={<TableSkeleton label="Loading CDC tables" />}
      errorTitle="Couldn't load the CDC tables"
      isEmpty={(d) => d.tables.length === 0}
      empty={<CdcEmpty />}
    >
      {(d) => (
        // A named scroll region: on a narrow screen the table scrolls inside its panel.
        <section aria-label="CDC tables" className="overflow-x-auto">
          <div className="min-w-[1240px]">
            <DataTable
              label="CDC tables"
              columns={cdcColumns}
              data={d.tables}
              rowId={(t) => t.table}
              rowProps={(t) => ({ "data-cdc-table": t.table })}
            />
          </div>
        </section>
      )}
    </PageShell>
  );
}
