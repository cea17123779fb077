// One run's segments: label, size and share, and each centroid per feature in the feature's unit
// with its z-score (standard deviations from all users' mean) drawn as a bar from the middle.
import { ErrorState, Panel } from "../../components/ui";
import type { SegmentProfile, SegmentRun } from "../../queries/useSegments";
import { useSegmentProfile } from "../../queries/useSegments";
import { inUnit, percent, runOption, zBar } from "./segmentView";

const th = "px-3 py-1.5 text-left text-xxs font-semibold tracking-wide text-zinc-500 uppercase";
const td = "px-3 py-1.5 align-top";

function ZCell({
  value,
  z,
  unit,
}: {
  value: number | undefined;
  z: number | undefined;
  unit: string;
}) {
  const bar = zBar(z);
  return (
    <div className="flex flex-col gap-1" title={`z = ${z === undefined ? "—" : z.toFixed(2)}`}>
      <span className="tabular-nums text-zinc-800">{inUnit(value, unit)}</span>
      <span className="relative block h-1.5 w-24 rounded-sm bg-zinc-100" aria-hidden>
        <span className="absolute top-0 left-1/2 h-full w-px bg-zinc-300" />
        <span
          className="absolute top-0 h-full rounded-sm"
          style={{
            background: bar.color,
            width: `${bar.width / 2}%`,
            ...(bar.side === "right" ? { left: "50%" } : { right: "50%" }),
          }}
        />
      </span>
      <span className="text-xxs text-zinc-400 tabular-nums" data-z>
        z {z === undefined ? "—" : `${z >= 0 ? "+" : ""}${z.toFixed(2)}`}
      </span>
    </div>
  );
}

function ProfileTable({ p }: { p: SegmentProfile }) {
  return (
    <section aria-label="Segment profiles" className="overflow-x-auto">
      <table className="w-full text-[13px]">
        <thead className="border-b border-zinc-100">
          <tr>
            <th className={th}>Segment</th>
            <th className={th}>Users</th>
            {p.features.map((f) => (
              <th key={f.name} className={th} title={f.description}>
                {f.name}
                <span className="ml-1 font-normal normal-case text-zinc-400">{f.unit}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {p.segments.map((s) => (
            <tr key={s.segment} className="border-b border-zinc-50" data-segment={s.segment}>
              <td className={td}>
                <span className="mr-1.5 text-zinc-400 tabular-nums">{s.segment}</span>
                <span className="font-medium text-zinc-900" data-label>
                  {s.label}
                </span>
              </td>
              <td className={`${td} tabular-nums`}>
                {s.size.toLocaleString("en-US")}
                <span className="ml-1 text-zinc-500">{percent(s.share)}</span>
              </td>
              {p.features.map((f) => (
                <td key={f.name} className={td}>
                  <ZCell value={s.centroid[f.name]} z={s.z[f.name]} unit={f.unit} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="px-3 py-2 text-[12px] text-zinc-500">
        {p.table} by {p.k} segments on {p.features.length} feature
        {p.features.length === 1 ? "" : "s"} ({p.scale === "none" ? "raw" : "standardised"}
        ); z is the centroid in standard deviations from all users' mean. Silhouette{" "}
        {p.silhouette === null ? "—" : p.silhouette.toFixed(2)}.
        {p.featuresSkipped.length
          ? ` Left out: ${p.featuresSkipped.map((f) => `${f.name} (${f.reason})`).join("; ")}.`
          : ""}
        {p.features.some((f) => f.imputed > 0)
          ? ` Filled: ${p.features
              .filter((f) => f.imputed > 0)
              .map((f) => `${f.name} ${f.imputed.toLocaleString("en-US")}`)
              .join(", ")}.`
          : ""}
      </p>
    </section>
  );
}

export function ProfilePanel({
  runs,
  run,
  onRun,
}: {
  runs: SegmentRun[];
  run: string;
  onRun: (run: string) => void;
}) {
  const profile = useSegmentProfile(run, true);
  return (
    <Panel
      title="Segments of a run"
      actions={
        <select
          aria-label="Run"
          value={run}
          onChange={(e) => onRun(e.target.value)}
          className="h-6 rounded-md border border-zinc-200 bg-white px-1.5 text-[12px] text-zinc-800"
        >
          {runs.map((r, i) => (
            <option key={r.runId} value={i === 0 ? "" : r.runId}>
              {runOption(r, i)}
            </option>
          ))}
        </select>
      }
    >
      {profile.isError ? (
        <ErrorState
          title="Couldn't load the segments' profile"
          error={profile.error}
          onRetry={() => void profile.refetch()}
        />
      ) : profile.data ? (
        <ProfileTable p={profile.data} />
      ) : (
        <p className="px-3 py-6 text-center text-zinc-500">Loading the profile…</p>
      )}
    </Panel>
  );
}
