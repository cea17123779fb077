// The Quality page with nothing in its window: what a check is and where rules live.
import { EmptyState } from "../../components/ui";
import type { QualityWindow } from "../../queries/keys";
import { windowWords } from "./qualityFilter";

/** What a check is and where rules live, for an empty window. */
export function NoFailures({ window }: { window: QualityWindow }) {
  return (
    <EmptyState title={`No quality failures ${windowWords[window]}`}>
      <div className="flex flex-col gap-2 text-left">
        <p>
          Every file is checked on its staged rows before anything loads. A row that fails an{" "}
          <em>error</em> rule is quarantined (kept out of the table, written to{" "}
          <code className="text-zinc-700">error/&lt;table&gt;/&lt;file&gt;.rejects.csv</code>) and
          listed here; a <em>warn</em> rule records the row and still loads it.
        </p>
        <ul className="list-disc pl-5">
          <li>
            <span className="text-zinc-700">Column checks</span> such as not-null and a pattern
            (e.g. <code>email_format</code>).
          </li>
          <li>
            <span className="text-zinc-700">SQL rules</span>: a query selecting the bad rows (e.g.{" "}
            <code>negative_total_spend</code>).
          </li>
          <li>
            <span className="text-zinc-700">Type checks</span>, automatic for every typed column (
            <code>type_&lt;column&gt;</code>), and malformed records with the wrong number of
            fields.
          </li>
        </ul>
        <p>
          Rules and each table's reject threshold live in{" "}
          <code className="text-zinc-700">packages/core/src/quality/rules.ts</code>.
        </p>
      </div>
    </EmptyState>
  );
}
