// Where an ingest run's file and its rejected rows are in the lake, as lake keys.
import type { RunDetail } from "../../../api/client";
import { LakeKey } from "../../../components/LakeKey";
import { Panel } from "../../../components/ui";
import { lakeFiles } from "./lakeFiles";
import type { IngestStats } from "./stats";

/** Where the file is now and where its rejected rows went, as lake keys. */
export function IngestFiles({ run, stats }: { run: RunDetail; stats: IngestStats }) {
  const rows = lakeFiles(run, stats);
  if (!rows.length) return null;
  return (
    <Panel title="Files in the lake">
      <dl className="flex flex-col gap-2 px-3 py-2.5" data-testid="ingest-files">
        {rows.map((r) => (
          <div key={r.label} className="min-w-0">
            <dt className="text-[12px] text-zinc-500">
              {r.label}
              {r.note ? <span className="text-zinc-400"> · {r.note}</span> : null}
            </dt>
            <dd className="min-w-0">
              <LakeKey value={r.key} wrap />
            </dd>
          </div>
        ))}
      </dl>
      <p className="border-t border-zinc-100 px-3 py-1.5 text-[12px] text-zinc-500">
        Keys in the data lake: locally the file{" "}
        <code className="whitespace-nowrap text-zinc-700">&lt;data-dir&gt;/lake/{"<key>"}</code>,
        deployed the DataLake bucket.
      </p>
    </Panel>
  );
}
