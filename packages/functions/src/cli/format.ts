// Plain-text output for terminals: aligned tables, durations, relative times.
import { durationMs, type Info } from "@cdp/core/run/run";

export function table(rows: Record<string, unknown>[], columns?: string[]): string {
  if (!rows.length) return "(no rows)";
  const cols = columns ?? Object.keys(rows[0]!);
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return "";
    const s = typeof v === "object" ? JSON.stringify(v) : String(v);
    return s.replace(/\s+/g, " ");
  };
  const data = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) =>
    Math.min(60, Math.max(c.length, ...data.map((d) => d[i]!.length))),
  );
  const line = (vals: string[]) =>
    vals
      .map((v, i) =>
        v.length > widths[i]! ? `${v.slice(0, widths[i]! - 1)}…` : v.padEnd(widths[i]!),
      )
      .join("  ")
      .trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...data.map(line)].join("\n");
}

export function duration(ms: number | null): string {
  if (ms === null) return "";
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Math.round((ms % 60_000) / 1000)}s`;
}

/** The facts of a run the CLI prints (a run as the API serves it has them all). */
type Printed = Pick<
  Info,
  "id" | "pipeline" | "status" | "startedAt" | "finishedAt" | "retryOf" | "error"
> & { subject?: string | null };

export function runRow(run: Printed) {
  return {
    id: run.id,
    pipeline: run.pipeline,
    subject: run.subject ?? "",
    status: run.status,
    started: run.startedAt ? run.startedAt.replace("T", " ").slice(0, 19) : "",
    duration: duration(durationMs(run)),
    retry_of: run.retryOf ?? "",
    error: run.error ?? "",
  };
}

/**
 * `cdp start`'s line for a finished run: when, what, how it ended, its counts or error, and the
 * console link — `12:01:02 ingest customers ← c.csv SUCCEEDED in 1.2s · 4 read · 4 loaded · <url>`.
 */
export function finishedLine(
  run: Printed & { counts?: string | null },
  consoleUrl: string,
  now = new Date(),
): string {
  const d = duration(durationMs(run));
  const about = run.subject ? ` ${run.subject}` : "";
  const what = run.status === "SUCCEEDED" ? run.counts : run.error?.split("\n")[0];
  const link = `${consoleUrl.replace(/\/+$/, "")}/runs/${encodeURIComponent(run.id)}`;
  return [
    `${now.toTimeString().slice(0, 8)} ${run.pipeline}${about} ${run.status}${d ? ` in ${d}` : ""}`,
    ...(what ? [what] : []),
    link,
  ].join(" · ");
}

export function runLine(run: Printed): string {
  const d = duration(durationMs(run));
  const about = run.subject ? ` (${run.subject})` : "";
  return `${run.id} ${run.pipeline}${about} ${run.status}${d ? ` in ${d}` : ""}${run.error ? `: ${run.error}` : ""}`;
}
