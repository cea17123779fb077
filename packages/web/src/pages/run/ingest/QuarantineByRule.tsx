// An ingest run's quarantine by rule: a row per failing rule, each linking to its rows on the
// Quality page.
import type { RunDetail } from "../../../api/client";
import { columnsFor, DataTable } from "../../../components/DataTable";
import { ruleDetailColumns } from "../../../components/ruleColumns";
import { Panel } from "../../../components/ui";
import { Link } from "../../../lib/router";
import { qualityLink } from "./qualityLink";
import type { IngestStats, RuleCount } from "./stats";

const ruleCol = columnsFor<RuleCount>();

function ruleColumns(runId: string) {
  return ruleCol.columns([
    ruleCol.accessor("rule", {
      header: "Rule",
      cell: (c) => (
        <Link
          to={qualityLink(runId, c.getValue())}
          className="font-mono text-[12px] text-zinc-900 hover:text-sky-700 hover:underline"
          title={`Failures of ${c.getValue()} in this run`}
        >
          {c.getValue()}
        </Link>
      ),
    }),
    ...ruleDetailColumns<RuleCount>("Rows"),
  ]);
}

/** One row per rule that failed, each linking to its failing rows on the Quality page. */
export function QuarantineByRule({ run, stats }: { run: RunDetail; stats: IngestStats }) {
  if (!stats.failures.length) return null;
  const total = stats.failures.reduce((n, f) => n + f.count, 0);
  return (
    <Panel
      title="Quarantine by rule"
      actions={
        <Link to={qualityLink(run.id)} className="text-[12px] text-sky-700 hover:underline">
          Failing rows on the Quality page →
        </Link>
      }
    >
      <DataTable
        label="Quarantine by rule"
        columns={ruleColumns(run.id)}
        data={stats.failures}
        rowId={(f) => f.rule}
        dense
      />
      {total !== stats.rowsQuarantined ? (
        <p className="border-t border-zinc-100 px-3 py-1.5 text-[12px] text-zinc-500">
          Counted per rule ({total.toLocaleString()} failures,{" "}
          {stats.rowsQuarantined.toLocaleString()} rows quarantined): a row failing several rules
          counts under each, and a warning's row still loads.
        </p>
      ) : null}
    </Panel>
  );
}
