// The ingest verb: one CSV file from the lake into its warehouse table. Reads the file once,
// streaming it into a text staging table; then, holding the table, plans (evolve, check, merge),
// quarantines the bad rows, merges the rest, and reports. The source file is never lost: it ends
// in processed/ or, with a reason file beside it, in error/.
import type { Notifier } from "../alert/alert";
import type { ObjectStore } from "../lake/lake";
import type { OpsDb } from "../ops/db";
import { rulePatterns } from "../quality/compile";
import { classifyError, type Failure } from "../run/failure";
import { errorMessage, VisibleError } from "../util/error";
import { boundViews } from "../warehouse/dependencies";
import { describeTable, supportsMerge, type Warehouse } from "../warehouse/warehouse";
import { notifyQuarantine, overThreshold, readCheckReport, thresholdReason } from "./findings";
import { fileNeedsFix, thresholdNeedsFix } from "./fixes";
import { moveToProcessed, rejectFile } from "./lake-files";
import { defaultQuality, type IngestArgs, type QualityConfig, type TargetStats } from "./model";
import {
  buildPlan,
  type Plan,
  type PlanInput,
  planColumns,
  runTables,
  stagingColumns,
  stagingDdl,
} from "./plan";
import { recordRejects, rejectRowsFromWarehouse, rejectsKeyFor, settleFailures } from "./rejects";
import { recordSchemaChanges } from "./schema-history";
import {
  readAndStage,
  resolveTarget,
  runChecks,
  schemaChanges,
  selectAndMerge,
  settleKey,
} from "./steps";

export interface IngestDeps {
  lake: ObjectStore;
  warehouse: Warehouse;
  ops: OpsDb;
  notifier: Notifier;
  quality?: QualityConfig;
  /** Warehouse schema of the loaded tables (default "public"). */
  schema?: string;
}

export interface IngestResult {
  status: "SUCCEEDED" | "FAILED";
  error?: string;
  stats: TargetStats;
  /** For a failed ingest: whether a retry may work (run/failure.ts). */
  failure?: Failure;
}

type Step = (name: string, facts?: Record<string, unknown>) => Promise<void>;

const tableLocks = new Map<string, Promise<void>>();

/**
 * One load at a time per table in this process, by `<schema>.<table>` (ingest and cdc alike;
 * LOCK TABLE covers other processes).
 */
export async function withTableLock<T>(table: string, fn: () => Promise<T>): Promise<T> {
  const previous = tableLocks.get(table) ?? Promise.resolve();
  let release!: () => void;
  const mine = previous.then(() => new Promise<void>((r) => (release = r)));
  tableLocks.set(table, mine);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (tableLocks.get(table) === mine) tableLocks.delete(table);
  }
}

export async function ingestFile(
  deps: IngestDeps,
  runId: string,
  args: IngestArgs,
  step: Step = async () => {},
): Promise<IngestResult> {
  const quality = deps.quality ?? defaultQuality;
  const schema = deps.schema ?? "public";
  const { table, key: keyToAsk, keyAsked, settings } = resolveTarget(args, quality);
  let key = keyToAsk;
  const stats: TargetStats = {
    table,
    key,
    rowsRead: 0,
    rowsLoaded: 0,
    rowsQuarantined: 0,
    rowsInserted: 0,
    rowsUpdated: 0,
    rowsUnchanged: 0,
    columnsAdded: [],
    columnsWidened: [],
    sourceKey: args.sourceKey,
    errorKey: null,
    rejectsKey: null,
    failures: [],
    skippedRules: [],
    rejectThreshold: settings.rejectThreshold,
  };
  const wh = deps.warehouse;
  const tables = runTables(runId);

  /** The file cannot be loaded: it moves to error/ with the reason beside it. */
  const fail = async (reason: string, failure: Failure, detail = ""): Promise<IngestResult> => {
    const errorKey = await rejectFile(deps.lake, {
      runId,
      sourceKey: args.sourceKey,
      table,
      reason: reason + detail,
    });
    stats.sourceKey = errorKey;
    stats.errorKey = errorKey;
    // Recording the step is a courtesy: the ops store may be what failed.
    await step("file moved to error/", { sourceKey: errorKey, errorKey }).catch(() => {});
    return { status: "FAILED", error: reason, stats, failure };
  };

  /**
   * Anything else stopped the run — a bug, the warehouse going away: the file still moves to
   * error/ with the reason, so nothing waits in inbox/ to be tried again in a loop. Only when the
   * file has already moved, or cannot be moved, does the error go up (saying where the file is).
   */
  const crashed = async (err: unknown): Promise<IngestResult> => {
    if (stats.sourceKey !== args.sourceKey) throw err;
    const reason = crashReason(err, stats.rowsLoaded);
    // The stack helps whoever fixes a bug; it goes into the reason file, not the run's error.
    const stack = !(err instanceof VisibleError) && err instanceof Error ? err.stack : undefined;
    try {
      return await fail(reason, classifyError(err), stack ? `\n\n${stack}` : "");
    } catch (moveErr) {
      throw new Error(
        `${reason}; the file stays at ${args.sourceKey}: moving it to error/ failed too (${errorMessage(moveErr)})`,
        { cause: err },
      );
    }
  };

  try {
    key = await settleKey(wh, { schema, table, key, asked: keyAsked });
    stats.key = key;
    const staged = await readAndStage(deps.lake, args.sourceKey, key, {
      patterns: rulePatterns(quality.rules, table),
      onHeader: (header) => step("header read", { columns: header.length, table, key }),
      async stage(header, chunks) {
        for (const sql of stagingDdl(runId, header, wh.dialect)) await wh.query(sql);
        await wh.copyCsv(tables.staging, stagingColumns(header), chunks);
      },
    });
    if (!staged.ok) return await fail(staged.reason, fileNeedsFix);
    const { header, summary, malformed } = staged;
    stats.rowsRead = summary.rowsRead;
    await step("staged", { rowsRead: summary.rowsRead, malformed: summary.malformedCount });

    return await withTableLock(`${schema}.${table}`, async () => {
      const existing = await describeTable(wh, schema, table);
      const input: PlanInput = {
        runId,
        table,
        schema,
        key,
        dialect: wh.dialect,
        header,
        stats: summary.stats,
        rows: summary.rowsStaged,
        keyIncreasing: summary.keyIncreasing,
        merge: await supportsMerge(wh),
        existing,
        rules: quality.rules,
      };
      // A column a view is bound to cannot widen: say so, rather than fail mid-merge.
      if (existing && planColumns(input).some((c) => c.change === "widen")) {
        input.views = await boundViews(wh, schema, table);
      }
      let plan: Plan;
      try {
        plan = buildPlan(input);
      } catch (err) {
        if (err instanceof VisibleError && err.code === "ingest.widen_blocked_by_view") {
          return await fail(err.message, classifyError(err));
        }
        throw err;
      }
      stats.skippedRules = plan.skippedRules;
      const duplicateKeys = await runChecks(wh, plan);
      const found = await readCheckReport(wh, plan, summary.malformedCount);
      stats.failures = found.failures;
      stats.rowsQuarantined = found.quarantined;
      await step("checked", { rowsQuarantined: stats.rowsQuarantined, failures: stats.failures });

      // The rejects file and the failure records are written while the good rows merge.
      let rejectsWritten: Promise<void> = Promise.resolve();
      if (stats.rowsQuarantined > 0) {
        stats.rejectsKey = await rejectsKeyFor(deps.lake, {
          table,
          sourceKey: args.sourceKey,
          runId,
        });
        stats.errorKey = stats.rejectsKey;
        rejectsWritten = recordRejects(
          deps,
          {
            runId,
            table,
            sourceKey: args.sourceKey,
            columns: plan.columns.map((c) => c.name),
            rejectsAt: stats.rejectsKey,
          },
          rejectRowsFromWarehouse(wh, plan),
          malformed,
        );
      }
      if (overThreshold(stats.rowsQuarantined, stats.rowsRead, settings.rejectThreshold)) {
        await rejectsWritten;
        return fail(thresholdReason(stats), thresholdNeedsFix(table));
      }

      const merging =
        summary.rowsStaged > 0 ? selectAndMerge(wh, plan, duplicateKeys) : Promise.resolve(null);
      const [merged, written] = await Promise.allSettled([merging, rejectsWritten]);
      if (merged.status === "rejected") throw merged.reason;
      if (written.status === "rejected") {
        // The good rows are in: the reason must say so (a retry changes nothing for them).
        stats.rowsLoaded = merged.value?.loaded ?? 0;
        throw written.reason;
      }
      if (merged.value !== null) {
        stats.rowsLoaded = merged.value.loaded;
        stats.rowsInserted = merged.value.inserted;
        stats.rowsUpdated = merged.value.updated;
        stats.rowsUnchanged = merged.value.unchanged;
        Object.assign(stats, schemaChanges(plan));
        await recordSchemaChanges(deps.ops, {
          runId,
          table,
          sourceKey: args.sourceKey,
          columns: plan.columns,
        });
        await step("merged", { rowsLoaded: stats.rowsLoaded, columnsAdded: stats.columnsAdded });
      }
      await settleFailures(deps.ops, { runId, table, sourceKey: args.sourceKey });
      stats.sourceKey = await moveToProcessed(deps.lake, {
        runId,
        sourceKey: args.sourceKey,
        table,
      });
      if (stats.rowsQuarantined > 0) {
        await notifyQuarantine(deps.notifier, { ...stats, runId, sourceKey: args.sourceKey });
      }
      return { status: "SUCCEEDED" as const, stats };
    });
  } catch (err) {
    return await crashed(err);
  } finally {
    // Every scratch table of the run (staging, rejects, flagged, rejected, good).
    for (const t of Object.values(tables)) {
      await wh.query(`DROP TABLE IF EXISTS ${t}`).catch(() => {});
    }
  }
}

/** What the reason file says when the run stopped on an error rather than on the file's data. */
export function crashReason(err: unknown, rowsLoaded = 0): string {
  if (err instanceof VisibleError) return err.message;
  const loaded = rowsLoaded
    ? `Its ${rowsLoaded} good rows were merged before the error; a retry changes nothing for them.`
    : "Nothing was loaded from it.";
  return (
    `the ingest stopped on an unexpected error, not on this file's rows: ${errorMessage(err)}. ` +
    `${loaded} Once the cause is fixed, retry the run (or drop the file into inbox/ again).`
  );
}
