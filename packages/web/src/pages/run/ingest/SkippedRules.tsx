// Rules an ingest run did not apply (their column was missing, say), and why.
import { Panel } from "../../../components/ui";
import type { IngestStats } from "./stats";

export function SkippedRules({ stats }: { stats: IngestStats }) {
  if (!stats.skippedRules.length) return null;
  return (
    <Panel title="Rules not applied">
      <ul className="divide-y divide-zinc-100" data-testid="skipped-rules">
        {stats.skippedRules.map((r) => (
          <li key={r.rule} className="flex gap-3 px-3 py-1.5">
            <span className="w-48 shrink-0 truncate font-mono text-[12px] text-zinc-800">
              {r.rule}
            </span>
            <span className="min-w-0 text-zinc-600">{r.reason}</span>
          </li>
        ))}
      </ul>
    </Panel>
  );
}
