// The inbox watcher of `cdp start`: a file dropped into <data>/lake/inbox/<table>/ is ingested once
// it has stopped growing. Files of one table are applied one at a time, in name order, so a later
// export always wins over an earlier one.
import { ingest } from "@cdp/core/ingest/pipeline";
import type { Info } from "@cdp/core/run/run";
import type { LocalPlatform } from "./platform";

interface Seen {
  size: number;
  mtime: number;
  /** Set once submitted: the same bytes are not ingested again until the file changes. */
  submitted?: boolean;
}

export function watchInbox(
  platform: LocalPlatform,
  opts: { intervalMs?: number; onRun?: (run: Info) => void } = {},
) {
  const seen = new Map<string, Seen>();
  const busy = new Map<string, Promise<unknown>>(); // table → its current run
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const tableOf = (key: string) => {
    const parts = key.split("/");
    return parts.length >= 3 ? parts[1]! : undefined;
  };

  async function poll() {
    const objects = await platform.lake.list("inbox/");
    const present = new Set(objects.map((o) => o.key));
    for (const key of seen.keys()) if (!present.has(key)) seen.delete(key);
    for (const o of objects) {
      const prev = seen.get(o.key);
      const mtime = o.modified.getTime();
      if (!prev || prev.size !== o.size || prev.mtime !== mtime) {
        seen.set(o.key, { size: o.size, mtime }); // new or still changing: look again next time
        continue;
      }
      if (prev.submitted) continue;
      const table = tableOf(o.key) ?? o.key;
      if (busy.has(table)) continue;
      prev.submitted = true;
      const run = await platform.runner.submit(
        ingest.name,
        {
          sourceKey: o.key,
          ...(tableOf(o.key) ? { table } : {}),
        },
        { resume: true },
      );
      opts.onRun?.(run);
      const done = platform.runner.wait(run.id).finally(() => busy.delete(table));
      busy.set(table, done);
    }
  }

  const loop = async () => {
    if (stopped) return;
    try {
      await poll();
    } catch (err) {
      console.error("inbox watcher:", err);
    }
    if (!stopped) timer = setTimeout(loop, opts.intervalMs ?? 500);
  };
  void loop();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.allSettled(busy.values());
    },
  };
}
