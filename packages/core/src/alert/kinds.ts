// The kinds of alert the platform raises: one place, free of the ops store, so that pure builders
// (the runbook's links, which infra imports) can name them. Each has a docs/runbook.md section.
export const ALERT_KINDS = ["quarantine", "run_failed", "file_rejected"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
