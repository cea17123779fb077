// A per-day bar strip: small enough to need no chart library, one bar per UTC day.
import { type DayBucket, peak } from "./dayBuckets";

export function DayBars({ data }: { data: DayBucket[] }) {
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
