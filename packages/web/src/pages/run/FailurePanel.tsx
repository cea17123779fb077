// The first thing on a failed run's page: the engine's error, headed by how it ended — quiet once
// a retry resolved it.
import type { RunDetail } from "../../api/client";

function failureHeading(run: RunDetail): string {
  switch (run.status) {
    case "TIMED_OUT":
      return "Timed out";
    case "STOPPED":
      return "Stopped";
    default:
      return "What failed";
  }
}

export function FailurePanel({ run }: { run: RunDetail }) {
  const resolved = !!run.resolvedBy;
  return (
    <section
      aria-label="What failed"
      className={`rounded-md border border-l-4 bg-white ${
        resolved ? "border-zinc-200 border-l-emerald-600" : "border-red-200 border-l-red-600"
      }`}
    >
      <header
        className={`flex h-8 items-center gap-2 border-b px-3 ${resolved ? "border-zinc-100" : "border-red-100"}`}
      >
        <h2
          className={`text-xxs font-semibold tracking-wide uppercase ${resolved ? "text-zinc-500" : "text-red-700"}`}
        >
          {failureHeading(run)}
        </h2>
        {resolved ? (
          <span className="text-[12px] text-emerald-800">resolved by a successful retry</span>
        ) : null}
      </header>
      <pre className="max-h-80 overflow-auto px-3 py-2.5 text-[12px] leading-5 whitespace-pre-wrap text-zinc-800">
        {run.error ?? "The engine gave no error message."}
      </pre>
    </section>
  );
}
