// What an ingest's checks found: failure counts per rule (malformed records included), the reject
// threshold that decides whether the file loads, and the quarantine alert. Both executors — the
// local one (ingest.ts) and the state machine's report step — decide with these.
import type { Notifier } from "../alert/alert";
import type { SqlRunner } from "../warehouse/warehouse";
import type { FailureCount } from "./model";
import { fileName } from "./naming";
import type { Plan } from "./plan";

const n = (v: unknown) => Number(v ?? 0);

/** A row of the plan's `report.failuresByRule` query, as any engine returns it. */
export interface RuleCountRow {
  rule: string;
  error_type: string;
  severity: string;
  n: unknown;
}

export interface CheckReport {
  failures: FailureCount[];
  /** Records rejected: staged rows failing an error rule, plus malformed records. */
  quarantined: number;
}

/** What the checks found, malformed records (which never reached staging) included. */
export function checkReport(
  byRule: RuleCountRow[],
  quarantinedStaged: unknown,
  malformedCount: number,
): CheckReport {
  const failures = byRule.map((r) => ({
    rule: r.rule,
    errorType: r.error_type,
    severity: r.severity,
    count: n(r.n),
  }));
  if (malformedCount) {
    failures.unshift({
      rule: "malformed_record",
      errorType: "malformed",
      severity: "error",
      count: malformedCount,
    });
  }
  return { failures, quarantined: n(quarantinedStaged) + malformedCount };
}

export async function readCheckReport(
  sql: SqlRunner,
  plan: Plan,
  malformedCount: number,
): Promise<CheckReport> {
  const byRule = await sql.query<RuleCountRow>(plan.report.failuresByRule);
  const [q] = await sql.query<{ n: unknown }>(plan.report.quarantined);
  return checkReport(byRule, q?.n, malformedCount);
}

/**
 * The most records a file of `rowsRead` may have rejected and still load: the largest q with
 * q / rowsRead ≤ threshold, computed with the same arithmetic as `overThreshold`, so the Glue
 * job's gate (which only compares integers) and the local executor agree to the record.
 */
export function maxQuarantined(rowsRead: number, threshold: number): number {
  if (rowsRead <= 0) return 0;
  let m = Math.max(0, Math.floor(threshold * rowsRead));
  while (m < rowsRead && (m + 1) / rowsRead <= threshold) m++;
  while (m > 0 && m / rowsRead > threshold) m--;
  return m;
}

export function overThreshold(quarantined: number, rowsRead: number, threshold: number): boolean {
  return quarantined > maxQuarantined(rowsRead, threshold);
}

export function describeFailures(failures: FailureCount[]): string {
  return failures
    .filter((f) => f.severity === "error")
    .map((f) => `${f.rule} (${f.count})`)
    .join(", ");
}

export function thresholdReason(s: {
  table: string;
  rowsRead: number;
  rowsQuarantined: number;
  rejectThreshold: number;
  failures: FailureCount[];
}): string {
  const share = s.rowsRead ? s.rowsQuarantined / s.rowsRead : 0;
  const pct = (share * 100).toFixed(1);
  return `${s.rowsQuarantined} of ${s.rowsRead} records (${pct} %) failed quality rules, more than the ${s.table} table allows (${s.rejectThreshold * 100} %); nothing was loaded. Fix the file, or raise rejectThreshold for ${s.table} in rules.ts, then retry. Rules failed: ${describeFailures(s.failures)}`;
}

export function notifyQuarantine(
  notifier: Notifier,
  s: {
    runId: string;
    table: string;
    sourceKey: string;
    rowsRead: number;
    rowsLoaded: number;
    rowsQuarantined: number;
    errorKey: string | null;
    failures: FailureCount[];
  },
): Promise<void> {
  return notifier.notify({
    kind: "quarantine",
    severity: "warning",
    title: `${s.table}: ${s.rowsQuarantined} of ${s.rowsRead} rows quarantined`,
    message: `${fileName(s.sourceKey)} loaded ${s.rowsLoaded} rows; rejected rows are in ${s.errorKey}. Rules failed: ${describeFailures(s.failures)}`,
    runId: s.runId,
  });
}
