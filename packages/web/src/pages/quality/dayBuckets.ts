// Quality failures per UTC day, for the bar strip: every day of the window (at least two weeks
// when the window is "all", at most three months), each with its failures by rule.
import type { QualitySummary } from "../../api/client";

const DAY = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Every day from `from` (or the first day with data) to today, with its failures by rule. */
export function days(overTime: QualitySummary["overTime"], from: string | undefined, now: number) {
  const byDay = new Map<string, { total: number; rules: Map<string, number> }>();
  for (const p of overTime) {
    const d = byDay.get(p.day) ?? { total: 0, rules: new Map() };
    d.total += p.count;
    const rule = `${p.table}.${p.rule}`;
    d.rules.set(rule, (d.rules.get(rule) ?? 0) + p.count);
    byDay.set(p.day, d);
  }
  const today = Date.parse(`${dayOf(now)}T00:00:00Z`);
  // With no window, the days before the first failure had none: show at least two weeks.
  const first = from ?? [...byDay.keys()].sort()[0] ?? dayOf(now);
  let start = Date.parse(`${first.slice(0, 10)}T00:00:00Z`);
  if (!from) start = Math.min(start, today - 13 * DAY);
  // Past three months the bars get too thin to read; the table above still has everything.
  start = Math.max(start, today - 89 * DAY);
  const out: { day: string; total: number; rules: [string, number][] }[] = [];
  for (let t = start; t <= now; t += DAY) {
    const day = dayOf(t);
    const d = byDay.get(day);
    out.push({
      day,
      total: d?.total ?? 0,
      rules: d ? [...d.rules].sort((a, b) => b[1] - a[1]) : [],
    });
  }
  return out;
}

export const peak = (data: DayBucket[]) => Math.max(0, ...data.map((d) => d.total));

export type DayBucket = ReturnType<typeof days>[number];
