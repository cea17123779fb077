// Drift between two runs: how many users went from each segment of one run to each of the other,
// with who entered or left (users in only one run), stayed and moved.

import { ApiError } from "../../api/client";
import { ErrorState, Panel } from "../../components/ui";
import type { SegmentDrift, SegmentRun } from "../../queries/useSegments";
import { useSegmentDrift } from "../../queries/useSegments";
import { runOption } from "./segmentView";

const th = "px-2 py-1.5 text-left text-xxs font-semibold tracking-wide text-zinc-500";
const td = "px-2 py-1 text-right tabular-nums";
const n = (v: number) => v.toLocaleString("en-US");

function RunPicker({
  label,
  runs,
  value,
  onChange,
  defaultLabel,
}: {
  label: string;
  runs: SegmentRun[];
  value: string;
  onChange: (v: string) => void;
  defaultLabel: string;
}) {
  return (
    <label className="flex items-center gap-1.5 text-[12px] text-zinc-500">
      {label}
      <select
        aria-label={`Drift ${label}`}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        className="h-6 max-w-64 rounded-md border border-zinc-200 bg-white px-1.5 text-[12px] text-zinc-800"
      >
        <option value="">{defaultLabel}</option>
        {runs.map((r, i) => (
          <option key={r.runId} value={r.runId}>
            {runOption(r, i)}
          </option>
        ))}
      </select>
    </label>
  );
}

function Matrix({ d }: { d: SegmentDrift }) {
  const to = d.toLabels.map((l, j) => `${j} · ${l}`);
  return (
    <section aria-label="Drift matrix" className="overflow-x-auto">
      <table className="text-[13px]">
        <thead className="border-b border-zinc-100">
          <tr>
            <th className={th}>from ↓ · to →</th>
            {to.map((l) => (
              <th key={l} className={`${th} text-right`}>
                {l}
              </th>
            ))}
            <th className={`${th} text-right`}>left</th>
            <th className={`${th} text-right`}>in from</th>
          </tr>
        </thead>
        <tbody>
          {d.matrix.map((row, i) => (
            <tr
              key={d.fromLabels[i] ?? i}
              className="border-b border-zinc-50"
              data-from-segment={i}
            >
              <th className={`${th} font-normal text-zinc-700`}>
                {i} · {d.fromLabels[i]}
              </th>
              {row.map((v, j) => (
                <td
                  key={to[j] ?? j}
                  className={`${td} ${i === j ? "bg-zinc-50 font-medium text-zinc-900" : v ? "text-amber-800" : "text-zinc-300"}`}
                >
                  {n(v)}
                </td>
              ))}
              <td className={`${td} text-zinc-500`}>{n(d.left[i] ?? 0)}</td>
              <td className={`${td} text-zinc-500`}>{n(d.fromSizes[i] ?? 0)}</td>
            </tr>
          ))}
          <tr className="border-t border-zinc-100">
            <th className={`${th} font-normal text-zinc-500`}>entered</th>
            {d.entered.map((v, j) => (
              <td key={to[j] ?? j} className={`${td} text-zinc-500`}>
                {n(v)}
              </td>
            ))}
          </tr>
          <tr>
            <th className={`${th} font-normal text-zinc-500`}>in to</th>
            {d.toSizes.map((v, j) => (
              <td key={to[j] ?? j} className={`${td} text-zinc-500`}>
                {n(v)}
              </td>
            ))}
          </tr>
        </tbody>
      </table>
      <p className="px-3 py-2 text-[12px] text-zinc-600" data-testid="drift-totals">
        {n(d.stayed)} stayed · {n(d.moved)} moved · {n(d.entered.reduce((a, b) => a + b, 0))}{" "}
        entered · {n(d.left.reduce((a, b) => a + b, 0))} left
      </p>
    </section>
  );
}

export function DriftPanel({
  runs,
  from,
  to,
  onChange,
}: {
  runs: SegmentRun[];
  from: string;
  to: string;
  onChange: (patch: { from?: string; to?: string }) => void;
}) {
  const drift = useSegmentDrift(from, to, runs.length > 1 || !!from);
  const noPrevious = drift.error instanceof ApiError && drift.error.error === "segment.no_previous";
  return (
    <Panel
      title="Drift between runs"
      actions={
        <span className="flex items-center gap-3">
          <RunPicker
            label="from"
            runs={runs}
            value={from}
            onChange={(v) => onChange({ from: v })}
            defaultLabel="the run before"
          />
          <RunPicker
            label="to"
            runs={runs}
            value={to}
            onChange={(v) => onChange({ to: v })}
            defaultLabel="the latest run"
          />
        </span>
      }
    >
      {runs.length < 2 && !from ? (
        <p className="px-3 py-6 text-center text-zinc-500">
          Drift needs two runs: the next scheduled run (daily), <code>cdp segment</code>, or Run
          segmentation now compares with this one.
        </p>
      ) : drift.isError && !noPrevious ? (
        <ErrorState title="Couldn't load the drift" error={drift.error} />
      ) : noPrevious ? (
        <p className="px-3 py-6 text-center text-zinc-500">
          That run has no run before it: pick a "from" run.
        </p>
      ) : drift.data ? (
        <Matrix d={drift.data} />
      ) : (
        <p className="px-3 py-6 text-center text-zinc-500">Loading the drift…</p>
      )}
    </Panel>
  );
}
