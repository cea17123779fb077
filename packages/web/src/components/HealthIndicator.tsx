import { useHealth } from "../queries/useHealth";

export function HealthIndicator() {
  const { data, error, isPending } = useHealth();
  let dot = "bg-zinc-300";
  let label = "Checking…";
  let detail = "";
  if (error) {
    dot = "bg-red-600";
    label = "API unreachable";
    detail = error.message;
  } else if (data) {
    const down = data.checks.filter((c) => !c.ok);
    dot = data.ok ? "bg-emerald-600" : "bg-amber-500";
    label = data.ok ? "Healthy" : `Degraded: ${down.map((c) => c.name).join(", ")}`;
    detail = data.checks
      .map(
        (c) =>
          `${c.ok ? "ok  " : "DOWN"} ${c.name} · ${c.latencyMs} ms${c.error ? ` · ${c.error}` : ""}`,
      )
      .join("\n");
  }
  return (
    <div
      className="flex items-center gap-2 text-[12px] text-zinc-600"
      title={detail || undefined}
      data-testid="health"
    >
      <span
        aria-hidden
        className={`size-2 rounded-full ${dot} ${isPending ? "animate-pulse" : ""}`}
      />
      <span className="max-sm:sr-only">{label}</span>
      {data ? (
        <span className="rounded border border-zinc-200 px-1.5 py-px font-mono text-xxs text-zinc-500 max-sm:hidden">
          {data.runtime}
        </span>
      ) : null}
    </div>
  );
}
