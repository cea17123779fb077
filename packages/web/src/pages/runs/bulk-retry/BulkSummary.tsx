// A finished bulk retry: what was retried as what and how those retries ended, and what was
// skipped or failed to start, by reason — in words, never the API's codes.
import type { ReactNode } from "react";
import type { RunStatusValue } from "../../../api/client";
import { RunId } from "../../../components/CopyId";
import { RunStatus } from "../../../components/RunStatus";
import {
  type DoneLine,
  groupByCode,
  outcomeWords,
  type Problem,
  problemLabel,
} from "../../../lib/bulkRetry";
import { RunStatuses } from "../../../lib/status";
import { BulkCounts } from "./BulkProgress";

const isStatus = (s: string | undefined): s is RunStatusValue => RunStatuses.some((x) => x === s);

export function BulkSummary({ done }: { done: DoneLine }) {
  return (
    <div className="flex flex-col gap-3" data-testid="bulk-summary">
      <BulkCounts
        p={{
          processed: done.retried.length + done.skipped.length + done.failed.length,
          retried: done.retried.length,
          skipped: done.skipped.length,
          failed: done.failed.length,
        }}
      />
      {done.outcome ? (
        <p className="text-[12px] text-zinc-700" data-testid="bulk-outcome">
          The retries: {outcomeWords(done.outcome)}.
        </p>
      ) : null}
      {done.stoppedEarly ? (
        <p className="rounded border border-amber-200 bg-amber-50 px-2 py-1 text-[12px] text-amber-900">
          {done.stoppedEarly}
        </p>
      ) : null}
      {done.retried.length ? (
        <Section title={`Retried ${done.retried.length}`}>
          {done.retried.map((r) => (
            <li key={r.id} className="flex h-6 items-center gap-2" data-retried={r.id}>
              <RunId id={r.id} />
              <span className="text-zinc-400">→</span>
              <RunId id={r.retryId} />
              {isStatus(r.status) ? (
                <span className="ml-auto text-[12px]">
                  <RunStatus status={r.status} />
                </span>
              ) : null}
            </li>
          ))}
        </Section>
      ) : null}
      <Problems title="Skipped" problems={done.skipped} />
      <Problems title="Failed to start" problems={done.failed} tone="fail" />
    </div>
  );
}

function Problems({
  title,
  problems,
  tone,
}: {
  title: string;
  problems: Problem[];
  tone?: "fail";
}) {
  if (!problems.length) return null;
  return (
    <Section title={`${title} ${problems.length}`} tone={tone}>
      {groupByCode(problems).map((g) => (
        <li key={g.code} className="py-0.5">
          <span className="text-xxs font-medium text-zinc-500">{problemLabel(g.code)}</span>
          <ul>
            {g.problems.map((p) => (
              <li key={p.id} className="flex min-h-6 flex-wrap items-center gap-x-2">
                <RunId id={p.id} />
                <span className={`min-w-0 ${tone === "fail" ? "text-red-800" : "text-zinc-500"}`}>
                  {p.reason}
                </span>
              </li>
            ))}
          </ul>
        </li>
      ))}
    </Section>
  );
}

function Section({ title, tone, children }: { title: string; tone?: "fail"; children: ReactNode }) {
  return (
    <section>
      <h3
        className={`mb-0.5 text-xxs font-semibold tracking-wide uppercase ${tone === "fail" ? "text-red-700" : "text-zinc-500"}`}
      >
        {title}
      </h3>
      <ul className="max-h-48 overflow-y-auto text-[12px]">{children}</ul>
    </section>
  );
}
