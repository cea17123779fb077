// The Runs page's start control: pick a startable pipeline, make the selftest fail, run it.
import { Spinner } from "../../components/ui";
import { startTitle } from "./startable";
import type { Starter } from "./useStarter";

export function StartRun({ starter }: { starter: Starter }) {
  const { toStart, startable, pipelines } = starter;
  if (!toStart) {
    return pipelines.isError ? (
      <span className="text-[12px] text-zinc-400" title={pipelines.error.message}>
        Couldn't list pipelines to start
      </span>
    ) : null;
  }
  return (
    <div className="flex min-w-0 items-center rounded-md border border-zinc-300 bg-white shadow-xs">
      {startable.length > 1 ? (
        <label className="flex h-7 items-center border-r border-zinc-200">
          <span className="sr-only">Pipeline to start</span>
          <select
            value={toStart}
            onChange={(e) => starter.choose(e.target.value)}
            className="h-full rounded-l-md bg-transparent px-1.5 text-[12px] text-zinc-700"
          >
            {startable.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {toStart === "selftest" ? (
        <label className="flex h-7 cursor-pointer items-center gap-1.5 border-r border-zinc-200 px-2.5 text-[12px] whitespace-nowrap text-zinc-600 select-none">
          <input
            type="checkbox"
            checked={starter.fail}
            onChange={(e) => starter.setFail(e.target.checked)}
            className="size-3 accent-zinc-800"
          />
          Make it fail
        </label>
      ) : null}
      <button
        type="button"
        onClick={starter.start}
        disabled={starter.pending}
        className="flex h-7 items-center gap-1.5 rounded-r-md px-2.5 text-[12px] font-medium whitespace-nowrap text-zinc-800 hover:bg-zinc-50 disabled:opacity-50"
        title={startTitle(toStart)}
      >
        {starter.pending ? <Spinner /> : <PlayIcon />}
        Run {toStart}
      </button>
    </div>
  );
}

function PlayIcon() {
  return (
    <svg viewBox="0 0 16 16" className="size-3" fill="currentColor" aria-hidden>
      <path d="M4.5 2.8v10.4a.5.5 0 0 0 .77.42l8-5.2a.5.5 0 0 0 0-.84l-8-5.2a.5.5 0 0 0-.77.42z" />
    </svg>
  );
}
