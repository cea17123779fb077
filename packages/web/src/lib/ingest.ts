// An ingest run's stats, read defensively: `stats` is open JSON, and a run that failed early
// (no key column, an unreadable file) carries only some of it.
import type { RunDetail } from "../api/client";

export interface RuleCount {
  rule: string;
  errorType: string;
  severity: string;
  count: number;
}

export interface IngestStats {
  table: string | null;
  key: string | null;
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  columnsAdded: string[];
  columnsWidened: string[];
  /** Where the source file is now: processed/… or error/…. */
  sourceKey: string | null;
  /** The failed file (when it equals sourceKey) or the rejects file. */
  errorKey: string | null;
  failures: RuleCount[];
  skippedRules: { rule: string; reason: string }[];
  rejectThreshold: number | null;
}

/** The stats keys this module shows in its own panels (the Facts panel leaves them out). */
export const ingestStatKeys = new Set([
  "table",
  "key",
  "rowsRead",
  "rowsLoaded",
  "rowsQuarantined",
  "columnsAdded",
  "columnsWidened",
  "sourceKey",
  "errorKey",
  "failures",
  "skippedRules",
  "rejectThreshold",
  "timeline",
]);

const str = (v: unknown) => (typeof v === "string" && v ? v : null);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const strings = (v: unknown) =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
const records = (v: unknown) =>
  Array.isArray(v)
    ? v.filter((x): x is Record<string, unknown> => typeof x === "object" && x !== null)
    : [];

export function ingestStatsOf(run: Pick<RunDetail, "pipeline" | "stats">): IngestStats | null {
  if (run.pipeline !== "ingest") return null;
  const s = run.stats as Record<string, unknown>;
  return {
    table: str(s.table),
    key: str(s.key),
    rowsRead: num(s.rowsRead),
    rowsLoaded: num(s.rowsLoaded),
    rowsQuarantined: num(s.rowsQuarantined),
    columnsAdded: strings(s.columnsAdded),
    columnsWidened: strings(s.columnsWidened),
    sourceKey: str(s.sourceKey),
    errorKey: str(s.errorKey),
    failures: records(s.failures).map((f) => ({
      rule: String(f.rule ?? ""),
      errorType: String(f.errorType ?? ""),
      severity: String(f.severity ?? "error"),
      count: num(f.count),
    })),
    skippedRules: records(s.skippedRules).map((r) => ({
      rule: String(r.rule ?? ""),
      reason: String(r.reason ?? ""),
    })),
    rejectThreshold: typeof s.rejectThreshold === "number" ? s.rejectThreshold : null,
  };
}

export const percent = (share: number) => {
  const p = share * 100;
  if (p === 0) return "0 %";
  if (p < 0.1) return "<0.1 %";
  return `${p < 10 ? p.toFixed(1) : Math.round(p)} %`;
};
