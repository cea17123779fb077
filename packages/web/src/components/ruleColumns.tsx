// The columns every per-rule table shares (a run's quarantine, the Quality page's failures):
// the rule's error type, its severity, and how many rows or failures it counted.

import { columnsFor } from "./DataTable";
import { Severity } from "./Severity";

interface RuleRow {
  errorType: string;
  severity: string;
  count: number;
}

export function ruleDetailColumns<T extends RuleRow>(countHeader: string) {
  const col = columnsFor<T>();
  return [
    col.accessor((r) => r.errorType, {
      id: "errorType",
      header: "Error type",
      cell: (c) => <span className="text-zinc-600">{c.getValue()}</span>,
      meta: { className: "w-40" },
    }),
    col.accessor((r) => r.severity, {
      id: "severity",
      header: "Severity",
      cell: (c) => <Severity value={c.getValue()} />,
      meta: { className: "w-24" },
    }),
    col.accessor((r) => r.count, {
      id: "count",
      header: countHeader,
      cell: (c) => <span className="tabular-nums">{c.getValue().toLocaleString()}</span>,
      meta: { className: "w-20 text-right" },
    }),
  ];
}
