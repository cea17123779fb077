// The conversion report: one line per thing not converted, converted with a caveat, or ignored,
// each with its place in the Oracle script and what to do about it.

export type Severity = "not-converted" | "caveat" | "note";

export interface ReportItem {
  line: number;
  col: number;
  severity: Severity;
  /** What it is: TRIGGER, PACKAGE, CHECK, COLUMN, DEFAULT, STORAGE, INDEX, SEQUENCE, … */
  kind: string;
  /** The Oracle object, as the script names it (CRM.TRG_CUST_BI, CRM.CUSTOMERS.NOTES), or null. */
  object: string | null;
  message: string;
  /** What the operator should do, when there is something to do. */
  action: string | null;
}

const ORDER: Record<Severity, number> = { "not-converted": 0, caveat: 1, note: 2 };

export function sortReport(items: ReportItem[]): ReportItem[] {
  return [...items].sort(
    (a, b) => a.line - b.line || a.col - b.col || ORDER[a.severity] - ORDER[b.severity],
  );
}

/**
 * `FILE:40:1: TRIGGER CRM.TRG_CUST_BI: not converted (Redshift has no triggers); move …` — the
 * message of a not-converted item says so itself; caveats and notes are prefixed.
 */
export function formatItem(item: ReportItem, file: string): string {
  const what = item.object ? `${item.kind} ${item.object}` : item.kind;
  const prefix = item.severity === "not-converted" ? "" : `${item.severity}: `;
  const action = item.action ? `; ${item.action}` : "";
  return `${file}:${item.line}:${item.col}: ${what}: ${prefix}${item.message}${action}`;
}

export function summarize(items: ReportItem[]): string {
  const count = (s: Severity) => items.filter((i) => i.severity === s).length;
  return `${count("not-converted")} not converted, ${count("caveat")} caveats, ${count("note")} notes`;
}
