// "Why is this user in this segment": a user id → their segment in the chosen run, the distance
// to every centroid, and the features that pulled them to the nearest rather than the runner-up.
import { type FormEvent, useEffect, useState } from "react";
import { Button, ErrorState, Panel } from "../../components/ui";
import type { SegmentUser } from "../../queries/useSegments";
import { useSegmentUser } from "../../queries/useSegments";
import { inUnit, percent } from "./segmentView";

const th = "px-2 py-1 text-left text-xxs font-semibold tracking-wide text-zinc-500 uppercase";
const td = "px-2 py-1 tabular-nums";
const d3 = (v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 3 });

function Why({ u }: { u: SegmentUser }) {
  const units = new Map((u.features ?? []).map((f) => [f.name, f]));
  const runnerUp = u.distances.find((d) => d.segment === u.runnerUp);
  return (
    <div className="flex flex-col gap-3 px-3 py-3" data-testid="segment-user">
      <p className="text-[13px] text-zinc-800">
        User <code className="font-mono">{u.userId}</code> is in segment{" "}
        <span className="font-medium" data-testid="user-segment">
          {u.segment} · {u.label}
        </span>{" "}
        (distance {d3(u.distance)}
        {runnerUp
          ? `; next nearest ${runnerUp.segment} · ${runnerUp.label} at ${d3(runnerUp.distance)}`
          : ""}
        ).
        {u.consistent === false && u.current
          ? ` Their features have changed since the run: now nearest ${u.current.segment} · ${u.current.label}.`
          : ""}
        {u.features === null ? " Their features can no longer be read (the user is gone)." : ""}
      </p>
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <section aria-label="Decided by">
          <h3 className="mb-1 text-[12px] font-medium text-zinc-700">
            What decided it {runnerUp ? `(vs ${runnerUp.segment} · ${runnerUp.label})` : ""}
          </h3>
          <table className="w-full text-[13px]">
            <thead>
              <tr>
                <th className={th}>Feature</th>
                <th className={th}>User</th>
                <th className={th}>Its segment</th>
                <th className={th}>Runner-up</th>
                <th className={th}>Share</th>
              </tr>
            </thead>
            <tbody>
              {u.decidedBy.map((f) => {
                const unit = units.get(f.name)?.unit ?? "";
                return (
                  <tr key={f.name} className="border-t border-zinc-50" data-decided-by={f.name}>
                    <td className="px-2 py-1 text-zinc-800">{f.name}</td>
                    <td className={td}>
                      {inUnit(f.value, unit)}
                      {units.get(f.name)?.imputed ? (
                        <span className="ml-1 text-xxs text-zinc-400" title="missing, filled">
                          filled
                        </span>
                      ) : null}
                    </td>
                    <td className={td}>{inUnit(f.nearest, unit)}</td>
                    <td className={td}>{inUnit(f.runnerUp, unit)}</td>
                    <td className={td}>
                      <span className="inline-flex items-center gap-1.5">
                        <span
                          aria-hidden
                          className="inline-block h-1.5 rounded-sm bg-sky-600"
                          style={{ width: `${Math.max(0, Math.min(1, f.share)) * 48}px` }}
                        />
                        {percent(f.share)}
                      </span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {u.decidedBy.length === 0 ? (
            <p className="px-2 py-2 text-[12px] text-zinc-500">
              One segment only, or no features to compare: nothing to weigh.
            </p>
          ) : null}
        </section>
        <section aria-label="Distances">
          <h3 className="mb-1 text-[12px] font-medium text-zinc-700">Distance to every centroid</h3>
          <table className="w-full text-[13px]">
            <tbody>
              {[...u.distances]
                .sort((a, b) => a.distance - b.distance)
                .map((d) => (
                  <tr
                    key={d.segment}
                    className={`border-t border-zinc-50 ${d.segment === u.segment ? "font-medium" : ""}`}
                    data-distance-segment={d.segment}
                  >
                    <td className="px-2 py-1 text-zinc-800">
                      {d.segment} · {d.label}
                    </td>
                    <td className={`${td} text-right`}>{d3(d.distance)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </section>
      </div>
    </div>
  );
}

export function UserPanel({
  user,
  run,
  onUser,
}: {
  user: string;
  run: string;
  onUser: (id: string) => void;
}) {
  const [draft, setDraft] = useState(user);
  useEffect(() => setDraft(user), [user]);
  const why = useSegmentUser(user, run);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onUser(draft.trim());
  };
  return (
    <Panel
      title="Why is this user in this segment?"
      actions={
        <form onSubmit={submit} className="flex items-center gap-1.5">
          <input
            aria-label="User id"
            placeholder="user id"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            className="h-6 w-40 rounded-md border border-zinc-200 bg-white px-1.5 text-[12px]"
          />
          <Button type="submit" className="h-6">
            Look up
          </Button>
        </form>
      }
    >
      {!user ? (
        <p className="px-3 py-4 text-center text-zinc-500">
          Enter a user id (the segmented table's key) to see their segment in the run above and the
          features that decided it.
        </p>
      ) : why.isError ? (
        <ErrorState title={`Couldn't explain user ${user}`} error={why.error} />
      ) : why.data ? (
        <Why u={why.data} />
      ) : (
        <p className="px-3 py-4 text-center text-zinc-500">Looking up {user}…</p>
      )}
    </Panel>
  );
}
