import { useEffect, useState } from "react";
import { relative, useNow } from "../lib/time";
import { Spinner } from "./ui";

/** A fetch shorter than this shows no spinner, so a page that polls does not blink. */
const SPINNER_DELAY_MS = 400;

/** True once `on` has stayed true for `ms`; false again as soon as it is not. */
function useLasting(on: boolean, ms: number) {
  const [lasting, setLasting] = useState(false);
  useEffect(() => {
    if (!on) {
      setLasting(false);
      return;
    }
    const timer = setTimeout(() => setLasting(true), ms);
    return () => clearTimeout(timer);
  }, [on, ms]);
  return on && lasting;
}

/** "updated 12s ago", with a spinner while a slow refetch is in flight. */
export function UpdatedAt({ at, fetching }: { at: number; fetching: boolean }) {
  const now = useNow();
  const slow = useLasting(fetching, SPINNER_DELAY_MS);
  if (!at) return null;
  return (
    <span className="flex items-center gap-1.5 text-[12px] text-zinc-400">
      {slow ? <Spinner className="text-zinc-400" /> : null}
      updated {relative(new Date(at).toISOString(), now)}
    </span>
  );
}
