import { OPEN, useAlerts } from "../queries/useAlerts";

/** Open alerts (neither acknowledged nor resolved) in the nav: red while one of them is an error, quiet otherwise. */
export function AlertBadge() {
  const { data } = useAlerts(OPEN);
  const n = data?.items.length ?? 0;
  if (!n) return null;
  const error = data?.items.some((a) => a.severity === "error");
  const shown = n >= OPEN.limit ? `${OPEN.limit - 1}+` : String(n);
  return (
    <span
      data-testid="alert-badge"
      className={`ml-1.5 inline-flex h-4 min-w-4 items-center justify-center rounded-full px-1 text-[10px] font-semibold text-white tabular-nums ${
        error ? "bg-red-600" : "bg-zinc-700"
      }`}
    >
      {shown}
      <span className="sr-only"> open alerts</span>
    </span>
  );
}
