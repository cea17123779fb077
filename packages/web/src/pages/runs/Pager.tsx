// Newer and older pages of runs by cursor; the cursor lives in the URL like the filters.
import { Button } from "../../components/ui";
import { navigate, withSearch } from "../../lib/router";

// Which cursor led to which, so "Newer" can walk back after "Older" (survives leaving the page).
const previousCursor = new Map<string, string>();

export function Pager({
  cursor,
  nextCursor,
  count,
}: {
  cursor: string | undefined;
  nextCursor: string | null;
  count: number;
}) {
  if (!cursor && !nextCursor) {
    return count ? (
      <p className="text-[12px] text-zinc-400">
        {count} run{count === 1 ? "" : "s"}
      </p>
    ) : null;
  }
  return (
    <div className="flex items-center justify-between text-[12px] text-zinc-500">
      <span>{cursor ? "Older runs" : "Newest runs"}</span>
      <div className="flex gap-2">
        <Button
          disabled={!cursor}
          onClick={() =>
            navigate(withSearch({ cursor: cursor ? previousCursor.get(cursor) : undefined }))
          }
        >
          ← Newer
        </Button>
        <Button
          disabled={!nextCursor}
          onClick={() => {
            if (!nextCursor) return;
            previousCursor.set(nextCursor, cursor ?? "");
            navigate(withSearch({ cursor: nextCursor }));
          }}
        >
          Older →
        </Button>
      </div>
    </div>
  );
}
