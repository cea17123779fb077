// The Quality summary's columns: table and rule (each a link that narrows the page), error type,
// severity, failing rows (each once), runs that saw them and when last seen.
import type { RuleSummary } from "../../api/client";
import { columnsFor } from "../../components/DataTable";
import { ruleDetailColumns } from "../../components/ruleColumns";
import { RelativeTime } from "../../components/Time";
import { Link, withSearch } from "../../lib/router";

const ruleCol = columnsFor<RuleSummary>();

export const byRuleColumns = ruleCol.columns([
  ruleCol.accessor("table", {
    header: "Table",
    cell: (c) => (
      <Link
        to={withSearch({ table: c.getValue(), rule: undefined })}
        className="font-mono text-[12px] text-zinc-800 hover:text-sky-700 hover:underline"
      >
        {c.getValue()}
      </Link>
    ),
    meta: { className: "w-40" },
  }),
  ruleCol.accessor("rule", {
    header: "Rule",
    cell: (c) => (
      <Link
        to={withSearch({ table: c.row.original.table, rule: c.getValue() })}
        className="font-mono text-[12px] text-zinc-900 hover:text-sky-700 hover:underline"
        title={`Only ${c.getValue()} on ${c.row.original.table}`}
      >
        {c.getValue()}
      </Link>
    ),
  }),
  ...ruleDetailColumns<RuleSummary>("Failing rows"),
  ruleCol.accessor("runs", {
    header: "Runs",
    cell: (c) => <span className="tabular-nums">{c.getValue().toLocaleString()}</span>,
    meta: { className: "w-16 text-right" },
  }),
  ruleCol.accessor("lastSeen", {
    header: "Last seen",
    cell: (c) => <RelativeTime iso={c.getValue()} />,
    meta: { className: "w-24 text-right" },
  }),
]);
