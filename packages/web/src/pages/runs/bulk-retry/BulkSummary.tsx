// A finished bulk retry: what was retried as what, and what was skipped or failed, by reason.
import type { ReactNode } from "react";
import { RunId } from "../../../components/CopyId";
import { type DoneLine, groupByCode, type Problem } from "../../../lib/bulkRetry";
import { BulkCounts } from "./BulkProgress";

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
            </li>
          ))}
        </Section>
      ) : null}
      <Problems title="Skipped" problems={done.skipped} />
      <Problems title="Failed" problems={done.failed} tone="fail" />
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
          <code className="text-xxs text-zinc-400">{g.code}</code>
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
