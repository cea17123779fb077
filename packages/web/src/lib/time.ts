// Times as operators read them: relative at a glance, absolute (local, with zone) on hover.
import { useSyncExternalStore } from "react";

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "narrow" });
const abs = new Intl.DateTimeFormat("en-CA", {
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
  timeZoneName: "short",
});
const clock = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

export function relative(iso: string, now: number): string {
  const s = Math.round((Date.parse(iso) - now) / 1000);
  const a = Math.abs(s);
  if (a < 5) return "just now";
  if (a < 60) return rtf.format(s, "second");
  if (a < 3600) return rtf.format(Math.round(s / 60), "minute");
  if (a < 86_400) return rtf.format(Math.round(s / 3600), "hour");
  return rtf.format(Math.round(s / 86_400), "day");
}

/** `2025-11-26 15:32:34 UTC`, in the browser's zone: sortable, unambiguous, any locale. */
export function absolute(iso: string): string {
  const p = Object.fromEntries(abs.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${p.timeZoneName ?? ""}`.trim();
}
export const clockTime = (iso: string) => clock.format(new Date(iso));

export function duration(ms: number | null): string {
  if (ms === null || Number.isNaN(ms)) return "—";
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s % 60)}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function runDuration(
  run: { startedAt: string | null; finishedAt: string | null },
  now: number,
) {
  if (!run.startedAt) return null;
  return (run.finishedAt ? Date.parse(run.finishedAt) : now) - Date.parse(run.startedAt);
}

// One ticking clock for every relative time on the page.
let now = Date.now();
const ticks = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void) {
  ticks.add(listener);
  timer ??= setInterval(() => {
    now = Date.now();
    for (const l of ticks) l();
  }, 1000);
  return () => {
    ticks.delete(listener);
    if (!ticks.size && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

export function useNow(): number {
  return useSyncExternalStore(subscribe, () => now);
}
