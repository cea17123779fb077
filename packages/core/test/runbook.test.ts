// The runbook is linked from every alert, failure-rule message and the dashboard: each section they
// can link must be a heading of docs/runbook.md (anchors as GitHub renders them), a new alert kind
// or pipeline without a section fails here, and what the platform raises carries its section.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeOps } from "../../../test/support/engines";
import { acknowledgeAlert, listAlerts, localNotifier, type NewAlert } from "../src/alert/alert";
import { alertTable } from "../src/alert/alert.sql";
import { dashboardBody, runbookMarkdown } from "../src/monitoring/dashboard";
import { dmsFailurePattern, dmsFailureTransformer } from "../src/monitoring/events";
import {
  ALARM_SECTIONS,
  ALERT_KINDS,
  alertSection,
  BUDGET_WAIT_SECTION,
  RUNBOOK_PATH,
  runbookBaseUrl,
  runbookUrl,
  runFailedSection,
} from "../src/monitoring/runbook";
import type { OpsStore } from "../src/ops/db";
import { pipelines } from "../src/pipelines";
import { runLifecycle } from "../src/run/lifecycle";
import type { Info } from "../src/run/run";

const runbookFile = new URL(`../../../${RUNBOOK_PATH}`, import.meta.url);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces → "-", repeats get "-1"… */
export function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const text = m[1]!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/`/g, "")
      .trim();
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

const anchors = headingAnchors(readFileSync(runbookFile, "utf8"));

const failedRun = (over: Partial<Info>): Info => ({
  id: "run_01TEST",
  pipeline: "ingest",
  engine: "local",
  status: "FAILED",
  createdAt: "2026-12-01T00:00:00.000Z",
  startedAt: "2026-12-01T00:00:00.000Z",
  finishedAt: "2026-12-01T00:00:01.000Z",
  args: {},
  error: "boom",
  stats: {},
  retryOf: null,
  retriedBy: null,
  failureClass: "transient",
  failureHint: null,
  resolvedBy: null,
  resolvedAt: null,
  ...over,
});

describe("the runbook has a section for everything that links it", () => {
  test("the anchor parser reads headings as GitHub does", () => {
    const a = headingAnchors("# A: b (c)\n## A: b (c)\n```\n# not a heading\n```\n### `x_y` z");
    expect([...a]).toEqual(["a-b-c", "a-b-c-1", "x_y-z"]);
  });

  test("every alert kind the code can raise", () => {
    for (const kind of ALERT_KINDS) {
      expect(
        anchors,
        `docs/runbook.md: no section #${alertSection({ kind })} (kind ${kind})`,
      ).toContain(alertSection({ kind }));
    }
  });

  test("a failed run of every registered pipeline, and a sync waiting for API budget", () => {
    for (const p of pipelines) {
      const section = runFailedSection({ pipeline: p.name });
      expect(anchors, `docs/runbook.md: no section #${section} (pipeline ${p.name})`).toContain(
        section,
      );
    }
    expect(anchors).toContain(BUDGET_WAIT_SECTION);
  });

  test("every alarm and failure rule of the deployed stage", () => {
    for (const section of Object.values(ALARM_SECTIONS)) expect(anchors).toContain(section);
  });

  test("the dashboard's runbook widget links only sections that exist", () => {
    const base = "https://github.com/acme/cdp/blob/0123abc/docs/runbook.md";
    const md = runbookMarkdown({
      region: "eu-west-1",
      stage: "prod",
      consoleUrl: "https://console.example.com",
      pipelines: ["ingest", "cdc"],
      glueJobs: [],
      stateMachines: [],
      functions: [],
      runbookUrl: base,
      replication: true,
    });
    const links = [...md.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => new URL(m[1]!));
    expect(links.length).toBe(9);
    for (const l of links) {
      expect(l.href.startsWith(`${base}#`)).toBe(true);
      expect(anchors).toContain(l.hash.slice(1));
    }
    // Without an address it names the file and its anchors instead of links CloudWatch can't open.
    const body = dashboardBody({
      region: "eu-west-1",
      stage: "dev",
      consoleUrl: "https://console.example.com",
      pipelines: [],
      glueJobs: [],
      stateMachines: [],
      functions: [],
    });
    const widget = body.widgets[1];
    expect(widget?.type === "text" && widget.properties.markdown).toContain(
      "docs/runbook.md in the repository: `#alarm-lambda-errors`",
    );
  });
});

describe("what the platform raises links its section", () => {
  const raise = async (run: Info) => {
    const raised: NewAlert[] = [];
    const lifecycle = runLifecycle({
      ops: undefined as never, // a failed run that retried nothing never reads the ops store
      metrics: { record: async () => {} } as never,
      notifier: { notify: async (a) => void raised.push(a) },
    });
    await lifecycle.completed(run);
    return raised;
  };

  test("a failed run's alert links its pipeline's section; a budget wait the budget section", async () => {
    const [ingest] = await raise(failedRun({ pipeline: "ingest" }));
    expect(ingest).toMatchObject({ kind: "run_failed", runbook: "alert-ingest-run-failed" });
    const [cdc] = await raise(failedRun({ pipeline: "cdc", status: "TIMED_OUT" }));
    expect(cdc?.runbook).toBe("alert-cdc-run-failed");
    const [wait] = await raise(failedRun({ pipeline: "sync", stats: { waitingForBudget: true } }));
    expect(wait?.runbook).toBe("alert-waiting-for-api-budget");
    expect(await raise(failedRun({ status: "SUCCEEDED" }))).toEqual([]);
  });

  describe("the webhook's JSON carries the section's address", () => {
    let ops: OpsStore;
    const bodies: Record<string, unknown>[] = [];
    const server = createServer((req, res) => {
      let data = "";
      req.on("data", (c) => {
        data += c;
      });
      req.on("end", () => {
        bodies.push(JSON.parse(data));
        res.end();
      });
    });
    beforeAll(async () => {
      // The shared PostgreSQL: a new PGlite ops store takes seconds to migrate.
      ops = await makeOps("postgres");
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    });
    afterAll(async () => {
      server.close();
      await ops.close();
    });

    test("stored fields as before, plus runbook", async () => {
      const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const base = "https://runbook.example.com/cdp/runbook.md";
      const notifier = localNotifier(ops.db, { webhookUrl, runbookUrl: base });
      await notifier.notify({
        kind: "run_failed",
        severity: "error",
        title: "sync run failed",
        message: "waiting for API budget",
        runId: "run_01X",
        runbook: BUDGET_WAIT_SECTION,
      });
      expect(bodies[0]).toMatchObject({
        kind: "run_failed",
        title: "sync run failed",
        runId: "run_01X",
        runbook: `${base}#alert-waiting-for-api-budget`,
      });
      expect(bodies[0]).toHaveProperty("id");
      expect(bodies[0]).toHaveProperty("createdAt");
    });

    test("the alerts list gives each alert its section's address; one stored before sections were kept links its kind's", async () => {
      const base = "https://runbook.example.com/cdp/runbook.md";
      const store = localNotifier(ops.db);
      const raised = { severity: "error", message: "m" } as const;
      await store.notify({ ...raised, kind: "quarantine", title: "listed quarantine" });
      await store.notify({
        ...raised,
        kind: "run_failed",
        title: "listed cdc failure",
        runbook: "alert-cdc-run-failed",
      });
      // As migration 0005 leaves an alert raised before it: no section stored.
      await ops.db.insert(alertTable).values({
        id: "alert_00BEFORE0005",
        kind: "run_failed",
        severity: "error",
        title: "listed old failure",
        message: "m",
        createdAt: new Date(),
      });
      const listed = await listAlerts(ops.db, { runbookBase: base });
      const address = (title: string) => listed.find((a) => a.title === title)?.runbook;
      expect(address("listed quarantine")).toBe(`${base}#alert-rows-quarantined`);
      expect(address("listed cdc failure")).toBe(`${base}#alert-cdc-run-failed`);
      expect(address("listed old failure")).toBe(`${base}#alert-run-failed`);
      const acked = await acknowledgeAlert(ops.db, "alert_00BEFORE0005", "ann", base);
      expect(acked.runbook).toBe(`${base}#alert-run-failed`);
      // Without an address given: the runbook's (here, with no CDP_RUNBOOK_URL, its path or GitHub's).
      const plain = await listAlerts(ops.db);
      expect(plain.find((a) => a.title === "listed quarantine")?.runbook).toBe(
        runbookUrl("alert-rows-quarantined", runbookBaseUrl()),
      );
    });
  });
});

describe("the runbook's address", () => {
  test("CDP_RUNBOOK_URL, else the deployed commit on GitHub, else origin, else the path", () => {
    expect(runbookBaseUrl({ CDP_RUNBOOK_URL: "https://wiki.example.com/cdp#old" })).toBe(
      "https://wiki.example.com/cdp",
    );
    expect(
      runbookBaseUrl({ GITHUB_REPOSITORY: "acme/cdp", GITHUB_SHA: "abc123" }, "git@x:y/z.git"),
    ).toBe("https://github.com/acme/cdp/blob/abc123/docs/runbook.md");
    expect(runbookBaseUrl({}, "git@github.com:acme/cdp.git")).toBe(
      "https://github.com/acme/cdp/blob/HEAD/docs/runbook.md",
    );
    expect(runbookBaseUrl({}, "https://token@github.com/acme/cdp.git")).toBe(
      "https://github.com/acme/cdp/blob/HEAD/docs/runbook.md",
    );
    expect(runbookBaseUrl({}, null)).toBe("docs/runbook.md");
    expect(runbookUrl("alert-rows-quarantined", "docs/runbook.md")).toBe(
      "docs/runbook.md#alert-rows-quarantined",
    );
  });
});

describe("the DMS replication failure rule", () => {
  const arn = "arn:aws:dms:eu-west-1:123456789012:replication-config:ABCDEFGHIJKLMNOP";
  // Shaped like a DMS Serverless "DMS Replication State Change" event (EventBridge events
  // reference, "AWS Database Migration Service events").
  const event = {
    "detail-type": "DMS Replication State Change",
    source: "aws.dms",
    time: "2026-12-01T21:00:00Z",
    resources: [arn],
    detail: {
      type: "REPLICATION_CONFIG",
      category: "StateChange",
      eventType: "REPLICATION_FAILED",
      detailMessage: "Replication with resource id, 'ABCDEFGHIJKLMNOP', failed.",
    },
  };
  const matches = (e: typeof event) => {
    const p = dmsFailurePattern([arn]);
    return (
      p.source.includes(e.source) &&
      p["detail-type"].includes(e["detail-type"]) &&
      e.resources.some((r) => p.resources.includes(r)) &&
      p.detail.eventType.includes(e.detail.eventType as "REPLICATION_FAILED")
    );
  };

  test("matches our replication's failure only, not its routine state changes or others'", () => {
    expect(matches(event)).toBe(true);
    expect(
      matches({ ...event, detail: { ...event.detail, eventType: "REPLICATION_STOPPED" } }),
    ).toBe(false);
    expect(matches({ ...event, resources: [arn.replace("ABCD", "ZZZZ")] })).toBe(false);
  });

  test("the message says what stopped and links the DMS console and the runbook section", () => {
    const t = dmsFailureTransformer(
      {
        region: "eu-west-1",
        stage: "prod",
        consoleUrl: "https://console.example.com",
        runbookUrl: "https://github.com/acme/cdp/blob/0123abc/docs/runbook.md",
      },
      { arn, id: "cdp-prod-oracle" },
    );
    let text = t.inputTemplate;
    text = text.replaceAll("<eventType>", event.detail.eventType).replaceAll("<time>", event.time);
    const lines = text.split("\n").map((l) => JSON.parse(l) as string);
    expect(lines[0]).toBe("CDP prod: the Oracle replication (AWS DMS) stopped: REPLICATION_FAILED");
    expect(lines).toContain("Replication: cdp-prod-oracle");
    const runbook = lines.at(-1)!;
    expect(runbook).toBe(
      "Runbook: https://github.com/acme/cdp/blob/0123abc/docs/runbook.md#event-dms-replication-failed",
    );
    expect(anchors).toContain(new URL(runbook.slice("Runbook: ".length)).hash.slice(1));
    expect(Object.values(t.inputPaths)).toEqual(["$.detail.eventType", "$.time"]);
  });
});
