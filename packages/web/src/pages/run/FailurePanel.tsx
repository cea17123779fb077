// The first thing on a failed run's page: the engine's error, headed by how it ended.
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
  return (
    <section
      aria-label="What failed"
      className="rounded-md border border-red-200 border-l-4 border-l-red-600 bg-white"
    >
      <header className="flex h-8 items-center border-b border-red-100 px-3">
        <h2 className="text-xxs font-semibold tracking-wide text-red-700 uppercase">
          {failureHeading(run)}
        </h2>
      </header>
      <pre className="max-h-80 overflow-auto px-3 py-2.5 text-[12px] leading-5 whitespace-pre-wrap text-zinc-800">
        {run.error ?? "The engine gave no error message."}
      </pre>
    </section>
  );
}
