// One DMS file applied to its table, locally: read once (streamed into a text staging table, its
// bytes hashed on the way), skipped when the ledger already has it, checked, its bad rows
// quarantined, then applied in one transaction (cdc/plan.ts). The file ends in processed/dms/…,
// or — when it cannot be applied (not DMS CSV, no key, too many bad rows) — in error/dms/… with
// the reason beside it. Anything else (the warehouse going away, a bug) is thrown and leaves the
// file where it was, for a retry.
import { createHash, type Hash } from "node:crypto";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import type { Notifier } from "../alert/alert";
import { type MalformedRecord, openCsv } from "../ingest/csv-reader";
import { checkReport, notifyQuarantine, overThreshold, thresholdReason } from "../ingest/findings";
import { moveSource } from "../ingest/lake-files";
import { defaultQuality, type QualityConfig } from "../ingest/model";
import { stagingColumns, stagingDdl } from "../ingest/plan";
import { recordRejects, rejectRowsFromWarehouse } from "../ingest/rejects";
import { recordSchemaChanges } from "../ingest/schema-history";
import { runChecks, STAGING_CHUNK_BYTES, schemaChanges, settleKey } from "../ingest/steps";
import type { ObjectStore } from "../lake/lake";
import type { OpsDb } from "../ops/db";
import { errorMessage, VisibleError } from "../util/error";
import { normalizeName } from "../warehouse/ident";
import { shareSchemaWithReader } from "../warehouse/read-only-sql";
import { describeTable, type Warehouse } from "../warehouse/warehouse";
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

/** The file's bytes, hashed as they pass (the ledger's identity), gunzipped when DMS zipped them. */
function readHashed(body: AsyncIterable<Buffer>, hash: Hash, gzip: boolean) {
  async function* hashed() {
    for await (const chunk of body) {
      hash.update(chunk);
      yield chunk;
    }
  }
  if (!gzip) return hashed();
  return pipeline(hashed(), createGunzip(), () => {});
}

/** A file-level problem (the file, not the platform): the file cannot be applied. */
function fileProblem(err: unknown): string | null {
  if (err instanceof VisibleError && err.kind === "input") return err.message;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("Z_")) {
    return `not a gzip file, though its name ends in .gz (${errorMessage(err)})`;
  }
  return null;
}

export async function applyDmsFile(
  deps: CdcDeps,
  runId: string,
  table: DmsTable,
  file: DmsFile,
  opts: { key?: string },
): Promise<FileResult> {
  const quality = deps.quality ?? defaultQuality;
  const wh = deps.warehouse;
  const settings = { ...quality.defaults, ...quality.tables[table.target] };
  const scratch = cdcTables(runId);
  const counts = noCounts();
  let key: string | null = null;

  const fail = async (reason: string): Promise<FileResult> => {
    const errorKey = await moveSource(deps.lake, file.key, doneKey("error", file.key), runId);
    await deps.lake.put(
      `${errorKey}.reason.txt`,
      `${reason}\n\nrun: ${runId}\nsource: ${file.key}\ntable: ${table.target}\nat: ${new Date().toISOString()}\n\n` +
        `Nothing of this file was applied. Fix it here, then retry the run (it moves the file back to dms/), or drop a fixed copy into dms/${table.source}/.\n`,
    );
    return { outcome: "failed", key, counts, movedTo: errorKey, reason };
  };

  try {
    const malformed: MalformedRecord[] = [];
    const hash = createHash("sha256");
    const body = readHashed(await deps.lake.get(file.key), hash, /\.gz$/i.test(file.name));
    let csv: Awaited<ReturnType<typeof openCsv>>;
    try {
      csv = await openCsv(body, {
        onMalformed: (m) => malformed.push(m),
        chunkBytes: STAGING_CHUNK_BYTES,
      });
    } catch (err) {
      const problem = fileProblem(err);
      if (problem) return await fail(`${file.name}: ${problem}`);
      throw err;
    }
    const header = csv.header;
    const data = header.filter((h) => !DMS_NAMES.has(h.name));
    if (!data.length) return await fail(`${file.name} has no data columns, only DMS's`);
    // The key: --key, else the table's key in rules.ts, else the first data column. An existing
    // table is applied by its own primary key.
    const configured = quality.tables[table.target]?.key;
    key = normalizeName(opts.key ?? configured ?? data[0]!.name);
    try {
      key = await settleKey(wh, {
        schema: table.schema,
        table: table.table,
        key,
        asked: opts.key !== undefined || configured !== undefined,
      });
    } catch (err) {
      const problem = fileProblem(err);
      if (problem) return await fail(problem);
      throw err;
    }

    try {
      await wh.transaction(async (tx) => {
        for (const sql of stagingDdl(runId, header, wh.dialect)) await tx.query(sql);
      });
      await wh.copyCsv(scratch.staging, stagingColumns(header), csv.chunks());
    } catch (err) {
      const problem = fileProblem(err);
      if (problem) return await fail(`${file.name}: ${problem}`);
      throw err;
    }
    const summary = csv.summary();
    // The planner's row counts for the statements to come (PostgreSQL estimates an unanalysed
    // table from its size and picks poor joins).
    if (wh.kind === "postgres") await wh.query(`ANALYZE ${scratch.staging}`);
    counts.changes = summary.rowsRead;

    let plan: CdcPlan;
    try {
      plan = buildCdcPlan({
        runId,
        file: { key: ledgerKey(file.key), sha256: hash.digest("hex"), kind: file.kind },
        schema: table.schema,
        table: table.table,
        tombstones: tombstoneTable(table),
        key,
        dialect: wh.dialect,
        header,
        stats: summary.stats,
        rows: summary.rowsStaged,
        existing: await describeTable(wh, table.schema, table.table),
        rules: quality.rules,
        appliedAt: new Date(),
      });
    } catch (err) {
      const problem = fileProblem(err);
      if (problem) return await fail(`${file.name}: ${problem}`);
      throw err;
    }
    await ensure(wh, plan.ensure);
    if (plan.alreadyApplied) {
      const [seen] = await wh.query<{ n: unknown }>(plan.alreadyApplied);
      if (n(seen?.n) > 0) {
        const movedTo = await moveSource(
          deps.lake,
          file.key,
          doneKey("processed", file.key),
          runId,
        );
        return { outcome: "skipped", key, counts: { ...noCounts(), changes: 0 }, movedTo };
      }
    }

    try {
      await runChecks(wh, plan);
    } catch (err) {
      const problem = fileProblem(err);
      if (problem) return await fail(`${file.name}: ${problem}`);
      throw err;
    }
    const byRule = await wh.query<{
      rule: string;
      error_type: string;
      severity: string;
      n: unknown;
    }>(plan.report.failuresByRule);
    const [q] = await wh.query<{ n: unknown }>(plan.report.quarantined);
    const found = checkReport(byRule, q?.n, malformed.length);
    counts.quarantined = found.quarantined;
    let rejectsKey: string | undefined;
    if (found.quarantined > 0) {
      rejectsKey = cdcRejectsKey(file.key);
      await recordRejects(
        deps,
        {
          runId,
          table: table.target,
          sourceKey: file.key,
          columns: plan.staged.map((c) => c.name),
          rejectsAt: rejectsKey,
        },
        rejectRowsFromWarehouse(wh, { ...plan, columns: plan.staged }),
        malformed,
      );
    }
    if (overThreshold(found.quarantined, summary.rowsRead, settings.rejectThreshold)) {
      const reason = thresholdReason({
        table: table.target,
        rowsRead: summary.rowsRead,
        rowsQuarantined: found.quarantined,
        rejectThreshold: settings.rejectThreshold,
        failures: found.failures,
      });
      return { ...(await fail(reason)), rejectsKey };
    }

    const actions = await wh.transaction(async (tx) => {
      if (wh.kind === "postgres") {
        // A file's changes sorted in memory, not on disk (PostgreSQL's 4MB default spills a file
        // of 100,000 changes; not on PGlite, whose memory is never given back); and no JIT, which
        // takes longer to compile these statements than they take to run.
        await tx.query("SET LOCAL work_mem = '64MB'");
        await tx.query("SET LOCAL jit = off");
      }
      for (const sql of plan.apply) await tx.query(sql);
      return tx.query<{ action: string; n: unknown }>(plan.report.actions);
    });
    // A table in a new schema: readable through the SQL endpoint (`cdp sql`) like the others.
    if (!plan.alreadyApplied) await shareSchemaWithReader(wh, table.schema);
    const by = new Map(actions.map((a) => [a.action, n(a.n)]));
    counts.inserted = by.get("I") ?? 0;
    counts.updated = by.get("U") ?? 0;
    counts.deleted = by.get("D") ?? 0;
    counts.skippedStale = by.get("S") ?? 0;
    const lastChanges = [...by.values()].reduce((a, b) => a + b, 0);
    const stagedQuarantined = found.quarantined - malformed.length;
    counts.superseded = Math.max(0, summary.rowsStaged - stagedQuarantined - lastChanges);
    Object.assign(counts, schemaChanges(plan));
    await recordSchemaChanges(deps.ops, {
      runId,
      table: table.target,
      sourceKey: file.key,
      columns: plan.columns,
    });
    const movedTo = await moveSource(deps.lake, file.key, doneKey("processed", file.key), runId);
    if (found.quarantined > 0) {
      await notifyQuarantine(deps.notifier, {
        runId,
        table: table.target,
        sourceKey: file.key,
        rowsRead: summary.rowsRead,
        rowsLoaded: counts.inserted + counts.updated + counts.deleted,
        rowsQuarantined: found.quarantined,
        errorKey: rejectsKey ?? null,
        failures: found.failures,
      });
    }
    return { outcome: "applied", key, counts, movedTo, rejectsKey };
  } finally {
    // One statement, one commit (PostgreSQL and Redshift both drop a list of tables).
    await wh.query(`DROP TABLE IF EXISTS ${Object.values(scratch).join(", ")}`).catch(() => {});
  }
}

/**
 * The target schema and the ledger, created when missing. Two runs creating them at once race
 * inside PostgreSQL's catalog (a unique violation on `IF NOT EXISTS`): the loser finds them made.
 */
async function ensure(wh: Warehouse, statements: string[]) {
  for (const sql of statements) {
    try {
      await wh.query(sql);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code !== "23505" && code !== "42P06" && code !== "42P07") throw err;
    }
  }
}
