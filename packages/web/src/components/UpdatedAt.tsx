import { relative, useNow } from "../lib/time";
import { Spinner } from "./ui";

/** "updated 12s ago", with a spinner while a refetch is in flight. */
export function UpdatedAt({ at, fetching }: { at: number; fetching: boolean }) {
  const now = useNow();
  if (!at) return null;
  return (
    <span className="flex items-center gap-1.5 text-[12px] text-zinc-400">
      {fetching ? <Spinner className="text-zinc-400" /> : null}
      updated {relative(new Date(at).toISOString(), now)}
    </span>
  );
}
