// The CloudWatch dashboard of a stage, as a pure builder: the platform's own metrics (EMF, namespace
// CDP, per pipeline), the engines' (Glue failures counted by our EventBridge rules, Step Functions
// executions, Lambda), the alarms, and where to go to re-run failed work. infra/monitoring.ts
// stringifies it into aws.cloudwatch.Dashboard; the test checks it against the body reference.

import { METRICS_NAMESPACE, PIPELINE_DIMENSION } from "../metric/cloudwatch";
import type { WatchedGlueJob, WatchedStateMachine } from "./events";
import {
  consoleAlertsUrl,
  consoleFailedRunsUrl,
  glueJobUrl,
  stateMachineName,
  stateMachineUrl,
} from "./links";
import {
  ALARM_SECTIONS,
  alertSection,
  isLink,
  RUNBOOK_PATH,
  runbookUrl,
  runFailedSection,
} from "./runbook";

export interface DashboardInput {
  region: string;
  stage: string;
  consoleUrl: string;
  /** Pipelines whose runs record CDP metrics. */
  pipelines: string[];
  /** Glue jobs, each with the EventBridge rule that matches its failed runs (counted as failures). */
  glueJobs: (WatchedGlueJob & { failureRule: string })[];
  /** State machines, each with the rule that matches its failed executions (alert delivery). */
  stateMachines: (WatchedStateMachine & { failureRule?: string })[];
  /** Lambda function names. */
  functions: string[];
  /** ARNs of the stage's alarms, for the alarm status widget (1–100). */
  alarms?: string[];
  /** The quarantine-rate alarm threshold (a fraction), drawn on the rate graph. */
  quarantineThreshold?: number;
  /** The runbook's address (monitoring/runbook.ts's `runbookBaseUrl`), for the runbook widget. */
  runbookUrl?: string;
  /** Whether the stage replicates Oracle with AWS DMS (its failure rule has a runbook section). */
  replication?: boolean;
}

type Stat = "Sum" | "Average" | "Maximum" | "Minimum" | "SampleCount";

export interface RenderingProperties {
  id?: string;
  label?: string;
  stat?: Stat;
  period?: number;
  color?: string;
  visible?: boolean;
  yAxis?: "left" | "right";
}

/** [Namespace, MetricName, DimensionName, DimensionValue, …, rendering properties]. */
export type MetricEntry = (string | RenderingProperties)[];
/** A metric math expression. */
export type ExpressionEntry = [{ expression: string; label?: string; id: string }];

/** Where a widget sits on the dashboard's 24-column grid. */
interface Placed {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface MetricWidget extends Placed {
  type: "metric";
  properties: {
    title: string;
    region: string;
    metrics: (MetricEntry | ExpressionEntry)[];
    view: "timeSeries" | "singleValue" | "bar";
    stacked: boolean;
    period: number;
    stat: Stat;
    yAxis?: { left?: { min?: number; max?: number; label?: string; showUnits?: boolean } };
    annotations?: {
      horizontal: { value: number; label: string; color?: string; fill?: "above" | "below" }[];
    };
  };
}

export interface TextWidget extends Placed {
  type: "text";
  properties: { markdown: string; background?: "solid" | "transparent" };
}

export interface AlarmWidget extends Placed {
  type: "alarm";
  properties: {
    title: string;
    alarms: string[];
    sortBy: "default" | "stateUpdatedTimestamp" | "timestamp";
  };
}

export type Widget = MetricWidget | TextWidget | AlarmWidget;

export interface DashboardBody {
  start: string;
  periodOverride: "auto" | "inherit";
  widgets: Widget[];
}

const PERIOD = 300;
const RED = "#d62728";
const ORANGE = "#ff7f0e";
const GREY = "#7f7f7f";

/** A dashboard name CloudWatch accepts: letters, digits, "-" and "_", at most 255. */
export function dashboardName(app: string, stage: string): string {
  return `${app}-${stage}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 255);
}

/** The platform's metrics that the dashboard graphs (each one `runPoints` records; tested). */
type CdpMetric = "RowsRead" | "RowsLoaded" | "RowsQuarantined" | "RunDuration" | "RunFailed";

function cdp(name: CdpMetric, pipeline: string, props: RenderingProperties): MetricEntry {
  return [METRICS_NAMESPACE, name, PIPELINE_DIMENSION, pipeline, props];
}

function markdown(input: DashboardInput): string {
  const lines = [
    `# CDP ${input.stage}: operations`,
    "",
    "**Re-run failed work.** The console retries one run or every run a filter matches: a Glue run",
    "with its arguments, a Step Functions execution by redrive (or a restart with the same input).",
    "",
    `* [Failed runs in the console](${consoleFailedRunsUrl(input.consoleUrl)})`,
    ...input.pipelines.map(
      (p) => `* [Failed ${p} runs](${consoleFailedRunsUrl(input.consoleUrl, p)})`,
    ),
    `* [Alerts in the console](${consoleAlertsUrl(input.consoleUrl)})`,
  ];
  if (input.glueJobs.length) {
    lines.push("", "**Glue jobs** (runs, logs, run again in the AWS console)", "");
    for (const j of input.glueJobs) {
      lines.push(`* [${j.name}](${glueJobUrl(input.region, j.name)}) (${j.pipeline})`);
    }
  }
  if (input.stateMachines.length) {
    lines.push("", "**State machines** (executions, redrive in the AWS console)", "");
    for (const m of input.stateMachines) {
      lines.push(
        `* [${stateMachineName(m.arn)}](${stateMachineUrl(input.region, m.arn)}) (${m.pipeline})`,
      );
    }
  }
  return lines.join("\n");
}

/** The runbook widget: a link per section an alarm, a failure rule or an alert of this stage has. */
export function runbookMarkdown(input: DashboardInput): string {
  const base = input.runbookUrl ?? RUNBOOK_PATH;
  const sections: [string, string][] = [
    ["Alarm: Lambda errors", ALARM_SECTIONS.lambdaErrors],
    ["Alarm: quarantine rate", ALARM_SECTIONS.quarantineRate],
    ["Glue job run failed", ALARM_SECTIONS.glueJobFailed],
    ["Execution failed", ALARM_SECTIONS.executionFailed],
    ...(input.replication
      ? [["DMS replication failed", ALARM_SECTIONS.dmsReplicationFailed] as [string, string]]
      : []),
    ["Alert: rows quarantined", alertSection({ kind: "quarantine" })],
    ["Alert: file rejected", alertSection({ kind: "file_rejected" })],
    ...[...new Set([...input.pipelines, ...input.stateMachines.map((m) => m.pipeline)])].map(
      (p): [string, string] => [`Alert: ${p} run failed`, runFailedSection({ pipeline: p })],
    ),
  ];
  const lines = [
    "**Runbook**: what each alarm and alert means, how to see why, what to do, how to retry.",
    "",
  ];
  if (isLink(base)) {
    lines.push(sections.map(([t, s]) => `[${t}](${runbookUrl(s, base)})`).join(" · "));
  } else {
    // No address to link (CDP_RUNBOOK_URL unset outside CI): name the file and its anchors.
    lines.push(`${base} in the repository: ${sections.map(([, s]) => `\`#${s}\``).join(", ")}`);
  }
  return lines.join("\n");
}

export function dashboardBody(input: DashboardInput): DashboardBody {
  const { region } = input;
  const metric = (
    title: string,
    metrics: (MetricEntry | ExpressionEntry)[],
    extra: Partial<MetricWidget["properties"]> = {},
  ): Omit<MetricWidget, "x" | "y" | "width" | "height"> => ({
    type: "metric",
    properties: {
      title,
      region,
      metrics,
      view: "timeSeries",
      stacked: false,
      period: PERIOD,
      stat: "Sum",
      ...extra,
    },
  });

  const charts: Omit<MetricWidget, "x" | "y" | "width" | "height">[] = [];
  for (const p of input.pipelines) {
    charts.push(
      metric(`${p}: rows read, loaded, quarantined`, [
        cdp("RowsRead", p, { label: "read", color: GREY }),
        cdp("RowsLoaded", p, { label: "loaded" }),
        cdp("RowsQuarantined", p, { label: "quarantined", color: ORANGE }),
      ]),
    );
  }
  if (input.pipelines.length) {
    const rate = input.pipelines.flatMap((p, i): (MetricEntry | ExpressionEntry)[] => [
      cdp("RowsQuarantined", p, { id: `q${i}`, visible: false }),
      cdp("RowsRead", p, { id: `r${i}`, visible: false }),
      [{ expression: `IF(r${i} > 0, 100 * q${i} / r${i}, 0)`, label: `${p} %`, id: `rate${i}` }],
    ]);
    charts.push(
      metric("Quarantine rate (% of rows read)", rate, {
        yAxis: { left: { min: 0, label: "%", showUnits: false } },
        ...(input.quarantineThreshold !== undefined
          ? {
              annotations: {
                horizontal: [
                  {
                    value: input.quarantineThreshold * 100,
                    label: "alarm",
                    color: RED,
                    fill: "above",
                  },
                ],
              },
            }
          : {}),
      }),
      metric(
        "Run failures",
        input.pipelines.map((p) => cdp("RunFailed", p, { label: `${p} failed` })),
      ),
      metric(
        "Run durations",
        input.pipelines.flatMap((p) => [
          cdp("RunDuration", p, { label: `${p} avg`, stat: "Average" }),
          cdp("RunDuration", p, { label: `${p} max`, stat: "Maximum" }),
        ]),
        { stat: "Average" },
      ),
    );
  }
  if (input.glueJobs.length) {
    charts.push(
      metric(
        "Glue job runs failed, timed out or stopped",
        input.glueJobs.map((j) => [
          "AWS/Events",
          "MatchedEvents",
          "RuleName",
          j.failureRule,
          { label: j.name, color: RED },
        ]),
      ),
    );
  }
  if (input.stateMachines.length) {
    charts.push(
      metric(
        "Step Functions executions failed, timed out, aborted",
        input.stateMachines.flatMap((m) => {
          const name = stateMachineName(m.arn);
          return [
            [
              "AWS/States",
              "ExecutionsFailed",
              "StateMachineArn",
              m.arn,
              { label: `${name} failed` },
            ],
            [
              "AWS/States",
              "ExecutionsTimedOut",
              "StateMachineArn",
              m.arn,
              { label: `${name} timed out` },
            ],
            [
              "AWS/States",
              "ExecutionsAborted",
              "StateMachineArn",
              m.arn,
              { label: `${name} aborted` },
            ],
          ];
        }),
      ),
    );
  }
  const rules = [
    ...input.glueJobs.map((j) => j.failureRule),
    ...input.stateMachines.flatMap((m) => (m.failureRule ? [m.failureRule] : [])),
  ];
  if (rules.length) {
    charts.push(
      metric(
        "Failure alerts EventBridge could not deliver to SNS",
        rules.map((r) => ["AWS/Events", "FailedInvocations", "RuleName", r, { label: r }]),
      ),
    );
  }
  if (input.functions.length) {
    charts.push(
      metric(
        "Lambda errors",
        input.functions.map((f) => ["AWS/Lambda", "Errors", "FunctionName", f, { label: f }]),
      ),
      metric(
        "Lambda duration (max)",
        input.functions.map((f) => ["AWS/Lambda", "Duration", "FunctionName", f, { label: f }]),
        { stat: "Maximum" },
      ),
    );
  }

  const widgets: Widget[] = [];
  const text = markdown(input);
  // About three lines of markdown per grid row; the links stay visible without scrolling.
  const top = Math.min(18, Math.max(6, Math.ceil(text.split("\n").length / 3)));
  const hasAlarms = !!input.alarms?.length;
  widgets.push({
    type: "text",
    x: 0,
    y: 0,
    width: hasAlarms ? 12 : 24,
    height: top,
    properties: { markdown: text },
  });
  if (hasAlarms) {
    widgets.push({
      type: "alarm",
      x: 12,
      y: 0,
      width: 12,
      height: top,
      properties: {
        title: "Alarms",
        alarms: input.alarms!.slice(0, 100),
        sortBy: "stateUpdatedTimestamp",
      },
    });
  }
  const runbookRows = 3;
  widgets.push({
    type: "text",
    x: 0,
    y: top,
    width: 24,
    height: runbookRows,
    properties: { markdown: runbookMarkdown(input) },
  });
  const chartsTop = top + runbookRows;
  charts.forEach((c, i) => {
    widgets.push({
      ...c,
      x: (i % 2) * 12,
      y: chartsTop + Math.floor(i / 2) * 6,
      width: 12,
      height: 6,
    });
  });
  return { start: "-PT24H", periodOverride: "inherit", widgets };
}
