// The scheduler of `cdp start`: runs pipelines on a fixed interval (what EventBridge schedules do
// when deployed).
import type { LocalPlatform } from "./platform";

export interface Schedule {
  pipeline: string;
  args?: Record<string, unknown>;
  everyMs: number;
  /** Delay of the first run after start. */
  firstAfterMs?: number;
}

export const defaultSchedules: Schedule[] = [
  { pipeline: "housekeeping", everyMs: 24 * 3_600_000, firstAfterMs: 10 * 60_000 },
];

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
