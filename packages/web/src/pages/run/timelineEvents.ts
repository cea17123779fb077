// A run's timeline as events: created, started, the steps the engine reported, and how it ended
// (or that it is still waiting or running).
import type { RunDetail } from "../../api/client";
import { isActive, isFailed } from "../../lib/status";
import { timelineOf } from "../../lib/summary";

export interface TimelineEvent {
  key: string;
  label: string;
  at: string | null;
  tone: "done" | "fail" | "wait";
}

export function timelineEvents(
  run: Pick<RunDetail, "createdAt" | "startedAt" | "finishedAt" | "status"> & {
    stats: Record<string, unknown>;
  },
): TimelineEvent[] {
  const events: TimelineEvent[] = [
    { key: "created", label: "Created", at: run.createdAt, tone: "done" },
    { key: "started", label: "Started", at: run.startedAt, tone: run.startedAt ? "done" : "wait" },
    ...timelineOf(run.stats).map((s, i) => ({
      key: `step-${i}`,
      label: s.step,
      at: s.at,
      tone: "done" as const,
    })),
  ];
  if (run.finishedAt) {
    events.push({
      key: "finished",
      label:
        run.status === "SUCCEEDED"
          ? "Succeeded"
          : `Finished: ${run.status.toLowerCase().replace("_", " ")}`,
      at: run.finishedAt,
      tone: isFailed(run.status) ? "fail" : "done",
    });
  } else if (isActive(run.status)) {
    events.push({
      key: "pending",
      label: run.status === "QUEUED" ? "Waiting to start…" : "Running…",
      at: null,
      tone: "wait",
    });
  }
  return events;
}
