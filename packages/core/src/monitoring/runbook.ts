// Where an operator reads what an alert or an alarm means and what to do: a section of
// docs/runbook.md per alert kind (run failures per pipeline), per CloudWatch alarm and per
// EventBridge failure rule. Alert messages, the event templates and the dashboard link the section;
// test/runbook.test.ts checks that every section linked from here is a heading of the runbook.

/**
 * The kinds of alert the platform raises (alert/alert.ts's `NewAlert.kind`): here, free of the ops
 * store, so that the pure builders infra imports can name them; each has a runbook section.
 */
export const ALERT_KINDS = ["quarantine", "run_failed", "file_rejected"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** The runbook, from the repository's root. */
export const RUNBOOK_PATH = "docs/runbook.md";

/** Sections for what the platform's AWS resources raise (infra/monitoring.ts), not the code. */
export const ALARM_SECTIONS = {
  lambdaErrors: "alarm-lambda-errors",
  quarantineRate: "alarm-quarantine-rate",
  glueJobFailed: "event-glue-job-run-failed",
  executionFailed: "event-execution-failed",
  dmsReplicationFailed: "event-dms-replication-failed",
} as const;

/** Sections for the kinds of alert the code raises (ALERT_KINDS). */
const KIND_SECTIONS: Record<AlertKind, string> = {
  quarantine: "alert-rows-quarantined",
  file_rejected: "alert-file-rejected",
  // Each pipeline has its own: see runFailedSection.
  run_failed: "alert-run-failed",
};

/** A run that stopped to leave the Salesforce org's daily API requests to others (sync). */
export const BUDGET_WAIT_SECTION = "alert-waiting-for-api-budget";

/**
 * The section for a run that did not succeed: its pipeline's (`alert-ingest-run-failed`), or the
 * budget wait's when the run says it stopped to wait for API budget (its `waitingForBudget` stat).
 */
export function runFailedSection(run: {
  pipeline: string;
  stats?: Record<string, unknown> | null;
}): string {
  if (run.stats?.waitingForBudget === true) return BUDGET_WAIT_SECTION;
  const name = run.pipeline.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  return `alert-${name}-run-failed`;
}

/** The section an alert links: the one its raiser chose, else its kind's. */
export function alertSection(alert: { kind: AlertKind; runbook?: string }): string {
  return alert.runbook ?? KIND_SECTIONS[alert.kind];
}

/**
 * The runbook's address, in this order: `CDP_RUNBOOK_URL` (the page, without an anchor); the
 * commit GitHub Actions deploys (`GITHUB_SERVER_URL`/`GITHUB_REPOSITORY`/`GITHUB_SHA`, so the
 * runbook read is the one deployed); the repository's `origin` remote on its default branch; else
 * the path in the repository, which is not a link but still says where to look.
 */
export function runbookBaseUrl(
  env: Record<string, string | undefined> = process.env,
  origin?: string | null,
): string {
  const given = env.CDP_RUNBOOK_URL?.trim();
  if (given) return given.replace(/#.*$/, "");
  if (env.GITHUB_REPOSITORY && env.GITHUB_SHA) {
    const server = (env.GITHUB_SERVER_URL || "https://github.com").replace(/\/+$/, "");
    return `${server}/${env.GITHUB_REPOSITORY}/blob/${env.GITHUB_SHA}/${RUNBOOK_PATH}`;
  }
  const web = origin ? repositoryWebUrl(origin) : null;
  if (web) return `${web}/blob/HEAD/${RUNBOOK_PATH}`;
  return RUNBOOK_PATH;
}

/** A git remote (https or scp-like ssh) as the https address of its web page; null if neither. */
export function repositoryWebUrl(remote: string): string | null {
  const r = remote.trim();
  const ssh = /^(?:ssh:\/\/)?git@([^:/]+)[:/](.+?)(?:\.git)?\/?$/.exec(r);
  if (ssh) return `https://${ssh[1]}/${ssh[2]}`;
  const https = /^https:\/\/(?:[^@/]+@)?([^/]+)\/(.+?)(?:\.git)?\/?$/.exec(r);
  if (https) return `https://${https[1]}/${https[2]}`;
  return null;
}

/** A section's address: the runbook's URL (or path) and the heading's anchor. */
export function runbookUrl(section: string, base: string = runbookBaseUrl()): string {
  return `${base.replace(/#.*$/, "")}#${section}`;
}

/** Whether the runbook's address is a link (http/https), for places that only take links. */
export const isLink = (base: string) => /^https?:\/\//i.test(base);
