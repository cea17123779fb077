// The Quality page's filter as the URL holds it (table, rule, run, window, open or fixed), and the
// choices its selects offer.
import type { RuleSummary } from "../../api/client";
import type { QualityFilter, QualityStatus, QualityWindow } from "../../queries/keys";

export const windows: { value: QualityWindow; label: string }[] = [
  { value: "24h", label: "24 h" },
  { value: "7d", label: "7 days" },
  { value: "30d", label: "30 days" },
  { value: "all", label: "All" },
];

export const windowWords: Record<QualityWindow, string> = {
  "24h": "in the last 24 hours",
  "7d": "in the last 7 days",
  "30d": "in the last 30 days",
  all: "yet",
};

export const statuses: { value: QualityStatus; label: string; title: string }[] = [
  { value: "open", label: "Open", title: "Failing rows no later version of their file has fixed" },
  {
    value: "fixed",
    label: "Fixed",
    title: "Failing rows a later version of their file loaded without",
  },
  { value: "all", label: "All", title: "Open and fixed" },
];

/** "3 open failing rows", "1 failing row". */
export function failingRows(n: number, status: QualityStatus): string {
  const word = status === "all" ? "" : `${status} `;
  return `${n.toLocaleString()} ${word}failing row${n === 1 ? "" : "s"}`;
}

export function qualityFilterOf(search: URLSearchParams): QualityFilter {
  const w = search.get("window");
  const s = search.get("status");
  return {
    table: search.get("table") || undefined,
    rule: search.get("rule") || undefined,
    runId: search.get("run") || undefined,
    window: windows.some((x) => x.value === w) ? (w as QualityWindow) : "7d",
    status: statuses.some((x) => x.value === s) ? (s as QualityStatus) : "open",
  };
}

export const isFiltered = (f: QualityFilter) =>
  !!(f.table || f.rule || f.runId || f.status !== "open");

/** Every table in the window, and the rules of the chosen table (of all, when none is). */
export function filterChoices(byRule: Pick<RuleSummary, "table" | "rule">[], chosen?: string) {
  const ofChosen = chosen ? byRule.filter((r) => r.table === chosen) : byRule;
  return {
    tables: [...new Set(byRule.map((r) => r.table))].sort(),
    rules: [...new Set(ofChosen.map((r) => r.rule))].sort(),
  };
}

export const totalFailures = (byRule: Pick<RuleSummary, "count">[]) =>
  byRule.reduce((n, r) => n + r.count, 0);
