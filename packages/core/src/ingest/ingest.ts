// The ingest verb: one CSV file from the lake into its warehouse table. Reads the file once,
// streaming it into a text staging table; then, holding the table, plans (evolve, check, merge),
// quarantines the bad rows, merges the rest, and reports. The source file is never lost: it ends
// in processed/ or, with a reason file beside it, in error/.
import type { Notifier } from "../alert/alert";
import type { ObjectStore } from "../lake/lake";
import type { OpsDb } from "../ops/db";
import type { TableSettings } from "../quality/check";
import type { RuleSet } from "../quality/compile";
import { type FailureRecord, recordFailures } from "../quality/failures";
import {
  COLUMN_CHECKS,
  DEFAULT_TABLE_SETTINGS,
  SQL_DATA_QUALITY_RULES,
  TABLE_SETTINGS,
} from "../quality/rules";
import type { Stats } from "../run/run";
import { csvLine } from "../util/csv";
import { errorMessage, VisibleError } from "../util/error";
import { ident, normalizeName } from "../warehouse/ident";
import { describeTable, type Warehouse } from "../warehouse/warehouse";
import { type CsvReader, type MalformedRecord, openCsv } from "./csv-reader";
import {
  checkTable,
  destinationKey,
  fileName,
  rejectsKey,
  tableFromKey,
  withRunId,
} from "./naming";
import { buildPlan, type Plan, runTables, stagingColumns, stagingDdl } from "./plan";
import { recordSchemaChanges } from "./schema-history";

export interface QualityConfig {
  rules: RuleSet;
  tables: Record<string, TableSettings>;
  defaults: Required<TableSettings>;
}

/** The rules in rules.ts, as the platform runs them. */
export const defaultQuality: QualityConfig = {
  rules: { sql: SQL_DATA_QUALITY_RULES, columns: COLUMN_CHECKS },
  tables: TABLE_SETTINGS,
  defaults: DEFAULT_TABLE_SETTINGS,
};

export interface IngestDeps {
  lake: ObjectStore;
  warehouse: Warehouse;
  ops: OpsDb;
  notifier: Notifier;
  quality?: QualityConfig;
  /** Warehouse schema of the loaded tables (default "public"). */
  schema?: string;
}

export interface IngestArgs {
  sourceKey: string;
  table?: string;
  key?: string;
}

export interface FailureCount {
  rule: string;
  errorType: string;
  severity: string;
  count: number;
}

export interface IngestStats extends Stats {
  table: string;
  key: string;
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  columnsAdded: string[];
  columnsWidened: string[];
  /** Where the source file is now (processed/… or error/…). */
  sourceKey: string;
  /** Where the file went when it failed, else where its rejected rows are; null when none were. */
  errorKey: string | null;
  failures: FailureCount[];
  /** SQL rules that did not apply to this file, and why. */
  skippedRules: { rule: string; reason: string }[];
  rejectThreshold: number;
}

export interface IngestResult {
  status: "SUCCEEDED" | "FAILED";
  error?: string;
  stats: IngestStats;
}

type Step = (name: string, facts?: Record<string, unknown>) => Promise<void>;

const tableLocks = new Map<string, Promise<void>>();

/** One ingest at a time per table in this process (LOCK TABLE covers other processes). */
async function withTableLock<T>(table: string, fn: () => Promise<T>): Promise<T> {
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

const n = (v: unknown) => Number(v ?? 0);

export async function ingestFile(
  deps: IngestDeps,
  runId: string,
  args: IngestArgs,
  step: Step = async () => {},
): Promise<IngestResult> {
  const quality = deps.quality ?? defaultQuality;
  const schema = deps.schema ?? "public";
  const table = args.table
    ? checkTable(normalizeName(args.table), args.table)
    : tableFromKey(args.sourceKey);
  const settings = { ...quality.defaults, ...quality.tables[table] };
  const key = normalizeName(args.key ?? settings.key);
  const stats: IngestStats = {
    table,
    key,
    rowsRead: 0,
    rowsLoaded: 0,
    rowsQuarantined: 0,
    columnsAdded: [],
    columnsWidened: [],
    sourceKey: args.sourceKey,
    errorKey: null,
    failures: [],
    skippedRules: [],
    rejectThreshold: settings.rejectThreshold,
  };
  const wh = deps.warehouse;
  const tables = runTables(runId);

  /** The file cannot be loaded: it moves to error/ with the reason beside it. */
  const fail = async (reason: string): Promise<IngestResult> => {
    const errorKey = await moveSource(
      deps.lake,
      args.sourceKey,
      destinationKey("error", table, args.sourceKey),
      runId,
    );
    await deps.lake.put(
      `${errorKey}.reason.txt`,
      `${reason}\n\nrun: ${runId}\nsource: ${args.sourceKey}\ntable: ${table}\nat: ${new Date().toISOString()}\n`,
    );
    stats.sourceKey = errorKey;
    stats.errorKey = errorKey;
    await step("file moved to error/", { sourceKey: errorKey, errorKey });
    return { status: "FAILED", error: reason, stats };
  };

  let csv: CsvReader;
  const malformed: MalformedRecord[] = [];
  try {
    csv = await openCsv(await deps.lake.get(args.sourceKey), {
      onMalformed: (m) => malformed.push(m),
    });
  } catch (err) {
    if (err instanceof VisibleError && err.kind === "input")
      return fail(`${fileName(args.sourceKey)}: ${err.message}`);
    throw err;
  }
  if (!csv.header.some((h) => h.name === key)) {
    return fail(
      `${fileName(args.sourceKey)} has no key column "${key}" (its columns: ${csv.header.map((h) => h.name).join(", ")}); ingest it with --key, or set the table's key in rules.ts`,
    );
  }
  await step("header read", { columns: csv.header.length, table, key });

  try {
    for (const sql of stagingDdl(runId, csv.header, wh.dialect)) await wh.query(sql);
    try {
      await wh.copyCsv(tables.staging, stagingColumns(csv.header), csv.chunks());
    } catch (err) {
      if (err instanceof VisibleError && err.kind === "input")
        return await fail(`${fileName(args.sourceKey)}: ${err.message}`);
      throw err;
    }
    const summary = csv.summary();
    stats.rowsRead = summary.rowsRead;
    await step("staged", { rowsRead: summary.rowsRead, malformed: summary.malformedCount });

    return await withTableLock(`${schema}.${table}`, async () => {
      const existing = await describeTable(wh, schema, table);
      const plan = buildPlan({
        runId,
        table,
        schema,
        key,
        dialect: wh.dialect,
        header: csv.header,
        stats: summary.stats,
        existing,
        rules: quality.rules,
      });
      stats.skippedRules = plan.skippedRules;
      for (const c of plan.check) {
        try {
          await wh.query(c.sql);
        } catch (err) {
          throw new VisibleError(
            "input",
            "quality.rule_failed",
            `quality rule ${c.rule} could not run: ${errorMessage(err)}`,
          );
        }
      }
      const byRule = await wh.query<{
        rule: string;
        error_type: string;
        severity: string;
        n: unknown;
      }>(plan.report.failuresByRule);
      stats.failures = byRule.map((r) => ({
        rule: r.rule,
        errorType: r.error_type,
        severity: r.severity,
        count: n(r.n),
      }));
      if (malformed.length) {
        stats.failures.unshift({
          rule: "malformed_record",
          errorType: "malformed",
          severity: "error",
          count: summary.malformedCount,
        });
      }
      const [q] = await wh.query<{ n: unknown }>(plan.report.quarantined);
      stats.rowsQuarantined = n(q?.n) + summary.malformedCount;
      await step("checked", { rowsQuarantined: stats.rowsQuarantined, failures: stats.failures });

      const share = stats.rowsRead ? stats.rowsQuarantined / stats.rowsRead : 0;
      if (stats.rowsQuarantined > 0) {
        stats.errorKey = rejectsKey(table, args.sourceKey);
        await writeRejects(deps, plan, runId, args.sourceKey, malformed, stats.errorKey);
      }
      if (share > settings.rejectThreshold) {
        const pct = (share * 100).toFixed(1);
        return fail(
          `${stats.rowsQuarantined} of ${stats.rowsRead} records (${pct} %) failed quality rules, more than the ${table} table allows (${settings.rejectThreshold * 100} %); nothing was loaded. Fix the file, or raise rejectThreshold for ${table} in rules.ts, then retry. Rules failed: ${describeFailures(stats.failures)}`,
        );
      }

      if (summary.rowsStaged > 0) {
        for (const sql of plan.select) await wh.query(sql);
        const [loaded] = await wh.query<{ n: unknown }>(plan.report.loaded);
        await wh.transaction(async (tx) => {
          for (const sql of plan.merge) await tx.query(sql);
        });
        stats.rowsLoaded = n(loaded?.n);
        stats.columnsAdded = plan.columns
          .filter((c) => c.change === "create" || c.change === "add")
          .map((c) => c.name);
        stats.columnsWidened = plan.columns.filter((c) => c.change === "widen").map((c) => c.name);
        await recordSchemaChanges(deps.ops, {
          runId,
          table,
          sourceKey: args.sourceKey,
          columns: plan.columns,
        });
        await step("merged", { rowsLoaded: stats.rowsLoaded, columnsAdded: stats.columnsAdded });
      }
      const processed = await moveSource(
        deps.lake,
        args.sourceKey,
        destinationKey("processed", table, args.sourceKey),
        runId,
      );
      stats.sourceKey = processed;
      if (stats.rowsQuarantined > 0) {
        await deps.notifier.notify({
          kind: "quarantine",
          severity: "warning",
          title: `${table}: ${stats.rowsQuarantined} of ${stats.rowsRead} rows quarantined`,
          message: `${fileName(args.sourceKey)} loaded ${stats.rowsLoaded} rows; rejected rows are in ${stats.errorKey}. Rules failed: ${describeFailures(stats.failures)}`,
          runId,
        });
      }
      return { status: "SUCCEEDED" as const, stats };
    });
  } finally {
    for (const t of [tables.good, tables.rejects, tables.staging]) {
      await wh.query(`DROP TABLE IF EXISTS ${t}`).catch(() => {});
    }
  }
}

function describeFailures(failures: FailureCount[]): string {
  return failures
    .filter((f) => f.severity === "error")
    .map((f) => `${f.rule} (${f.count})`)
    .join(", ");
}

/** Move a source file, never over another file: a taken name gets the run id. */
async function moveSource(
  lake: ObjectStore,
  from: string,
  to: string,
  runId: string,
): Promise<string> {
  if (from === to) return to;
  const target = (await lake.exists(to)) ? withRunId(to, runId) : to;
  await lake.move(from, target);
  return target;
}

const PAGE_ROWS = 2000;
/** How many failures one run keeps in the ops store; the rejects file always has them all. */
export const MAX_FAILURES_STORED = 10_000;

/**
 * One pass over the rejected rows: the rejects file (error-severity rows, malformed records
 * included) and the ops store's failure records (warnings too, up to MAX_FAILURES_STORED).
 */
async function writeRejects(
  deps: IngestDeps,
  plan: Plan,
  runId: string,
  sourceKey: string,
  malformed: MalformedRecord[],
  rejectsAt: string,
) {
  const wh = deps.warehouse;
  const columns = plan.columns.map((c) => c.name);
  const now = new Date();
  let stored = 0;
  const toOps = async (records: FailureRecord[]) => {
    if (stored >= MAX_FAILURES_STORED) return;
    const batch = records.slice(0, MAX_FAILURES_STORED - stored);
    stored += batch.length;
    await recordFailures(deps.ops, batch);
  };
  const row = ident("_cdp_row");
  const page = `SELECT CAST(r.${row} AS text) AS "_cdp_n", r."rule" AS "_cdp_rule", r."error_type" AS "_cdp_error_type", r."severity" AS "_cdp_severity", r."description" AS "_cdp_description", s.* FROM ${plan.rejects} AS r JOIN ${plan.staging} AS s ON s.${row} = r.${row} WHERE r.${row} IN (SELECT DISTINCT ${row} FROM ${plan.rejects} WHERE ${row} > $1 ORDER BY ${row} LIMIT ${PAGE_ROWS}) ORDER BY r.${row}, r."rule"`;
  const base = { runId, tableName: plan.table, sourceKey, createdAt: now };

  async function* lines(): AsyncGenerator<string> {
    yield csvLine(["row", "rule", "error_type", "description", ...columns, "raw_record"]);
    let mi = 0;
    // Malformed records never reached staging; they are merged in by record number.
    const malformedBefore = (upTo: number, batch: FailureRecord[], out: string[]) => {
      while (mi < malformed.length && malformed[mi]!.recordNumber < upTo) {
        const m = malformed[mi++]!;
        batch.push({
          ...base,
          rule: "malformed_record",
          errorType: "malformed",
          severity: "error",
          description: m.reason,
          rowNumber: m.recordNumber,
          row: null,
          rawRecord: m.raw,
        });
        out.push(
          csvLine([
            m.recordNumber,
            "malformed_record",
            "malformed",
            m.reason,
            ...columns.map(() => null),
            m.raw,
          ]),
        );
      }
    };
    let after = 0;
    for (;;) {
      const rows = await wh.query<Record<string, string | null>>(page, [after]);
      const batch: FailureRecord[] = [];
      const out: string[] = [];
      for (const r of rows) {
        const rowNumber = Number(r._cdp_n);
        malformedBefore(rowNumber, batch, out);
        const values = Object.fromEntries(columns.map((c) => [c, r[c] ?? null]));
        batch.push({
          ...base,
          rule: r._cdp_rule!,
          errorType: r._cdp_error_type!,
          severity: r._cdp_severity!,
          description: r._cdp_description!,
          rowNumber,
          row: values,
          rawRecord: null,
        });
        if (r._cdp_severity === "error") {
          out.push(
            csvLine([
              rowNumber,
              r._cdp_rule,
              r._cdp_error_type,
              r._cdp_description,
              ...columns.map((c) => values[c]),
              null,
            ]),
          );
        }
        after = rowNumber;
      }
      if (!rows.length) malformedBefore(Number.POSITIVE_INFINITY, batch, out);
      await toOps(batch);
      if (out.length) yield out.join("");
      if (!rows.length) break;
    }
  }

  await deps.lake.put(
    rejectsAt,
    (async function* () {
      for await (const l of lines()) yield Buffer.from(l);
    })(),
  );
}
