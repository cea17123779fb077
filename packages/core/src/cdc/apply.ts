// One DMS file applied to its table, locally, in two phases. `prepareFile` reads the file once
// (streamed into a text staging table, its bytes hashed on the way), skips it when the ledger
// already has it, and runs the checks; `commitFile` quarantines the bad rows and applies the rest
// in one transaction (cdc/plan.ts). A table's next files are staged and checked while the one
// before them commits (cdc.ts): a file's staging never touches its table. It ends in
// processed/dms/…, or — when it cannot be applied (not DMS CSV, no key, too many bad rows) — in
// error/dms/… with the reason beside it. Anything else (the warehouse going away, a bug) is thrown
// and leaves the file where it was, for a retry.
import { createHash } from "node:crypto";
import type { Notifier } from "../alert/alert";
import type { CsvColumn, CsvSummary, MalformedRecord } from "../ingest/csv-reader";
import { openCsv } from "../ingest/csv-reader";
import {
  type CheckReport,
  checkReport,
  notifyQuarantine,
  overThreshold,
  thresholdReason,
} from "../ingest/findings";
import { moveSource } from "../ingest/lake-files";
import { defaultQuality, type QualityConfig } from "../ingest/model";
import { stagingColumns, stagingDdl } from "../ingest/plan";
import { recordRejects, rejectRowsFromWarehouse } from "../ingest/rejects";
import { recordSchemaChanges } from "../ingest/schema-history";
import { runChecks, STAGING_CHUNK_BYTES, schemaChanges, settleKey } from "../ingest/steps";
import type { ObjectStore } from "../lake/lake";
import type { OpsDb } from "../ops/db";
import { rulePatterns } from "../quality/compile";
import { faultPoint } from "../util/fault";
import { normalizeName } from "../warehouse/ident";
import { shareSchemaWithReader } from "../warehouse/read-only-sql";
import {
  type ColumnInfo,
  describeTable,
  supportsMerge,
  type Warehouse,
} from "../warehouse/warehouse";
import { ensure, fileProblem, readHashed } from "./file-input";
import {
  cdcRejectsKey,
  type DmsFile,
  type DmsTable,
  doneKey,
  ledgerKey,
  tombstoneTable,
} from "./files";
import { DMS_COLUMNS, type FileOutcome, type TableCounts } from "./model";
import { buildCdcPlan, type CdcPlan, cdcTables } from "./plan";

export interface CdcDeps {
  lake: ObjectStore;
  warehouse: Warehouse;
  ops: OpsDb;
  notifier: Notifier;
  quality?: QualityConfig;
}

export type Step = (name: string, facts?: Record<string, unknown>) => Promise<void>;

/** The counts of one file, added into its table's. */
export type FileCounts = Pick<
  TableCounts,
  | "changes"
  | "inserted"
  | "updated"
  | "deleted"
  | "skippedStale"
  | "superseded"
  | "quarantined"
  | "columnsAdded"
  | "columnsWidened"
>;

export interface FileResult {
  outcome: FileOutcome;
  key: string | null;
  counts: FileCounts;
  /** processed/dms/… or error/dms/… */
  movedTo: string;
  reason?: string;
  rejectsKey?: string;
}

/** A staged and checked file, waiting for its turn to commit. */
export interface Prepared {
  outcome: "prepared";
  plan: CdcPlan;
  header: readonly CsvColumn[];
  key: string;
  /** The key was asked for (--key, or rules.ts), not the first column. */
  asked: boolean;
  /** Whether the target existed when the plan was made. */
  existing: ColumnInfo[] | null;
  summary: CsvSummary;
  malformed: MalformedRecord[];
  found: CheckReport;
  sha256: string;
  /** Drops the file's scratch tables. */
  cleanup(): Promise<void>;
}

/** Which run a file belongs to, and the name its scratch tables go by. */
export interface FileContext {
  runId: string;
  scratch: string;
  key?: string;
  /** Called once the file is read and staged (the reader is free for the next file). */
  onStaged?: () => void;
  /** The run's DDL already ensured (`ensure`): each schema and table is made once a run. */
  ensured?: Set<string>;
}

const n = (v: unknown) => Number(v ?? 0);
const DMS_NAMES = new Set<string>(Object.values(DMS_COLUMNS));

export function noCounts(): FileCounts {
  return {
    changes: 0,
    inserted: 0,
    updated: 0,
    deleted: 0,
    skippedStale: 0,
    superseded: 0,
    quarantined: 0,
    columnsAdded: [],
    columnsWidened: [],
  };
}

/** Thrown inside a phase to end the file as failed (moved to error/ with this reason). */
class FileFailure extends Error {}

/** Run `fn`; a file-level problem becomes a FileFailure (prefixed with the file's name). */
async function asFile<T>(file: DmsFile, fn: () => Promise<T>, prefix = true): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const problem = fileProblem(err);
    if (problem) throw new FileFailure(prefix ? `${file.name}: ${problem}` : problem);
    throw err;
  }
}

/** The file cannot be applied: it moves to error/dms/… with the reason beside it. */
export async function failFile(
  deps: CdcDeps,
  ctx: FileContext,
  table: DmsTable,
  file: DmsFile,
  reason: string,
  key: string | null,
  counts = noCounts(),
): Promise<FileResult> {
  const errorKey = await moveSource(deps.lake, file.key, doneKey("error", file.key), ctx.runId);
  await deps.lake.put(
    `${errorKey}.reason.txt`,
    `${reason}\n\nrun: ${ctx.runId}\nsource: ${file.key}\ntable: ${table.target}\nat: ${new Date().toISOString()}\n\n` +
      `Nothing of this file was applied. Fix it here, then retry the run (it moves the file back to dms/), or drop a fixed copy into dms/${table.source}/.\n`,
  );
  return { outcome: "failed", key, counts, movedTo: errorKey, reason };
}

export async function skipFile(deps: CdcDeps, ctx: FileContext, file: DmsFile, key: string) {
  const movedTo = await moveSource(deps.lake, file.key, doneKey("processed", file.key), ctx.runId);
  return { outcome: "skipped" as const, key, counts: noCounts(), movedTo };
}

/** PostgreSQL settings for the statements that sort and join a file's changes. */
async function tune(wh: Warehouse, tx: { query(sql: string): Promise<unknown> }) {
  if (wh.kind !== "postgres") return;
  // A file's changes sorted in memory, not on disk (PostgreSQL's 4MB default spills a file of
  // 100,000 changes; not on PGlite, whose memory is never given back); and no JIT, which takes
  // longer to compile these statements than they take to run.
  await tx.query("SET LOCAL work_mem = '64MB'");
  await tx.query("SET LOCAL jit = off");
}

/** The checks of a plan, run and counted; then the last good change of each key, typed. */
async function check(wh: Warehouse, plan: CdcPlan, malformed: number): Promise<CheckReport> {
  const select = (statements: string[]) =>
    wh.transaction(async (tx) => {
      await tune(wh, tx);
      for (const sql of statements) await tx.query(sql);
    });
  // The last changes are picked from every staged row while the checks run (a file's checks
  // rarely fail): when none failed, that is what picking after them gives; when one did, they
  // are picked again without the quarantined rows. PostgreSQL only: PGlite has one connection,
  // and the plan run on Redshift keeps the order.
  const early = wh.kind === "postgres" ? select(plan.selectUnchecked) : null;
  early?.catch(() => {});
  try {
    await runChecks(wh, plan);
  } catch (err) {
    await early?.catch(() => {}); // not left running into the cleanup
    throw err;
  }
  const byRule = await wh.query<{ rule: string; error_type: string; severity: string; n: unknown }>(
    plan.report.failuresByRule,
  );
  const [q] = await wh.query<{ n: unknown }>(plan.report.quarantined);
  // An early pick can fail on a value the checks quarantine (a cast): picked again.
  const again = early
    ? await early.then(
        () => n(q?.n) > 0,
        () => true,
      )
    : true;
  if (again) await select(plan.select);
  return checkReport(byRule, q?.n, malformed);
}

/** What of a plan its checks depend on: the key and each data column's type. */
const checkedShape = (plan: CdcPlan) =>
  JSON.stringify([plan.key, plan.columns.map((c) => [c.name, c.type])]);

export async function prepareFile(
  deps: CdcDeps,
  ctx: FileContext,
  table: DmsTable,
  file: DmsFile,
): Promise<Prepared | FileResult> {
  const quality = deps.quality ?? defaultQuality;
  const wh = deps.warehouse;
  const scratch = cdcTables(ctx.scratch);
  const cleanup = async () => {
    // One statement, one commit (PostgreSQL and Redshift both drop a list of tables).
    await wh.query(`DROP TABLE IF EXISTS ${Object.values(scratch).join(", ")}`).catch(() => {});
  };
  let key: string | null = null;
  try {
    const malformed: MalformedRecord[] = [];
    const hash = createHash("sha256");
    const body = readHashed(await deps.lake.get(file.key), hash, /\.gz$/i.test(file.name));
    const csv = await asFile(file, () =>
      openCsv(body, {
        onMalformed: (m) => malformed.push(m),
        chunkBytes: STAGING_CHUNK_BYTES,
        sequence: DMS_COLUMNS.changeSeq,
        op: DMS_COLUMNS.op,
        patterns: rulePatterns(quality.rules, table.target),
      }),
    );
    const header = csv.header;
    const data = header.filter((h) => !DMS_NAMES.has(h.name));
    if (!data.length) throw new FileFailure(`${file.name} has no data columns, only DMS's`);
    // The key: --key, else the table's key in rules.ts, else the first data column. An existing
    // table is applied by its own primary key.
    const configured = quality.tables[table.target]?.key;
    key = normalizeName(ctx.key ?? configured ?? data[0]!.name);
    const asked = ctx.key !== undefined || configured !== undefined;
    const settled = await asFile(
      file,
      () => settleKey(wh, { schema: table.schema, table: table.table, key: key!, asked }),
      false,
    );
    key = settled;
    // Each key's last record, for the pick made while the checks run: PostgreSQL only (check()).
    if (wh.kind === "postgres") csv.trackLastOfKey(settled);
    await asFile(file, async () => {
      const ddl = stagingDdl(ctx.scratch, header, wh.dialect);
      const schema = ddl.filter((sql) => sql.startsWith("CREATE SCHEMA"));
      await ensure(wh, schema, ctx.ensured);
      await wh.transaction(async (tx) => {
        for (const sql of ddl) if (!schema.includes(sql)) await tx.query(sql);
        // Like the plan's scratch tables (plan.ts): no autovacuum on a table dropped in seconds.
        if (wh.kind === "postgres")
          await tx.query(`ALTER TABLE ${scratch.staging} SET (autovacuum_enabled = off)`);
      });
      await wh.copyCsv(scratch.staging, stagingColumns(header), csv.chunks());
      ctx.onStaged?.();
    });
    const summary = csv.summary();
    const sha256 = hash.digest("hex");
    if (summary.rowsRead === 0) {
      // A header and no change: nothing to apply (and no table to make of types never seen).
      await cleanup();
      const movedTo = await moveSource(
        deps.lake,
        file.key,
        doneKey("processed", file.key),
        ctx.runId,
      );
      return { outcome: "applied", key: settled, counts: noCounts(), movedTo };
    }
    const existing = await describeTable(wh, table.schema, table.table);
    const plan = await asFile(file, async () =>
      buildCdcPlan({
        runId: ctx.runId,
        scratch: ctx.scratch,
        file: { key: ledgerKey(file.key), sha256, kind: file.kind },
        schema: table.schema,
        table: table.table,
        tombstones: tombstoneTable(table),
        key: settled,
        dialect: wh.dialect,
        header,
        stats: summary.stats,
        seqOrdered: summary.sequenceOrdered,
        ops: summary.ops,
        lastOfKey: summary.lastOfKey,
        merge: await supportsMerge(wh),
        rows: summary.rowsStaged,
        rowsRead: summary.rowsRead,
        existing,
        rules: quality.rules,
        appliedAt: new Date(),
      }),
    );
    await ensure(wh, plan.ensure, ctx.ensured);
    if (plan.alreadyApplied && (await alreadyApplied(wh, plan))) {
      await cleanup();
      return await skipFile(deps, ctx, file, settled);
    }
    const found = await asFile(file, () => check(wh, plan, malformed.length));
    return {
      outcome: "prepared",
      plan,
      header,
      key: settled,
      asked,
      existing,
      summary,
      malformed,
      found,
      sha256,
      cleanup,
    };
  } catch (err) {
    await cleanup();
    if (err instanceof FileFailure) return failFile(deps, ctx, table, file, err.message, key);
    throw err;
  }
}

export async function alreadyApplied(wh: Warehouse, plan: CdcPlan): Promise<boolean> {
  if (!plan.alreadyApplied) return false;
  const [seen] = await wh.query<{ n: unknown }>(plan.alreadyApplied);
  return n(seen?.n) > 0;
}

export async function commitFile(
  deps: CdcDeps,
  ctx: FileContext,
  table: DmsTable,
  file: DmsFile,
  p: Prepared,
): Promise<FileResult> {
  const quality = deps.quality ?? defaultQuality;
  const wh = deps.warehouse;
  const settings = { ...quality.defaults, ...quality.tables[table.target] };
  const counts = noCounts();
  counts.changes = p.summary.rowsRead;
  let { plan, found } = p;
  try {
    // The file before this one may have made or changed the table since the plan was made: plan
    // again, and check again when what the checks depend on changed.
    const existing = await describeTable(wh, table.schema, table.table);
    if (JSON.stringify(existing) !== JSON.stringify(p.existing)) {
      const replanned = await asFile(file, async () =>
        buildCdcPlan({
          runId: ctx.runId,
          scratch: ctx.scratch,
          file: { key: ledgerKey(file.key), sha256: p.sha256, kind: file.kind },
          schema: table.schema,
          table: table.table,
          tombstones: tombstoneTable(table),
          key: await settleKey(wh, {
            schema: table.schema,
            table: table.table,
            key: p.key,
            asked: p.asked,
          }),
          dialect: wh.dialect,
          header: p.header,
          stats: p.summary.stats,
          seqOrdered: p.summary.sequenceOrdered,
          ops: p.summary.ops,
          lastOfKey: p.summary.lastOfKey,
          merge: await supportsMerge(wh),
          rows: p.summary.rowsStaged,
          rowsRead: p.summary.rowsRead,
          existing,
          rules: quality.rules,
          appliedAt: new Date(),
        }),
      );
      if (await alreadyApplied(wh, replanned)) return await skipFile(deps, ctx, file, p.key);
      if (checkedShape(replanned) !== checkedShape(plan)) {
        await wh.query(`DELETE FROM ${replanned.rejects}`);
        await wh.query(`DROP TABLE IF EXISTS ${replanned.flagged}, ${replanned.flagged2}`);
        found = await asFile(file, () => check(wh, replanned, p.malformed.length));
      }
      plan = replanned;
    }
    counts.quarantined = found.quarantined;
    let rejectsKey: string | undefined;
    if (found.quarantined > 0) {
      rejectsKey = cdcRejectsKey(file.key);
      await recordRejects(
        deps,
        {
          runId: ctx.runId,
          table: table.target,
          sourceKey: file.key,
          columns: plan.staged.map((c) => c.name),
          rejectsAt: rejectsKey,
        },
        rejectRowsFromWarehouse(wh, { ...plan, columns: plan.staged }),
        p.malformed,
      );
    }
    if (overThreshold(found.quarantined, p.summary.rowsRead, settings.rejectThreshold)) {
      const reason = thresholdReason({
        table: table.target,
        rowsRead: p.summary.rowsRead,
        rowsQuarantined: found.quarantined,
        rejectThreshold: settings.rejectThreshold,
        failures: found.failures,
      });
      return { ...(await failFile(deps, ctx, table, file, reason, p.key, counts)), rejectsKey };
    }

    const actions = await wh.transaction(async (tx) => {
      await tune(wh, tx);
      for (const sql of plan.apply) await tx.query(sql);
      const [row] = await tx.query<Record<string, unknown>>(plan.report.actions);
      await faultPoint("cdc.commit");
      return row ?? {};
    });
    // A table in a new schema: readable through the SQL endpoint (`cdp sql`) like the others.
    if (!plan.alreadyApplied) await shareSchemaWithReader(wh, table.schema);
    counts.inserted = n(actions.inserted);
    counts.updated = n(actions.updated);
    counts.deleted = n(actions.deleted);
    counts.skippedStale = n(actions.skipped_stale);
    const lastChanges = counts.inserted + counts.updated + counts.deleted + counts.skippedStale;
    const stagedQuarantined = found.quarantined - p.malformed.length;
    counts.superseded = Math.max(0, p.summary.rowsStaged - stagedQuarantined - lastChanges);
    Object.assign(counts, schemaChanges(plan));
    await recordSchemaChanges(deps.ops, {
      runId: ctx.runId,
      table: table.target,
      sourceKey: file.key,
      columns: plan.columns,
    });
    const movedTo = await moveSource(
      deps.lake,
      file.key,
      doneKey("processed", file.key),
      ctx.runId,
    );
    if (found.quarantined > 0) {
      await notifyQuarantine(deps.notifier, {
        runId: ctx.runId,
        table: table.target,
        sourceKey: file.key,
        rowsRead: p.summary.rowsRead,
        rowsLoaded: counts.inserted + counts.updated + counts.deleted,
        rowsQuarantined: found.quarantined,
        errorKey: rejectsKey ?? null,
        failures: found.failures,
      });
    }
    return { outcome: "applied", key: plan.key, counts, movedTo, rejectsKey };
  } catch (err) {
    if (err instanceof FileFailure) {
      return failFile(deps, ctx, table, file, err.message, p.key, counts);
    }
    throw err;
  } finally {
    await p.cleanup();
  }
}

/** One file, prepared and committed (the run overlaps the two phases of consecutive files). */
export async function applyDmsFile(
  deps: CdcDeps,
  ctx: FileContext,
  table: DmsTable,
  file: DmsFile,
): Promise<FileResult> {
  const p = await prepareFile(deps, ctx, table, file);
  return p.outcome === "prepared" ? commitFile(deps, ctx, table, file, p) : p;
}
