// A per-day bar strip: small enough to need no chart library, one bar per UTC day.
import type { QualitySummary } from "../api/client";

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

export const peak = (data: ReturnType<typeof days>) => Math.max(0, ...data.map((d) => d.total));

export function DayBars({ data }: { data: ReturnType<typeof days> }) {
  const max = Math.max(1, peak(data));
  const label = (d: string) =>
    new Date(`${d}T00:00:00Z`).toLocaleDateString(undefined, {
      month: "short",
      day: "numeric",
      timeZone: "UTC",
    });
  // A bar is at most 2.5rem wide; a short window (24 h is two days) sits at the right.
  return (
    <figure
      className="ml-auto px-3 pt-2 pb-2.5"
      style={{ width: `min(100%, ${Math.max(10, data.length * 2.5 + 1.5)}rem)` }}
      data-testid="quality-trend"
    >
      <div className="flex h-24 items-end gap-px border-b border-zinc-200">
        {data.map((d) => (
          <div
            key={d.day}
            className="group relative flex h-full flex-1 items-end"
            title={`${d.day}: ${d.total.toLocaleString()} failure${d.total === 1 ? "" : "s"}${d.rules
              .map(([r, n]) => `\n  ${r}: ${n.toLocaleString()}`)
              .join("")}`}
          >
            <div
              className={`w-full rounded-t-[2px] ${d.total ? "bg-zinc-400 group-hover:bg-zinc-700" : "bg-transparent"}`}
              style={{ height: d.total ? `${Math.max(4, (d.total / max) * 100)}%` : 0 }}
            />
          </div>
        ))}
      </div>
      <figcaption className="mt-1 flex justify-between text-xxs whitespace-nowrap text-zinc-400 tabular-nums">
        <span>{data[0] ? label(data[0].day) : ""}</span>
        <span>{data.at(-1) ? label(data.at(-1)!.day) : ""}</span>
      </figcaption>
    </figure>
  );
}
