// Where alerts go: one SNS topic per stage. Functions that notify link `alerts` (Resource.Alerts:
// publish to the topic, read the console's URL for links); EventBridge failure rules and CloudWatch
// alarms (infra/monitoring.ts) publish to it too. Declared before the functions that link it, as is
// `metrics`, what the console API needs to read the metrics back.
//
// E-mail recipients are stage config: the stage's alertEmails in infra/stage.ts, plus those in the
// environment `sst deploy` runs in (the deploy workflow sets it from a GitHub environment variable):
//   CDP_ALERT_EMAIL=data-ops@example.com,oncall@example.com sst deploy --stage production
// Each address gets a confirmation mail from SNS and receives alerts once it is confirmed. Unset:
// no e-mail subscription (subscribe chat or a pager to the topic instead, or see the console).
//
// Alert messages, the failure rules' messages and the dashboard link docs/runbook.md: at
// CDP_RUNBOOK_URL when set (the page, no anchor), else the commit GitHub Actions deploys, else the
// `origin` remote's default branch (packages/core/src/monitoring/runbook.ts, runbookBaseUrl).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { alertsStatements, alertTopicPolicy } from "../packages/core/src/alert/iam";
import { METRICS_NAMESPACE } from "../packages/core/src/metric/cloudwatch";
import { metricsReadStatements } from "../packages/core/src/metric/iam";
import { runbookBaseUrl } from "../packages/core/src/monitoring/runbook";
import { arn, grants, linkable, place } from "./iam";
import { stageSettings } from "./stage";

export const alertTopic = new aws.sns.Topic("Alerts", {
  // The sender name of the e-mails.
  displayName: `CDP ${$app.stage}`,
});

/**
 * Written by infra/monitoring.ts once the console exists, read by the notifying functions at run
 * time: they are deployed before the console, so its URL can't be linked into them.
 */
export const consoleUrlParameter = `/${$app.name}/${$app.stage}/console-url`;
const consoleUrlParameterArn = arn("ssm", `parameter${consoleUrlParameter}`);

function gitOrigin(): string | null {
  try {
    return execFileSync("git", ["remote", "get-url", "origin"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return null;
  }
}

/** Where alerts, failure rules and the dashboard link the runbook's sections. */
export const runbookUrl = runbookBaseUrl(process.env, gitOrigin());

/** Linked by every function that notifies (the ingest steps, the console API). */
export const alerts = linkable(
  "Alerts",
  { topicArn: alertTopic.arn, consoleUrlParameter, runbookUrl },
  grants(alertsStatements, { topicArn: alertTopic.arn, consoleUrlParameterArn }),
);

/**
 * Linked by the console API: the Metrics page reads the platform's metrics (written by the
 * functions as EMF log lines) with GetMetricData, which takes no resource.
 */
export const metrics = linkable(
  "Metrics",
  { namespace: METRICS_NAMESPACE },
  grants(metricsReadStatements, {}),
);

// EventBridge rules and CloudWatch alarms publish as services, so the topic's policy must let
// them, and only on behalf of this account. (Functions publish with their role's permission.)
new aws.sns.TopicPolicy("AlertsPolicy", {
  arn: alertTopic.arn,
  policy: $resolve({ topicArn: alertTopic.arn, ...place }).apply((a) =>
    JSON.stringify(alertTopicPolicy(a)),
  ),
});

// Checked by resolveStage: a malformed CDP_ALERT_EMAIL fails the deploy before anything changes.
for (const email of stageSettings($app.stage).alertEmails) {
  // Named by the address, so adding or removing one leaves the others' confirmations alone.
  const id = createHash("sha256").update(email.toLowerCase()).digest("hex").slice(0, 10);
  new aws.sns.TopicSubscription(`AlertEmail${id}`, {
    topic: alertTopic.arn,
    protocol: "email",
    endpoint: email,
  });
}
