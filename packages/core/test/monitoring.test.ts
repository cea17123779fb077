// The monitoring builders: the CloudWatch dashboard body, checked against the Dashboard Body
// Structure reference and against the metrics we actually emit; the EventBridge failure rules and
// the input transformers that turn their events into readable SNS messages with working links.
import { describe, expect, test } from "vitest";
import { METRICS_NAMESPACE, PIPELINE_DIMENSION } from "../src/metric/emf";
import { MetricNames } from "../src/metric/metric";
import {
  type DashboardBody,
  type DashboardInput,
  dashboardBody,
  dashboardName,
} from "../src/monitoring/dashboard";
import {
  type EventPattern,
  glueFailurePattern,
  glueFailureTransformer,
  type InputTransformer,
  sfnFailurePattern,
  sfnFailureTransformer,
} from "../src/monitoring/events";
import {
  consoleFailedRunsUrl,
  consoleRunUrl,
  retryableStatuses,
  stateMachineName,
} from "../src/monitoring/links";
import { glueRunId, parseRunId, sfnRunId } from "../src/run/aws/ids";
import { FailedStatuses } from "../src/run/run";

const region = "eu-west-1";
const consoleUrl = "https://d111111abcdef8.cloudfront.net";
const machineArn = "arn:aws:states:eu-west-1:123456789012:stateMachine:IngestMachine-a1b2c3d";
const runbook = "https://github.com/acme/cdp/blob/0123abc/docs/runbook.md";

const input: DashboardInput = {
  region,
  stage: "prod",
  consoleUrl,
  pipelines: ["ingest"],
  glueJobs: [
    { name: "cdp-prod-ingest", pipeline: "ingest", failureRule: "cdp-prod-glue-failed-ingest" },
  ],
  stateMachines: [
    { arn: machineArn, pipeline: "ingest", failureRule: "cdp-prod-sfn-failed-ingest" },
  ],
  functions: ["cdp-prod-IngestPlanFunction-abc", "cdp-prod-IngestReportFunction-def"],
  alarms: [
    "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:cdp-prod-quarantine-rate-ingest",
    "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:cdp-prod-errors-IngestPlan",
  ],
  quarantineThreshold: 0.05,
  runbookUrl: runbook,
};

// ── The Dashboard Body Structure reference, as checks ───────────────────────────────────────

const TOP_LEVEL = new Set(["widgets", "variables", "start", "end", "periodOverride"]);
const WIDGET_TYPES = new Set(["metric", "text", "log", "alarm", "explorer"]);
const METRIC_PROPS = new Set([
  "accountId",
  "annotations",
  "liveData",
  "legend",
  "metrics",
  "period",
  "region",
  "sparkline",
  "stacked",
  "stat",
  "table",
  "timezone",
  "title",
  "view",
  "yAxis",
]);
const RENDERING_PROPS = new Set([
  "accountId",
  "color",
  "id",
  "label",
  "period",
  "region",
  "stat",
  "visible",
  "yAxis",
]);
const STATS = /^(SampleCount|Average|Sum|Minimum|Maximum|p\d{1,2}(\.\d+)?)$/;
const VIEWS = new Set(["timeSeries", "singleValue", "gauge", "bar", "pie", "table"]);

function structureViolations(body: DashboardBody): string[] {
  const problems: string[] = [];
  const b = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!TOP_LEVEL.has(k)) problems.push(`unknown top-level ${k}`);
  if (!Array.isArray(b.widgets) || b.widgets.length > 500) return ["widgets: 0–500 required"];
  if (b.start !== undefined && !/^-P(T\d+[MH]|\d+[DWM])$/.test(String(b.start))) {
    problems.push(`start ${String(b.start)} is not a relative -PT…/-P… duration`);
  }
  if (b.periodOverride !== undefined && !["auto", "inherit"].includes(String(b.periodOverride))) {
    problems.push("periodOverride must be auto or inherit");
  }
  const cells = new Set<string>();
  (b.widgets as Record<string, unknown>[]).forEach((w, i) => {
    const at = `widget ${i} (${String(w.type)})`;
    if (!WIDGET_TYPES.has(String(w.type))) problems.push(`${at}: unknown type`);
    const { x, y, width, height } = w as { x: number; y: number; width: number; height: number };
    if (!Number.isInteger(x) || x < 0 || x > 23) problems.push(`${at}: x must be 0–23`);
    if (!Number.isInteger(y) || y < 0) problems.push(`${at}: y must be an integer ≥ 0`);
    if (!Number.isInteger(width) || width < 1 || width > 24) problems.push(`${at}: width 1–24`);
    if (!Number.isInteger(height) || height < 1 || height > 1000) problems.push(`${at}: height`);
    if (x + width > 24) problems.push(`${at}: runs off the 24-column grid`);
    for (let cx = x; cx < x + width; cx++) {
      for (let cy = y; cy < y + height; cy++) {
        if (cells.has(`${cx},${cy}`))
          problems.push(`${at}: overlaps another widget at ${cx},${cy}`);
        cells.add(`${cx},${cy}`);
      }
    }
    const p = w.properties as Record<string, unknown> | undefined;
    if (!p || typeof p !== "object") {
      problems.push(`${at}: properties required`);
      return;
    }
    if (w.type === "text") {
      for (const k of Object.keys(p)) {
        if (!["markdown", "background"].includes(k)) problems.push(`${at}: unknown ${k}`);
      }
      if (typeof p.markdown !== "string" || !p.markdown) problems.push(`${at}: markdown required`);
      if (p.background !== undefined && !["solid", "transparent"].includes(String(p.background))) {
        problems.push(`${at}: background`);
      }
    }
    if (w.type === "alarm") {
      for (const k of Object.keys(p)) {
        if (!["alarms", "sortBy", "states", "title"].includes(k))
          problems.push(`${at}: unknown ${k}`);
      }
      const alarms = p.alarms as unknown[];
      if (!Array.isArray(alarms) || alarms.length < 1 || alarms.length > 100) {
        problems.push(`${at}: alarms must hold 1–100 ARNs`);
      } else if (
        !alarms.every((a) => /^arn:aws[\w-]*:cloudwatch:[\w-]+:\d{12}:alarm:.+/.test(String(a)))
      ) {
        problems.push(`${at}: alarms must be alarm ARNs`);
      }
      if (
        p.sortBy !== undefined &&
        !["default", "stateUpdatedTimestamp", "timestamp"].includes(String(p.sortBy))
      ) {
        problems.push(`${at}: sortBy`);
      }
    }
    if (w.type === "metric") {
      for (const k of Object.keys(p))
        if (!METRIC_PROPS.has(k)) problems.push(`${at}: unknown ${k}`);
      if (typeof p.region !== "string") problems.push(`${at}: region required`);
      if (p.period !== undefined && (!Number.isInteger(p.period) || (p.period as number) % 60)) {
        problems.push(`${at}: period must be a multiple of 60`);
      }
      if (p.stat !== undefined && !STATS.test(String(p.stat))) problems.push(`${at}: stat`);
      if (p.view !== undefined && !VIEWS.has(String(p.view))) problems.push(`${at}: view`);
      const metrics = p.metrics as unknown[][];
      if (!Array.isArray(metrics) || metrics.length > 500) {
        problems.push(`${at}: metrics must be an array of 0–500 arrays`);
        return;
      }
      const ids = new Set<string>();
      for (const m of metrics) {
        const last = m.at(-1);
        const props =
          typeof last === "object" && last !== null ? (last as Record<string, unknown>) : {};
        if ("expression" in props) {
          if (m.length !== 1) problems.push(`${at}: an expression entry is [{expression, …}]`);
          if (!/^[a-z]\w*$/.test(String(props.id))) problems.push(`${at}: expression id`);
          ids.add(String(props.id));
          continue;
        }
        const names = typeof last === "object" ? m.slice(0, -1) : m;
        if (
          names.length < 2 ||
          names.length % 2 !== 0 ||
          !names.every((s) => typeof s === "string")
        ) {
          problems.push(
            `${at}: a metric is [Namespace, MetricName, (DimensionName, DimensionValue)…, props?]`,
          );
        }
        for (const k of Object.keys(props)) {
          if (!RENDERING_PROPS.has(k)) problems.push(`${at}: unknown rendering property ${k}`);
        }
        if (props.stat !== undefined && !STATS.test(String(props.stat)))
          problems.push(`${at}: stat`);
        if (props.id !== undefined) {
          if (!/^[a-z]\w*$/.test(String(props.id))) problems.push(`${at}: id must start lowercase`);
          ids.add(String(props.id));
        }
      }
      // Every id an expression uses is defined in the same widget.
      for (const m of metrics) {
        const props = m[0] as Record<string, unknown>;
        if (typeof props === "object" && "expression" in props) {
          const used = String(props.expression).match(/\b[a-z]\w*\b/g) ?? [];
          for (const id of used.filter((u) => /\d$/.test(u))) {
            if (!ids.has(id)) problems.push(`${at}: expression uses undefined id ${id}`);
          }
        }
      }
    }
  });
  return problems;
}

// What we emit, by namespace: our EMF metrics, and the AWS metrics the services publish for what
// we run (Step Functions per state machine, Lambda per function, EventBridge per rule).
function emittedBy(
  i: DashboardInput,
): Map<string, { metrics: Set<string>; dimension: string; values: Set<string> }> {
  return new Map([
    [
      METRICS_NAMESPACE,
      {
        metrics: new Set(MetricNames),
        dimension: PIPELINE_DIMENSION,
        values: new Set(i.pipelines),
      },
    ],
    [
      "AWS/States",
      {
        metrics: new Set(["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"]),
        dimension: "StateMachineArn",
        values: new Set(i.stateMachines.map((m) => m.arn)),
      },
    ],
    [
      "AWS/Lambda",
      {
        metrics: new Set(["Errors", "Duration"]),
        dimension: "FunctionName",
        values: new Set(i.functions),
      },
    ],
    [
      "AWS/Events",
      {
        metrics: new Set(["MatchedEvents", "FailedInvocations"]),
        dimension: "RuleName",
        values: new Set([
          ...i.glueJobs.map((j) => j.failureRule),
          ...i.stateMachines.flatMap((m) => (m.failureRule ? [m.failureRule] : [])),
        ]),
      },
    ],
  ]);
}

const markdownLinks = (md: string) =>
  [...md.matchAll(/\[([^\]]+)\]\(([^)\s]+)\)/g)].map((m) => ({ text: m[1]!, url: m[2]! }));

describe("CloudWatch dashboard body", () => {
  const body = dashboardBody(input);

  test("follows the dashboard body structure: widget types, grid, per-type properties", () => {
    expect(structureViolations(body)).toEqual([]);
    expect(body.widgets.map((w) => w.type)).toEqual([
      "text",
      "alarm",
      "text",
      ...Array(9).fill("metric"),
    ]);
    // The checker itself rejects what CloudWatch would.
    const broken = JSON.parse(JSON.stringify(body)) as { widgets: Record<string, unknown>[] };
    broken.widgets[3]!.x = 20;
    broken.widgets[4]!.type = "chart";
    (broken.widgets[5]!.properties as { period: number }).period = 90;
    (broken.widgets[1]!.properties as { alarms: string[] }).alarms = [];
    expect(structureViolations(broken as unknown as DashboardBody)).toEqual(
      expect.arrayContaining([
        "widget 3 (metric): runs off the 24-column grid",
        "widget 4 (chart): unknown type",
        "widget 5 (metric): period must be a multiple of 60",
        "widget 1 (alarm): alarms must hold 1–100 ARNs",
      ]),
    );
  });

  test("every metric names a namespace, metric and dimension that we emit", () => {
    const emitted = emittedBy(input);
    const seen = new Set<string>();
    for (const w of body.widgets) {
      if (w.type !== "metric") continue;
      for (const m of w.properties.metrics) {
        if (typeof m[0] === "object") continue; // a math expression over the metrics below
        const [namespace, name, dimension, value] = m as string[];
        const e = emitted.get(namespace!);
        expect(e, `namespace ${namespace}`).toBeDefined();
        expect(e!.metrics.has(name!), `${namespace} ${name}`).toBe(true);
        expect(dimension).toBe(e!.dimension);
        expect(e!.values.has(value!), `${namespace} ${name} ${dimension}=${value}`).toBe(true);
        seen.add(`${namespace} ${name}`);
      }
    }
    // Everything the issue asks to watch is on it.
    expect([...seen].sort()).toEqual(
      [
        "AWS/Events FailedInvocations",
        "AWS/Events MatchedEvents",
        "AWS/Lambda Duration",
        "AWS/Lambda Errors",
        "AWS/States ExecutionsAborted",
        "AWS/States ExecutionsFailed",
        "AWS/States ExecutionsTimedOut",
        "CDP RowsLoaded",
        "CDP RowsQuarantined",
        "CDP RowsRead",
        "CDP RunDuration",
        "CDP RunFailed",
      ].sort(),
    );
  });

  test("the quarantine rate is metric math over the EMF metrics, with the alarm threshold drawn", () => {
    const rate = body.widgets.find(
      (w) => w.type === "metric" && w.properties.title.startsWith("Quarantine rate"),
    );
    expect(rate?.type).toBe("metric");
    if (rate?.type !== "metric") return;
    expect(rate.properties.metrics).toEqual([
      ["CDP", "RowsQuarantined", "Pipeline", "ingest", { id: "q0", visible: false }],
      ["CDP", "RowsRead", "Pipeline", "ingest", { id: "r0", visible: false }],
      [{ expression: "IF(r0 > 0, 100 * q0 / r0, 0)", label: "ingest %", id: "rate0" }],
    ]);
    expect(rate.properties.annotations?.horizontal[0]?.value).toBe(5);
  });

  test("the text widget links to re-run failed work: console Runs filtered to failures, Glue jobs, state machines", () => {
    const text = body.widgets[0];
    expect(text?.type).toBe("text");
    if (text?.type !== "text") return;
    const links = markdownLinks(text.properties.markdown);
    for (const l of links) {
      const url = new URL(l.url);
      expect(url.protocol, l.url).toBe("https:");
      expect(l.url).not.toMatch(/\s|undefined|null/);
    }
    const byText = new Map(links.map((l) => [l.text, new URL(l.url)]));
    const failed = byText.get("Failed runs in the console")!;
    expect(failed.origin).toBe(consoleUrl);
    expect(failed.pathname).toBe("/runs");
    expect(failed.searchParams.get("status")).toBe("FAILED,TIMED_OUT,STOPPED");
    expect(byText.get("Failed ingest runs")!.searchParams.get("pipeline")).toBe("ingest");
    expect(byText.get("Alerts in the console")!.href).toBe(`${consoleUrl}/alerts`);

    const glue = byText.get("cdp-prod-ingest")!;
    expect(glue.host).toBe(`${region}.console.aws.amazon.com`);
    expect(glue.pathname).toBe("/gluestudio/home");
    expect(glue.searchParams.get("region")).toBe(region);
    expect(glue.hash).toBe("#/editor/job/cdp-prod-ingest/runs");

    const sm = byText.get(stateMachineName(machineArn))!;
    expect(sm.host).toBe(`${region}.console.aws.amazon.com`);
    expect(sm.pathname).toBe("/states/home");
    expect(sm.hash).toBe(`#/statemachines/view/${machineArn}`);
  });

  test("without alarms or pipelines the body is still valid; names are ones CloudWatch accepts", () => {
    const bare = dashboardBody({
      ...input,
      alarms: [],
      pipelines: [],
      glueJobs: [],
      stateMachines: [],
      functions: [],
    });
    expect(structureViolations(bare)).toEqual([]);
    expect(bare.widgets.map((w) => w.type)).toEqual(["text", "text"]);
    expect(dashboardName("cdp", "pr/12.x")).toBe("cdp-pr-12-x");
  });
});

// ── EventBridge failure rules ───────────────────────────────────────────────────────────────

// Shaped like the examples of "Glue Job State Change" and "Step Functions Execution Status
// Change" events in the AWS documentation.
const glueEvent = {
  version: "0",
  id: "a8a3e5e6-1b8c-4f4e-9b1a-9f9f9f9f9f9f",
  "detail-type": "Glue Job State Change",
  source: "aws.glue",
  account: "123456789012",
  time: "2026-11-26T10:15:00Z",
  region,
  resources: [],
  detail: {
    jobName: "cdp-prod-ingest",
    severity: "ERROR",
    state: "FAILED",
    jobRunId: "jr_3f2a9c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80",
    message: 'An error occurred while calling o95.execute. "quoted" detail',
  },
};

const sfnEvent = {
  version: "0",
  id: "315c1398-40ff-a850-213b-158f73e60175",
  "detail-type": "Step Functions Execution Status Change",
  source: "aws.states",
  account: "123456789012",
  time: "2026-11-26T10:16:00Z",
  region,
  resources: [
    `arn:aws:states:eu-west-1:123456789012:execution:IngestMachine-a1b2c3d:9d1b1c2e-7f6a-4b5c-8d9e-0f1a2b3c4d5e`,
  ],
  detail: {
    executionArn:
      "arn:aws:states:eu-west-1:123456789012:execution:IngestMachine-a1b2c3d:9d1b1c2e-7f6a-4b5c-8d9e-0f1a2b3c4d5e",
    stateMachineArn: machineArn,
    name: "9d1b1c2e-7f6a-4b5c-8d9e-0f1a2b3c4d5e",
    status: "TIMED_OUT",
    startDate: 1764151200000,
    stopDate: 1764151260000,
    input: '{"detail":{"object":{"key":"inbox/customers.csv"}}}',
    output: null,
  },
};

function at(event: unknown, path: string): unknown {
  expect(path).toMatch(/^\$(\.[\w-]+)+$/); // the JSON path syntax EventBridge supports
  return path
    .slice(2)
    .split(".")
    .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], event);
}

/** What EventBridge delivers to SNS: variables substituted unescaped, each line a JSON string. */
function render(t: InputTransformer, event: unknown): string {
  expect(Object.keys(t.inputPaths).length).toBeLessThanOrEqual(100);
  expect(t.inputTemplate.length).toBeLessThanOrEqual(8192);
  let text = t.inputTemplate;
  for (const [name, path] of Object.entries(t.inputPaths)) {
    const value = at(event, path);
    expect(typeof value, `${path} must be in every event`).toBe("string");
    text = text.replaceAll(`<${name}>`, String(value));
  }
  expect(text).not.toMatch(/<[\w.-]+>/); // no placeholder left without a variable
  return text
    .split("\n")
    .map((line) => JSON.parse(line) as string)
    .join("\n");
}

function matches(pattern: EventPattern, event: Record<string, unknown>): boolean {
  const detail = event.detail as Record<string, unknown>;
  return (
    pattern.source.includes(String(event.source)) &&
    pattern["detail-type"].includes(String(event["detail-type"])) &&
    Object.entries(pattern.detail).every(([k, values]) => values.includes(String(detail[k])))
  );
}

describe("EventBridge failure rules", () => {
  const ctx = { region, stage: "prod", consoleUrl, runbookUrl: runbook };

  test("the patterns match the failed, timed-out and stopped runs of our resources only", () => {
    const glue = glueFailurePattern(["cdp-prod-ingest"]);
    expect(glue.detail.state).toEqual(["FAILED", "TIMEOUT", "STOPPED"]);
    expect(matches(glue, glueEvent)).toBe(true);
    expect(
      matches(glue, { ...glueEvent, detail: { ...glueEvent.detail, state: "SUCCEEDED" } }),
    ).toBe(false);
    expect(
      matches(glue, { ...glueEvent, detail: { ...glueEvent.detail, jobName: "someone-elses" } }),
    ).toBe(false);

    const sfn = sfnFailurePattern([machineArn]);
    expect(sfn.detail.status).toEqual(["FAILED", "TIMED_OUT", "ABORTED"]);
    expect(matches(sfn, sfnEvent)).toBe(true);
    expect(matches(sfn, { ...sfnEvent, detail: { ...sfnEvent.detail, status: "SUCCEEDED" } })).toBe(
      false,
    );
  });

  test("a failed execution reads as a message whose link opens its run page in the console", () => {
    const message = render(
      sfnFailureTransformer(ctx, { arn: machineArn, pipeline: "ingest" }),
      sfnEvent,
    );
    const runId = sfnRunId("IngestMachine-a1b2c3d", sfnEvent.detail.name);
    const link = consoleRunUrl(consoleUrl, runId);
    expect(message).toBe(
      [
        "CDP prod: ingest execution TIMED_OUT",
        "",
        "Pipeline:      ingest",
        "State machine: IngestMachine-a1b2c3d",
        `Execution:     ${sfnEvent.detail.name}`,
        "Status:        TIMED_OUT",
        "At:            2026-11-26T10:16:00Z",
        "",
        `Open the run in the console (details, retry): ${link}`,
        `All failed ingest runs: ${consoleFailedRunsUrl(consoleUrl, "ingest")}`,
        `Execution in the AWS console: https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${sfnEvent.detail.executionArn}`,
        `Runbook: ${runbook}#event-execution-failed`,
      ].join("\n"),
    );
    // The console decodes the path segment into the id the AWS operations adapter gives the run.
    const segment = new URL(link).pathname.split("/")[2]!;
    expect(parseRunId(decodeURIComponent(segment))).toEqual({
      engine: "sfn",
      stateMachineName: "IngestMachine-a1b2c3d",
      executionName: sfnEvent.detail.name,
      attempt: 0,
    });
  });

  test("a failed Glue run of a standalone job links to its run page; an orchestrated one to the pipeline's failures", () => {
    const standalone = render(
      glueFailureTransformer(ctx, { name: "cdp-prod-ingest", pipeline: "ingest", listed: true }),
      glueEvent,
    );
    const runId = glueRunId("cdp-prod-ingest", glueEvent.detail.jobRunId);
    expect(standalone).toContain(
      `Open the run in the console (details, retry): ${consoleRunUrl(consoleUrl, runId)}`,
    );
    expect(standalone.split("\n")[0]).toBe("CDP prod: Glue job cdp-prod-ingest run FAILED");
    // The error text is not inserted: EventBridge would not escape its quotes.
    expect(standalone).not.toContain("o95");

    const orchestrated = render(
      glueFailureTransformer(ctx, { name: "cdp-prod-ingest", pipeline: "ingest" }),
      glueEvent,
    );
    expect(orchestrated).toBe(
      [
        "CDP prod: Glue job cdp-prod-ingest run FAILED",
        "",
        "Pipeline: ingest",
        "Job:      cdp-prod-ingest",
        `Run:      ${glueEvent.detail.jobRunId}`,
        "State:    FAILED",
        "At:       2026-11-26T10:15:00Z",
        "",
        `Failed ingest runs in the console (retry there): ${consoleUrl}/runs?status=FAILED,TIMED_OUT,STOPPED&pipeline=ingest`,
        `Glue job run in the AWS console: https://${region}.console.aws.amazon.com/gluestudio/home?region=${region}#/job/cdp-prod-ingest/run/${glueEvent.detail.jobRunId}`,
        `Runbook: ${runbook}#event-glue-job-run-failed`,
      ].join("\n"),
    );
    for (const url of orchestrated.match(/https:\/\/\S+/g)!)
      expect(() => new URL(url)).not.toThrow();
  });

  test("names that would read as placeholders are refused at deploy time", () => {
    expect(() => glueFailureTransformer(ctx, { name: "job<x>", pipeline: "ingest" })).toThrow(
      /placeholder|template/,
    );
    expect(() => sfnFailureTransformer(ctx, { arn: "arn:aws:sns:x", pipeline: "ingest" })).toThrow(
      /state machine ARN/,
    );
  });
});

describe("console links", () => {
  test("the failed-runs link asks for exactly the statuses a run can be retried from", () => {
    expect([...retryableStatuses]).toEqual([...FailedStatuses]);
    const url = new URL(consoleFailedRunsUrl("https://console.example.com", "ingest"));
    expect(url.searchParams.get("status")?.split(",")).toEqual([...FailedStatuses]);
  });
});
