// The run's timeline: each event with its offset from creation and its clock time.
import type { RunDetail } from "../../api/client";
import { absolute, clockTime, duration } from "../../lib/time";
import { timelineEvents } from "./timelineEvents";

export function Timeline({ run }: { run: RunDetail }) {
  const base = Date.parse(run.createdAt);
  const events = timelineEvents(run);
  return (
    <ol className="px-3 py-2">
      {events.map((e, i) => (
        <li key={e.key} className="relative flex items-baseline gap-3 py-1 pl-5">
          {i < events.length - 1 ? (
            <span
              aria-hidden
              className="absolute top-3.5 bottom-[-0.6rem] left-[4.5px] w-px bg-zinc-200"
            />
          ) : null}
          <span
            aria-hidden
            className={`absolute top-[0.6rem] left-0 size-2.5 rounded-full border-2 ${
              e.tone === "fail"
                ? "border-red-600 bg-red-600"
                : e.tone === "wait"
                  ? "animate-pulse border-zinc-300 bg-white"
                  : "border-zinc-400 bg-white"
            }`}
          />
          <span
            className={`min-w-0 flex-1 ${e.tone === "fail" ? "font-medium text-red-700" : "text-zinc-800"}`}
          >
            {e.label}
          </span>
          {e.at ? (
            <>
              <span className="w-20 text-right text-[12px] text-zinc-400 tabular-nums">
                {e.key === "created" ? "" : `+${duration(Date.parse(e.at) - base)}`}
              </span>
              <time
                dateTime={e.at}
                title={absolute(e.at)}
                className="w-20 text-right text-[12px] text-zinc-600 tabular-nums"
              >
                {clockTime(e.at)}
              </time>
            </>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
