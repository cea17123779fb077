// Severity of a quality failure or an alert: a closed set, one look. The dot carries the colour.
import { assertNever } from "../lib/status";

export type SeverityValue = "error" | "warning" | "info";

/** Rules say `warn`, alerts say `warning`; both read the same. */
export function severityOf(value: string): SeverityValue {
  if (value === "error") return "error";
  if (value === "warn" || value === "warning") return "warning";
  return "info";
}

export function severityLook(s: SeverityValue): { label: string; dot: string; text: string } {
  switch (s) {
    case "error":
      return { label: "Error", dot: "bg-red-600", text: "text-zinc-700" };
    case "warning":
      return { label: "Warning", dot: "bg-amber-500", text: "text-zinc-700" };
    case "info":
      return { label: "Info", dot: "bg-sky-500", text: "text-zinc-600" };
    default:
      return assertNever(s);
  }
}

export function Severity({ value }: { value: string }) {
  const look = severityLook(severityOf(value));
  return (
    <span className={`inline-flex items-center gap-1.5 whitespace-nowrap ${look.text}`}>
      <span aria-hidden className={`inline-block size-1.5 shrink-0 rounded-full ${look.dot}`} />
      {look.label}
    </span>
  );
}

/** The dot alone, named for screen readers and on hover. */
export function SeverityDot({ value }: { value: string }) {
  const look = severityLook(severityOf(value));
  return (
    <span
      role="img"
      aria-label={look.label}
      title={look.label}
      className={`inline-block size-1.5 shrink-0 rounded-full ${look.dot}`}
    />
  );
}
