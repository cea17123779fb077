// The deployed notifier: an alert is stored first (the console lists it, as locally), then
// published to the platform's SNS topic, whose subscriptions (e-mail, chat, a webhook) deliver it.
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { consoleAlertsUrl, consoleRunUrl } from "../monitoring/links";
import { alertSection, runbookBaseUrl, runbookUrl } from "../monitoring/runbook";
import { awsClientConfig, lazyClient } from "../util/aws";
import { errorMessage } from "../util/error";
import type { NewAlert, Notifier } from "./alert";

export const snsClient = lazyClient(() => new SNSClient(awsClientConfig));

export interface SnsNotifierConfig {
  topicArn: string;
  /**
   * The console's URL, for links to the run. A function when it is looked up (once) at run time;
   * no URL, or a failed lookup, leaves the links out rather than the alert.
   */
  consoleUrl?: string | (() => Promise<string | undefined>);
  /** The stage, named in the subject so alerts from two stages can't be mistaken. */
  stage?: string;
  /** The runbook's address (monitoring/runbook.ts's `runbookBaseUrl`); each message links its section. */
  runbookUrl?: string;
}

/**
 * SNS takes subjects under 100 characters of ASCII, with no line breaks or control characters (a
 * subject with others is replaced or refused), so accents are dropped (`é` → `e`), the subject's
 * arrow is spelled `<-`, and anything else outside ASCII becomes `?`. The message keeps them all.
 */
export const MAX_SUBJECT = 99;

export function alertSubject(alert: NewAlert, stage?: string): string {
  const prefix = `CDP${stage ? ` ${stage}` : ""} ${alert.severity}: `;
  const title = alert.title
    .replaceAll("←", "<-")
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what SNS refuses
    .replace(/[\u0000-\u001f\u007f]+/g, " ")
    .replace(/[^\u0020-\u007e]/gu, "?")
    .trim();
  const subject = `${prefix}${title}`;
  if (subject.length <= MAX_SUBJECT) return subject;
  return `${subject.slice(0, MAX_SUBJECT - 3).trimEnd()}...`;
}

/** The plain-text body every subscription receives: what happened, then where to act on it. */
export function alertMessage(
  alert: NewAlert,
  opts: { consoleUrl?: string; stage?: string; runbookUrl?: string } = {},
) {
  const lines = [alert.title, "", alert.message, ""];
  lines.push(`Severity: ${alert.severity}`, `Kind:     ${alert.kind}`);
  if (opts.stage) lines.push(`Stage:    ${opts.stage}`);
  if (alert.runId) lines.push(`Run:      ${alert.runId}`);
  if (opts.consoleUrl) {
    lines.push("");
    if (alert.runId) {
      lines.push(`Open the run (details, retry): ${consoleRunUrl(opts.consoleUrl, alert.runId)}`);
    }
    lines.push(`All alerts: ${consoleAlertsUrl(opts.consoleUrl)}`);
  }
  // What it means and what to do: the runbook's section, link or no console.
  lines.push(
    "",
    `Runbook: ${runbookUrl(alertSection(alert), opts.runbookUrl ?? runbookBaseUrl())}`,
  );
  return lines.join("\n");
}

/**
 * Wraps the notifier that stores alerts (`localNotifier` on the ops store): store, then publish.
 * Publishing is delivery: when SNS refuses, the alert is already in the console, so the failure is
 * logged for the operator and the caller's work (a finished ingest step) is not failed over it.
 */
export function snsNotifier(
  store: Notifier,
  config: SnsNotifierConfig,
  client: SNSClient = snsClient(),
): Notifier {
  let consoleUrl: Promise<string | undefined> | undefined;
  const resolveConsoleUrl = () => {
    const c = config.consoleUrl;
    consoleUrl ??= (typeof c === "function" ? c() : Promise.resolve(c)).catch((err) => {
      console.warn(
        `alert links left out: the console URL could not be read (${errorMessage(err)})`,
      );
      consoleUrl = undefined; // try again next time
      return undefined;
    });
    return consoleUrl;
  };
  return {
    async notify(alert) {
      await store.notify(alert);
      const url = await resolveConsoleUrl();
      try {
        await client.send(
          new PublishCommand({
            TopicArn: config.topicArn,
            Subject: alertSubject(alert, config.stage),
            Message: alertMessage(alert, {
              consoleUrl: url,
              stage: config.stage,
              runbookUrl: config.runbookUrl,
            }),
            // For subscription filter policies: page on errors, e-mail the rest.
            MessageAttributes: {
              severity: { DataType: "String", StringValue: alert.severity },
              kind: { DataType: "String", StringValue: alert.kind },
            },
          }),
        );
      } catch (err) {
        console.error(
          `alert stored but not published to ${config.topicArn}: ${errorMessage(err)} (${alert.title})`,
        );
      }
    },
  };
}
