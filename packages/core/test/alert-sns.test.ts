// The SNS notifier: an alert is stored in the ops store (the console lists it) and then published
// with a short subject and a readable body linking to the run. SNS is mocked; the ops store is real.
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { makeOps } from "../../../test/support/engines";
import { listAlerts, localNotifier, type NewAlert } from "../src/alert/alert";
import { alertMessage, alertSubject, MAX_SUBJECT, snsNotifier } from "../src/alert/sns";
import type { OpsStore } from "../src/ops/db";

const topicArn = "arn:aws:sns:eu-west-1:123456789012:cdp-test-alerts";
const consoleUrl = "https://console.example.com";
const runId = "sfn:cdp-test-IngestMachine:0f6c2d5e-1111-4c4c-9a9a-2f1f1f1f1f1f";

const quarantine: NewAlert = {
  kind: "quarantine",
  severity: "warning",
  title: "customers: 12 of 1000 rows quarantined",
  message:
    "customers.csv loaded 988 rows; rejected rows are in error/customers.csv. Rules failed: email_format (12)",
  runId,
};

describe("SNS notifier (AWS SDK mocked: no AWS here)", () => {
  const sns = mockClient(SNSClient);
  const client = new SNSClient({
    region: "eu-west-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  let ops: OpsStore;
  beforeAll(async () => {
    ops = await makeOps("pglite");
  });
  afterAll(() => ops.close());
  afterEach(() => {
    sns.reset();
    vi.restoreAllMocks();
  });

  test("stores the alert, then publishes it with a subject, a readable body and attributes", async () => {
    const order: string[] = [];
    const store = localNotifier(ops.db);
    const recording = {
      notify: async (a: NewAlert) => {
        await store.notify(a);
        order.push("stored");
      },
    };
    sns.on(PublishCommand).callsFake(() => {
      order.push("published");
      return { MessageId: "m-1" };
    });
    const runbook = "https://github.com/acme/cdp/blob/main/docs/runbook.md";
    const notifier = snsNotifier(
      recording,
      { topicArn, consoleUrl, stage: "prod", runbookUrl: runbook },
      client,
    );
    await notifier.notify(quarantine);

    expect(order).toEqual(["stored", "published"]);
    const [stored] = await listAlerts(ops.db, { limit: 1 });
    expect(stored).toMatchObject({ title: quarantine.title, runId, acknowledgedAt: null });

    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.TopicArn).toBe(topicArn);
    expect(input.Subject).toBe("CDP prod warning: customers: 12 of 1000 rows quarantined");
    expect(input.MessageAttributes).toEqual({
      severity: { DataType: "String", StringValue: "warning" },
      kind: { DataType: "String", StringValue: "quarantine" },
    });
    const link = `${consoleUrl}/runs/${encodeURIComponent(runId)}`;
    expect(input.Message).toBe(
      [
        "customers: 12 of 1000 rows quarantined",
        "",
        quarantine.message,
        "",
        "Severity: warning",
        "Kind:     quarantine",
        "Stage:    prod",
        `Run:      ${runId}`,
        "",
        `Open the run (details, retry): ${link}`,
        `All alerts: ${consoleUrl}/alerts`,
        "",
        `Runbook: ${runbook}#alert-rows-quarantined`,
      ].join("\n"),
    );
    // The console's router decodes the path segment back into the run id.
    expect(decodeURIComponent(new URL(link).pathname.split("/")[2]!)).toBe(runId);
  });

  test("subjects stay under 100 characters, on one line", () => {
    const long = alertSubject(
      { ...quarantine, title: `${"very long table name ".repeat(10)}\nsecond line` },
      "production",
    );
    expect(long.length).toBeLessThanOrEqual(MAX_SUBJECT);
    expect(long).toMatch(/^CDP production warning: very long table name/);
    expect(long.endsWith("...")).toBe(true);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting there are none
    expect(long).not.toMatch(/[\u0000-\u001f]/);
    const short = alertSubject({ ...quarantine, title: "a\tb\r\nc" });
    expect(short).toBe("CDP warning: a b c");
    // SNS subjects are ASCII: the subject's arrow and accents are spelled out, the rest is `?`
    const subject = alertSubject({
      ...quarantine,
      title: "ingest run failed: clients_été ← clients_été_2026.csv 😀",
    });
    expect(subject).toBe("CDP warning: ingest run failed: clients_ete <- clients_ete_2026.csv ?");
  });

  test("the console URL is looked up once; without it the alert still goes out, without links", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m" });
    const lookup = vi.fn(async () => "https://console.example.com/");
    const notifier = snsNotifier(localNotifier(ops.db), { topicArn, consoleUrl: lookup }, client);
    await notifier.notify(quarantine);
    await notifier.notify({ ...quarantine, runId: null, kind: "file_rejected" });
    expect(lookup).toHaveBeenCalledTimes(1);
    const [first, second] = sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Message);
    expect(first).toContain(`https://console.example.com/runs/${encodeURIComponent(runId)}`);
    expect(second).not.toContain("/runs/");
    expect(second).toContain("All alerts: https://console.example.com/alerts");

    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const failing = snsNotifier(
      localNotifier(ops.db),
      { topicArn, consoleUrl: async () => Promise.reject(new Error("AccessDenied")) },
      client,
    );
    await failing.notify(quarantine);
    const last = sns.commandCalls(PublishCommand).at(-1)!.args[0].input.Message!;
    expect(last).toContain(`Run:      ${runId}`);
    expect(last).not.toContain("https://");
    expect(warn.mock.calls[0]?.[0]).toMatch(/console URL could not be read.*AccessDenied/);
  });

  test("when SNS refuses, the alert is still stored and the refusal is logged, not thrown", async () => {
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error("Topic does not exist"), { name: "NotFoundException" }));
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const title = `run failed ${Date.now()}`;
    const notifier = snsNotifier(localNotifier(ops.db), { topicArn }, client);
    await notifier.notify({ ...quarantine, kind: "run_failed", severity: "error", title });
    expect((await listAlerts(ops.db, { limit: 1 }))[0]?.title).toBe(title);
    expect(error.mock.calls[0]?.[0]).toMatch(/not published to arn:aws:sns:.*Topic does not exist/);
  });

  test("when storing fails nothing is published (the console would not know the alert)", async () => {
    sns.on(PublishCommand).resolves({});
    const broken = { notify: async () => Promise.reject(new Error("ops store down")) };
    await expect(snsNotifier(broken, { topicArn }, client).notify(quarantine)).rejects.toThrow(
      "ops store down",
    );
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  test("a run-less alert's body has no run line", () => {
    const body = alertMessage({ ...quarantine, runId: undefined }, { consoleUrl });
    expect(body).not.toContain("Run:");
    expect(body).not.toContain("/runs/");
  });
});
