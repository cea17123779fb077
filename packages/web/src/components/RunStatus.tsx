// How a run status looks, everywhere: one exhaustive switch over the closed set.
import type { RunStatusValue } from "../api/client";
import { assertNever } from "../lib/status";

interface Look {
  label: string;
  /** The dot carries the colour; the label stays quiet except for failures. */
  dot: string;
  text: string;
}

export function statusLook(status: RunStatusValue): Look {
  switch (status) {
    case "QUEUED":
      return {
        label: "Queued",
        dot: "border border-zinc-400 bg-transparent",
        text: "text-zinc-600",
      };
    case "RUNNING":
      return { label: "Running", dot: "bg-sky-500 animate-pulse", text: "text-zinc-800" };
    case "SUCCEEDED":
      return { label: "Succeeded", dot: "bg-emerald-600", text: "text-zinc-800" };
    case "FAILED":
      return { label: "Failed", dot: "bg-red-600", text: "text-red-700 font-medium" };
    case "TIMED_OUT":
      return { label: "Timed out", dot: "bg-amber-500", text: "text-amber-800 font-medium" };
    case "STOPPED":
      return { label: "Stopped", dot: "bg-zinc-500", text: "text-zinc-700" };
    default:
      return assertNever(status);
  }
}

/**
 * A run's status. A failed run a later retry resolved reads "Resolved" (quiet, a hollow green dot;
 * `detailed` keeps "Failed" with a "resolved" tag, where there is room): it stays failed in the
 * history, but no longer red.
 */
export function RunStatus({
  status,
  resolvedBy = null,
  detailed = false,
}: {
  status: RunStatusValue;
  resolvedBy?: string | null;
  detailed?: boolean;
}) {
  const look = statusLook(status);
  if (resolvedBy) {
    return (
      <span
        className="inline-flex items-center gap-1.5 whitespace-nowrap text-zinc-600"
        data-status={status}
        data-resolved="true"
        title={`${look.label}; resolved by run ${resolvedBy} (retry succeeded)`}
      >
        <span
          aria-hidden
          className="inline-block size-2 shrink-0 rounded-full border border-emerald-600 bg-transparent"
        />
        {detailed ? (
          <>
            {look.label}
            <span className="rounded border border-emerald-200 bg-emerald-50 px-1 text-xxs text-emerald-800">
              resolved
            </span>
          </>
        ) : (
          "Resolved"
        )}
      </span>
    );
  }
  return (
    <span
      className={`inline-flex items-center gap-1.5 whitespace-nowrap ${look.text}`}
      data-status={status}
    >
      <span aria-hidden className={`inline-block size-2 shrink-0 rounded-full ${look.dot}`} />
      {look.label}
    </span>
  );
}

/** The dot alone: labelled when it stands alone, decorative next to a label. */
export function StatusDot({
  status,
  decorative = false,
}: {
  status: RunStatusValue;
  decorative?: boolean;
}) {
  const look = statusLook(status);
  const dot = look.dot.replace("animate-pulse", decorative ? "" : "animate-pulse");
  if (decorative) {
    return <span aria-hidden className={`inline-block size-2 shrink-0 rounded-full ${dot}`} />;
  }
  return (
    <span
      role="img"
      aria-label={look.label}
      title={look.label}
      className={`inline-block size-2 shrink-0 rounded-full ${dot}`}
    />
  );
}
