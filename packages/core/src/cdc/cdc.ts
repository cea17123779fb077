// The cdc verb: every DMS file under a lake path applied to its table — one table at a time, each
// table's full-load files before its change files, in order (files.ts) — with the run's stats
// kept per table. A file that cannot be applied moves to error/dms/… and the table goes on (later
// changes still win by their sequence; the file applies late once fixed); anything else stops the
// run and leaves the file in dms/ for a retry.
import { withTableLock } from "../ingest/ingest";
import { getRun } from "../run/store";
import { errorMessage } from "../util/error";
import {
  type CdcDeps,
  commitFile,
  type FileResult,
  type Prepared,
  prepareFile,
  type Step,
} from "./apply";
import { type DmsTable, dmsTable, doneKey, listDmsFiles } from "./files";
import {
  type CdcArgs,
  CdcStats,
  emptyTableCounts,
  MAX_FAILED_FILES_KEPT,
  type TableCounts,
} from "./model";

/** Scratch table sets of a table's files in flight: staging, checking, committing. */
const SCRATCH_SETS = 3;

export interface CdcResult {
  status: "SUCCEEDED" | "FAILED";
  error?: string;
  stats: CdcStats;
}

/** Add one file's outcome to its table's counts. */
export function addFile(t: TableCounts, r: FileResult) {
  if (r.outcome === "applied") t.filesApplied++;
  else if (r.outcome === "skipped") t.filesSkipped++;
  else t.filesFailed++;
  if (r.key) t.key = r.key;
  const c = r.counts;
  t.changes += c.changes;
  t.inserted += c.inserted;
  t.updated += c.updated;
  t.deleted += c.deleted;
  t.skippedStale += c.skippedStale;
  t.superseded += c.superseded;
  t.quarantined += c.quarantined;
  for (const col of c.columnsAdded) if (!t.columnsAdded.includes(col)) t.columnsAdded.push(col);
  for (const col of c.columnsWidened)
    if (!t.columnsWidened.includes(col)) t.columnsWidened.push(col);
}

/** The run's totals, from its tables' counts. */
export function sumTables(s: CdcStats) {
  const sum = (f: (t: TableCounts) => number) => s.tables.reduce((n, t) => n + f(t), 0);
  s.rowsRead = sum((t) => t.changes);
  s.rowsLoaded = sum((t) => t.inserted + t.updated + t.deleted);
  s.rowsQuarantined = sum((t) => t.quarantined);
  s.filesApplied = sum((t) => t.filesApplied);
  s.filesSkipped = sum((t) => t.filesSkipped);
  s.filesFailed = sum((t) => t.filesFailed);
}

/** A retry first puts back the files its failed run moved to error/, where they were. */
export async function restoreFailedFiles(deps: CdcDeps, failedRunId: string) {
  const previous = await getRun(deps.ops, failedRunId);
  const parsed = CdcStats.safeParse(previous?.stats ?? {});
  if (!parsed.success) return;
  for (const f of parsed.data.failedFiles) {
    if (!(await deps.lake.exists(f.errorKey)) || (await deps.lake.exists(f.key))) continue;
    await deps.lake.move(f.errorKey, f.key);
    await deps.lake.delete(`${f.errorKey}.reason.txt`);
  }
}

export async function applyDms(
  deps: CdcDeps,
  run: { id: string; retryOf?: string | null },
  args: CdcArgs,
  step: Step = async () => {},
): Promise<CdcResult> {
  const stats = CdcStats.parse({});
  if (run.retryOf) await restoreFailedFiles(deps, run.retryOf);
  const groups = await listDmsFiles(deps.lake, args.path);
  if (!groups.length && /\.csv(\.gz)?$/i.test(args.path)) {
    return {
      status: "FAILED",
      error: `no DMS file at ${args.path} (files go in dms/<SCHEMA>/<TABLE>/)`,
      stats,
    };
  }
  const ensured = new Set<string>(); // the run's DDL made (cdc/apply.ts ensure)
  const failed = (key: string, movedTo: string, reason: string) => {
    if (stats.failedFiles.length < MAX_FAILED_FILES_KEPT) {
      stats.failedFiles.push({ key, errorKey: movedTo, reason });
    }
  };

  for (const group of groups) {
    let table: DmsTable;
    try {
      table = dmsTable(group.source);
    } catch (err) {
      // No warehouse table can be named after this folder: its files cannot be applied.
      const counts = emptyTableCounts(group.source, group.source);
      stats.tables.push(counts);
      for (const f of group.files) {
        const movedTo = doneKey("error", f.key);
        await deps.lake.move(f.key, movedTo);
        await deps.lake.put(`${movedTo}.reason.txt`, `${errorMessage(err)}\n`);
        counts.filesFailed++;
        failed(f.key, movedTo, errorMessage(err));
      }
      continue;
    }
    const counts = emptyTableCounts(table.target, table.source);
    const crash = await withTableLock(table.target, async () => {
      // Listed again under the lock: another run may have applied them meanwhile (then this
      // table is not one this run speaks of).
      const now = await listDmsFiles(deps.lake, args.path);
      const files = now.find((g) => g.source === group.source)?.files ?? [];
      if (files.length) stats.tables.push(counts);
      // Files go through three stages at once: one is read into staging, the one before it is
      // checked and its last changes picked, and the one before that commits. Staging never
      // touches the table, and the commits stay in order. A file starts once the one before it
      // is staged and the file three back (whose scratch tables it reuses) has committed.
      const started: (Promise<Prepared | FileResult | null> | undefined)[] = [];
      const staged: boolean[] = [];
      let committed = -1; // files [0, committed] are done with
      let stopped = false;
      const scratchOf = (i: number) => `${run.id}_${i % SCRATCH_SETS}`;
      const start = (i: number) => {
        if (stopped || i >= files.length || started[i]) return;
        if ((i > 0 && !staged[i - 1]) || i - SCRATCH_SETS > committed) return;
        const f = files[i]!;
        const onStaged = () => {
          staged[i] = true;
          start(i + 1);
        };
        const ctx = { runId: run.id, scratch: scratchOf(i), key: args.key, onStaged, ensured };
        const p = deps.lake
          .exists(f.key)
          .then((there) => (there ? prepareFile(deps, ctx, table, f) : null));
        // Skipped or failed before staging: the next file need not wait. (A crash stops the run.)
        p.then(onStaged, () => {});
        started[i] = p;
      };
      start(0);
      for (let i = 0; i < files.length; i++) {
        const f = files[i]!;
        let r: FileResult | null;
        try {
          const prepared = started[i];
          if (!prepared)
            throw new Error(`file ${i + 1} of ${table.source} was never started (a bug)`);
          const p = await prepared;
          const ctx = { runId: run.id, scratch: scratchOf(i), key: args.key };
          r = p && p.outcome === "prepared" ? await commitFile(deps, ctx, table, f, p) : p;
        } catch (err) {
          // The files being prepared meanwhile are left where they are, their scratch tables
          // dropped.
          stopped = true;
          for (const next of started.slice(i + 1)) {
            const pending = await next?.catch(() => null);
            if (pending?.outcome === "prepared") await pending.cleanup();
            else if (pending) addFile(counts, pending); // skipped or failed: already moved
          }
          return (
            `${f.key}: ${errorMessage(err)}. Nothing of this file was applied and it stays in dms/; ` +
            `once the cause is fixed, retry the run`
          );
        }
        committed = i;
        for (let k = i + 1; k <= i + SCRATCH_SETS; k++) start(k);
        if (!r) continue; // taken by another run
        addFile(counts, r);
        if (r.outcome === "failed") failed(f.key, r.movedTo, r.reason ?? "");
        if (r.rejectsKey && !stats.rejectsKeys.includes(r.rejectsKey))
          stats.rejectsKeys.push(r.rejectsKey);
      }
      return null;
    });
    sumTables(stats);
    await step(
      `${table.target}: ${counts.filesApplied} applied, ${counts.filesSkipped} skipped, ${counts.filesFailed} failed`,
      { ...stats },
    );
    if (crash) return { status: "FAILED", error: crash, stats };
  }
  sumTables(stats);
  if (stats.filesFailed) {
    const first = stats.failedFiles[0];
    const more = stats.filesFailed > 1 ? ` (and ${stats.filesFailed - 1} more)` : "";
    return {
      status: "FAILED",
      error:
        `${stats.filesFailed} file${stats.filesFailed === 1 ? "" : "s"} could not be applied; the others were. ` +
        `${first ? `${first.reason.split("\n")[0]} (moved to ${first.errorKey})` : ""}${more}`,
      stats,
    };
  }
  return { status: "SUCCEEDED", stats };
}
