// The dms/ watcher of `cdp start`: AWS DMS files dropped into <data>/lake/dms/<SCHEMA>/<TABLE>/ are
// applied by a cdc run per table once none of that table's files is still growing — one table at
// a time, in name order; the run applies the table's files in order (full loads, then changes),
// so a table's changes apply one batch after another, as DMS wrote them.
import { splitDmsKey } from "@cdp/core/cdc/files";
import { cdc } from "@cdp/core/cdc/pipeline";
import type { Info } from "@cdp/core/run/run";
import type { LocalPlatform } from "./platform";

interface Seen {
  size: number;
  mtime: number;
  /** Set once a run was started for it: the same bytes are not submitted again. */
  submitted?: boolean;
}

export function watchDms(
  platform: LocalPlatform,
  opts: { intervalMs?: number; onRun?: (run: Info) => void } = {},
) {
  const seen = new Map<string, Seen>();
  let busy: Promise<unknown> | null = null; // the run going now
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function poll() {
    const objects = (await platform.lake.list("dms/")).filter((o) => splitDmsKey(o.key));
    const present = new Set(objects.map((o) => o.key));
    for (const key of seen.keys()) if (!present.has(key)) seen.delete(key);
    const byTable = new Map<string, { settled: boolean; pending: string[] }>();
    for (const o of objects) {
      const folder = `dms/${splitDmsKey(o.key)!.source}/`;
      const t = byTable.get(folder) ?? { settled: true, pending: [] };
      byTable.set(folder, t);
      const prev = seen.get(o.key);
      const mtime = o.modified.getTime();
      if (!prev || prev.size !== o.size || prev.mtime !== mtime) {
        seen.set(o.key, { size: o.size, mtime }); // new or still changing: look again next time
        t.settled = false;
      } else if (!prev.submitted) t.pending.push(o.key);
    }
    if (busy) return;
    for (const [folder, t] of [...byTable].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!t.settled || !t.pending.length) continue;
      for (const key of t.pending) seen.get(key)!.submitted = true;
      const run = await platform.runner.submit(cdc.name, { path: folder }, { resume: true });
      opts.onRun?.(run);
      busy = platform.runner.wait(run.id).finally(() => {
        busy = null;
      });
      return;
    }
  }

  const loop = async () => {
    if (stopped) return;
    try {
      await poll();
    } catch (err) {
      console.error("dms watcher:", err);
    }
    if (!stopped) timer = setTimeout(loop, opts.intervalMs ?? 500);
  };
  void loop();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await busy?.catch(() => {});
    },
  };
}
