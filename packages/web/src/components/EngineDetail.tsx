// The engine's own facts about a run (Glue job run, Step Functions execution): short ones as a
// list, ids and ARNs copyable, long text and JSON folded away until asked for.
import type { ReactNode } from "react";
import { duration } from "../lib/time";
import { CopyButton } from "./CopyId";

const labels: Record<string, string> = {
  jobName: "Glue job",
  jobRunId: "Job run id",
  previousRunId: "Previous run id",
  errorMessage: "Error message",
  dpuSeconds: "DPU-seconds",
  executionTimeSeconds: "Execution time",
  timeoutMinutes: "Timeout",
  workerType: "Worker type",
  numberOfWorkers: "Workers",
  maxCapacity: "Max capacity (DPU)",
  glueVersion: "Glue version",
  logGroups: "Log groups",
  stateMachineArn: "State machine",
  executionArn: "Execution",
  name: "Execution name",
  executionStatus: "Execution status",
  failedState: "Failed state",
  failedEvent: "Failed event",
  redriveCount: "Redrives",
  redriveStatus: "Redrive status",
  redriveStatusReason: "Redrive status reason",
};

/** Shown first, in this order; anything else follows as it came. */
const first = [
  "failedState",
  "error",
  "cause",
  "errorMessage",
  "state",
  "executionStatus",
  "attempt",
  "redriveCount",
  "redriveStatus",
  "dpuSeconds",
  "executionTimeSeconds",
];

const copyable = new Set(["jobRunId", "previousRunId", "stateMachineArn", "executionArn", "name"]);

export function humanizeKey(key: string): string {
  return (
    labels[key] ??
    key
      .replace(/([a-z])([A-Z])/g, "$1 $2")
      .replace(/^./, (c) => c.toUpperCase())
      .replace(/ ([A-Z])/g, (_, c: string) => ` ${c.toLowerCase()}`)
  );
}

/** JSON kept as text by the engine (an execution's input) reads better indented. */
function pretty(v: unknown): string {
  if (typeof v === "string") {
    try {
      const parsed = JSON.parse(v) as unknown;
      if (typeof parsed === "object" && parsed !== null) return JSON.stringify(parsed, null, 2);
    } catch {
      // Not JSON: plain text.
    }
    return v;
  }
  return JSON.stringify(v, null, 2);
}

const isLong = (key: string, v: unknown) =>
  !copyable.has(key) &&
  ((typeof v === "object" && v !== null) ||
    (typeof v === "string" && (v.length > 60 || v.includes("\n") || /^[[{]/.test(v.trim()))));

function short(key: string, v: unknown): ReactNode {
  if (key === "executionTimeSeconds" && typeof v === "number") return duration(v * 1000);
  if (key === "timeoutMinutes" && typeof v === "number") return `${v} min`;
  if (typeof v === "number") return <span className="tabular-nums">{v.toLocaleString()}</span>;
  if (typeof v === "boolean") return v ? "yes" : "no";
  const text = String(v);
  if (copyable.has(key)) {
    return (
      <span className="inline-flex max-w-full items-center gap-0.5">
        <span className="truncate font-mono text-[12px]" title={text}>
          {text}
        </span>
        <CopyButton text={text} />
      </span>
    );
  }
  return text;
}

export function EngineDetail({ detail }: { detail: Record<string, unknown> }) {
  const present = Object.entries(detail).filter(
    ([, v]) => v !== null && v !== undefined && v !== "",
  );
  const rank = (k: string) => (first.includes(k) ? first.indexOf(k) : first.length);
  present.sort(([a], [b]) => rank(a) - rank(b));
  const shortOnes = present.filter(([k, v]) => !isLong(k, v));
  const longOnes = present.filter(([k, v]) => isLong(k, v));
  return (
    <div data-testid="engine-detail">
      {shortOnes.length ? (
        <dl className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-4 gap-y-1 px-3 py-2.5">
          {shortOnes.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-zinc-500">{humanizeKey(k)}</dt>
              <dd className="min-w-0 text-zinc-800 [overflow-wrap:anywhere]">{short(k, v)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {longOnes.map(([k, v]) => (
        <details key={k} className="border-t border-zinc-100 px-3 py-1.5" open={k === "cause"}>
          <summary className="cursor-pointer text-zinc-500 select-none hover:text-zinc-800">
            {humanizeKey(k)}
          </summary>
          <pre className="mt-1 max-h-64 overflow-auto text-[12px] leading-5 whitespace-pre-wrap text-zinc-800">
            {pretty(v)}
          </pre>
        </details>
      ))}
    </div>
  );
}
