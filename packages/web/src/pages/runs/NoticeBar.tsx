// What the last action on the Runs page did (started, retried, bulk-retried) or why it failed.
import type { Run } from "../../api/client";
import { type Outcome, outcomeWords } from "../../lib/bulkRetry";
import { Link } from "../../lib/router";

export type Notice =
  | { kind: "started"; run: Run; fail: boolean }
  | { kind: "retried"; from: string; run: Run }
  | {
      kind: "bulk";
      retried: number;
      skipped: number;
      failed: number;
      /** How the retries ended, when the bulk retry waited for them. */
      outcome: Outcome | null;
    }
  | { kind: "error"; message: string; runId?: string };

export function NoticeBar({ notice, onClose }: { notice: Notice; onClose: () => void }) {
  const error = notice.kind === "error";
  return (
    <div
      role={error ? "alert" : "status"}
      className={`flex items-center gap-2 rounded-md border px-3 py-1.5 text-[12px] ${
        error ? "border-red-200 bg-red-50 text-red-800" : "border-sky-200 bg-sky-50 text-sky-900"
      }`}
    >
      <span className="min-w-0 flex-1">
        {notice.kind === "started" ? (
          <>
            Started <span className="font-medium">{notice.run.pipeline}</span>
            {notice.fail ? " (set to fail)" : ""} as{" "}
            <Link to={`/runs/${notice.run.id}`} className="font-mono underline">
              {notice.run.id}
            </Link>
            .
          </>
        ) : notice.kind === "bulk" ? (
          <>
            Bulk retry: {notice.retried} retried
            {notice.outcome ? ` (${outcomeWords(notice.outcome)})` : ""}, {notice.skipped} skipped,{" "}
            {notice.failed} failed to start.{" "}
            <Link to="/audit" className="underline">
              Audit log
            </Link>
          </>
        ) : notice.kind === "retried" ? (
          <>
            Retrying <span className="font-mono">{notice.from}</span> as{" "}
            <Link to={`/runs/${notice.run.id}`} className="font-mono underline">
              {notice.run.id}
            </Link>
            .
          </>
        ) : (
          <>
            {notice.message}
            {notice.runId ? (
              <>
                {" "}
                <Link to={`/runs/${notice.runId}`} className="font-mono underline">
                  Open {notice.runId}
                </Link>
              </>
            ) : null}
          </>
        )}
      </span>
      <button
        type="button"
        onClick={onClose}
        aria-label="Dismiss"
        className="rounded px-1 text-current opacity-60 hover:opacity-100"
      >
        ✕
      </button>
    </div>
  );
}
