import { absolute, relative, useNow } from "../lib/time";

/** "3m ago", with the absolute local time on hover. */
export function RelativeTime({ iso }: { iso: string | null }) {
  const now = useNow();
  if (!iso) return <span className="text-zinc-400">—</span>;
  return (
    <time dateTime={iso} title={absolute(iso)} className="whitespace-nowrap tabular-nums">
      {relative(iso, now)}
    </time>
  );
}
