// The scheduler of `cdp start`: runs pipelines on a fixed interval (what EventBridge schedules do
// when deployed).
import { pipelines } from "@cdp/core/pipelines";
import type { LocalPlatform } from "./platform";

export interface Schedule {
  pipeline: string;
  args?: Record<string, unknown>;
  everyMs: number;
  /** Delay of the first run after start. */
  firstAfterMs?: number;
}

/** The schedules the pipelines' descriptors declare. */
export const defaultSchedules: Schedule[] = pipelines.flatMap((p) =>
  p.schedule ? [{ pipeline: p.name, ...p.schedule }] : [],
);

export function startScheduler(platform: LocalPlatform, schedules: Schedule[] = defaultSchedules) {
  const timers: NodeJS.Timeout[] = [];
  for (const s of schedules) {
    const fire = () => {
      platform.runner
        .submit(s.pipeline, s.args ?? {})
        .catch((err) => console.error(`scheduler: ${s.pipeline}:`, err));
    };
    const first = setTimeout(() => {
      fire();
      timers.push(setInterval(fire, s.everyMs).unref());
    }, s.firstAfterMs ?? s.everyMs);
    first.unref();
    timers.push(first);
  }
  return {
    stop() {
      for (const t of timers) clearTimeout(t);
    },
  };
}
