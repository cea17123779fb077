// The Quality page with nothing in its window: what a check is and where rules live; or nothing
// open, every failing row fixed.
import { Button, EmptyState } from "../../components/ui";
import { navigate, withSearch } from "../../lib/router";
import type { QualityWindow } from "../../queries/keys";
import { failingRows, windowWords } from "./qualityFilter";

/** Nothing open: every failing row in view was fixed by a later version of its file. */
export function AllFixed({ fixed, window }: { fixed: number; window: QualityWindow }) {
  return (
    <EmptyState
      title={`No open failures ${windowWords[window]}`}
      action={<Button onClick={() => navigate(withSearch({ status: "fixed" }))}>Show fixed</Button>}
    >
      {failingRows(fixed, "fixed")}:{" "}
      {fixed === 1
        ? "a later version of its file loaded without it."
        : "later versions of their files loaded without them."}
    </EmptyState>
  );
}

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
