// One warehouse table's sample failing rows: the rule and why, the file and run (how many runs saw
// the row, which run fixed it), then the row's values with the failing column marked.
import { fileName } from "../../components/LakeKey";
import { SeverityDot } from "../../components/Severity";
import { RelativeTime } from "../../components/Time";
import { Link } from "../../lib/router";
import { failingColumn, type SampleGroup } from "./sampleGroups";

export function SampleTable({ table, group: g }: { table: string; group: SampleGroup }) {
  return (
    <div className="overflow-x-auto border-t border-zinc-100 first:border-t-0">
      <table className="min-w-full border-collapse text-left text-[12px]">
        <caption className="px-3 pt-2 pb-1 text-left text-zinc-500">
          <span className="font-mono text-zinc-800">{table}</span>
        </caption>
        <thead>
          <tr className="border-b border-zinc-200 text-xxs font-semibold tracking-wide text-zinc-500 uppercase">
            <th scope="col" className="sticky left-0 z-[1] bg-white px-3 py-1 whitespace-nowrap">
              Rule · why
            </th>
            <th scope="col" className="px-2 py-1 whitespace-nowrap">
              File · run
            </th>
            {g.columns.map((c) => (
              <th
                key={c}
                scope="col"
                className="px-2 py-1 font-mono font-medium tracking-normal normal-case whitespace-nowrap"
              >
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {g.rows.map((f) => {
            const bad = failingColumn(f, g.columns);
            return (
              <tr
                key={f.id}
                data-failure-rule={f.rule}
                className="group border-b border-zinc-100 align-top last:border-b-0 hover:bg-zinc-50"
              >
                <td className="sticky left-0 z-[1] w-80 max-w-80 min-w-80 bg-white px-3 py-1 group-hover:bg-zinc-50">
                  <div className="flex items-center gap-1.5">
                    <SeverityDot value={f.severity} />
                    <span className="font-mono text-zinc-900">{f.rule}</span>
                    <span className="ml-auto text-zinc-400 tabular-nums">
                      {f.rowNumber !== null ? `row ${f.rowNumber}` : ""}
                    </span>
                  </div>
                  <div className="truncate text-zinc-500" title={f.description}>
                    {f.description}
                  </div>
                </td>
                <td className="px-2 py-1 whitespace-nowrap">
                  <Link
                    to={`/runs/${f.runId}`}
                    title={`${f.sourceKey}, run ${f.runId}`}
                    className="text-zinc-800 hover:text-sky-700 hover:underline"
                  >
                    {fileName(f.sourceKey)}
                  </Link>
                  <div className="text-zinc-400">
                    <RelativeTime iso={f.createdAt} />
                    {f.runs > 1 ? (
                      <span title="Runs that saw this row fail: the same file ingested again">
                        {" "}
                        · {f.runs} runs
                      </span>
                    ) : null}
                  </div>
                  {f.fixedBy ? (
                    <div className="text-emerald-700" data-testid="fixed-by">
                      fixed by{" "}
                      <Link
                        to={`/runs/${f.fixedBy}`}
                        title={`A later version of ${fileName(f.sourceKey)} loaded without this row${f.fixedAt ? `, ${f.fixedAt}` : ""}`}
                        className="font-mono hover:underline"
                      >
                        {f.fixedBy}
                      </Link>
                    </div>
                  ) : null}
                </td>
                {f.row ? (
                  g.columns.map((c) => {
                    const v = f.row?.[c];
                    return (
                      <td
                        key={c}
                        className={`max-w-48 truncate px-2 py-1 font-mono leading-9 whitespace-nowrap ${
                          c === bad ? "bg-red-50 text-red-800" : "text-zinc-700"
                        }`}
                        title={v ?? "null"}
                      >
                        {v === null || v === undefined ? (
                          <span className="text-zinc-300">null</span>
                        ) : v === "" ? (
                          <span className="text-zinc-300">""</span>
                        ) : (
                          v
                        )}
                      </td>
                    );
                  })
                ) : (
                  <td colSpan={g.columns.length} className="px-2 py-1 leading-9">
                    <code
                      className="block max-w-[60rem] truncate text-zinc-700"
                      title={f.rawRecord ?? ""}
                    >
                      {f.rawRecord ?? "(record not kept)"}
                    </code>
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
