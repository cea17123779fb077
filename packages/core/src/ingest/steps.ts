// The steps of an ingest that both executors take: the local one (ingest.ts, in one process) and
// the state machine's (machine.ts: plan Lambda → Glue job → report Lambda). Reading and staging
// the file, running the checks and reading what they found, the reject threshold, the rejects
// file and failure records, and where the source file goes are written once, here.
import type { Readable } from "node:stream";
import type { Notifier } from "../alert/alert";
import type { ObjectStore } from "../lake/lake";
import type { OpsDb } from "../ops/db";
import { type FailureRecord, recordFailures } from "../quality/failures";
import { csvLine } from "../util/csv";
import { errorMessage, VisibleError } from "../util/error";
import { ident, normalizeName } from "../warehouse/ident";
import type { SqlRunner, Warehouse } from "../warehouse/warehouse";
import { type CsvColumn, type CsvSummary, type MalformedRecord, openCsv } from "./csv-reader";
import type { FailureCount, QualityConfig } from "./ingest";
import { checkTable, destinationKey, fileName, tableFromKey, withRunId } from "./naming";
import type { Plan } from "./plan";

const n = (v: unknown) => Number(v ?? 0);

/** The table a source file loads into, its upsert key, and the table's quality settings. */
export function resolveTarget(
  args: { sourceKey: string; table?: string; key?: string },
  quality: QualityConfig,
) {
  const table = args.table
    ? checkTable(normalizeName(args.table), args.table)
    : tableFromKey(args.sourceKey);
  const settings = { ...quality.defaults, ...quality.tables[table] };
  const key = normalizeName(args.key ?? settings.key);
  return { table, key, settings };
}

// ── Where the source file goes ──────────────────────────────────────────────────────────────

/** Move a source file, never over another file: a taken name gets the run id. */
export async function moveSource(
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

/** The file cannot be loaded: it moves to error/<table>/ with the reason in a file beside it. */
export async function rejectFile(
  lake: ObjectStore,
  f: { runId: string; sourceKey: string; table: string; reason: string },
): Promise<string> {
  const errorKey = await moveSource(
    lake,
    f.sourceKey,
    destinationKey("error", f.table, f.sourceKey),
    f.runId,
  );
  await lake.put(
    `${errorKey}.reason.txt`,
    `${f.reason}\n\nrun: ${f.runId}\nsource: ${f.sourceKey}\ntable: ${f.table}\nat: ${new Date().toISOString()}\n`,
  );
  return errorKey;
}

/** The file was ingested (wholly or with its bad rows quarantined): it moves to processed/. */
export function moveToProcessed(
  lake: ObjectStore,
  f: { runId: string; sourceKey: string; table: string },
): Promise<string> {
  return moveSource(lake, f.sourceKey, destinationKey("processed", f.table, f.sourceKey), f.runId);
}

// ── Read the file once, staging it ──────────────────────────────────────────────────────────

/**
 * Staging chunk size. Each chunk is copied on its way into the warehouse (PGlite: Buffer → Blob →
 * wasm); 1 MiB keeps those copies from piling up faster than V8 collects them, at no cost in speed.
 */
export const STAGING_CHUNK_BYTES = 1 << 20;

export type Staged =
  | { ok: true; header: readonly CsvColumn[]; summary: CsvSummary; malformed: MalformedRecord[] }
  | { ok: false; reason: string };

/**
 * Read the source file once: check the header has the key column, then hand the staging chunks
 * to `stage` (locally: COPY into the staging table; on AWS: write the staging CSV to the lake for
 * Redshift's COPY). A file-level problem (not CSV, not UTF-8, no key column) is a reason the
 * file cannot be loaded, not an error.
 */
export async function readAndStage(
  lake: ObjectStore,
  sourceKey: string,
  key: string,
  hooks: {
    onHeader?: (header: readonly CsvColumn[]) => Promise<void>;
    stage: (header: readonly CsvColumn[], chunks: AsyncGenerator<Buffer>) => Promise<void>;
  },
): Promise<Staged> {
  const malformed: MalformedRecord[] = [];
  const unusable = (err: unknown) =>
    err instanceof VisibleError && err.kind === "input"
      ? { ok: false as const, reason: `${fileName(sourceKey)}: ${err.message}` }
      : null;
  let csv: Awaited<ReturnType<typeof openCsv>>;
  try {
    csv = await openCsv(await lake.get(sourceKey), {
      onMalformed: (m) => malformed.push(m),
      chunkBytes: STAGING_CHUNK_BYTES,
      key,
    });
  } catch (err) {
    const r = unusable(err);
    if (r) return r;
    throw err;
  }
  if (!csv.header.some((h) => h.name === key)) {
    return {
      ok: false,
      reason: `${fileName(sourceKey)} has no key column "${key}" (its columns: ${csv.header.map((h) => h.name).join(", ")}); ingest it with --key, or set the table's key in rules.ts`,
    };
  }
  await hooks.onHeader?.(csv.header);
  try {
    await hooks.stage(csv.header, csv.chunks());
  } catch (err) {
    const r = unusable(err);
    if (r) return r;
    throw err;
  }
  return { ok: true, header: csv.header, summary: csv.summary(), malformed };
}

// ── Checks and what they found ──────────────────────────────────────────────────────────────

/**
 * Run the plan's checks — the independent scans at once (separate connections on PostgreSQL),
 * then the rest in order — and count repeated keys alongside (unless the reader already proved
 * none repeats). A rule that cannot run names itself. Returns how many staged rows repeat a key.
 */
export async function runChecks(sql: SqlRunner, plan: Plan): Promise<number> {
  const run = async (c: Plan["check"][number]) => {
    try {
      await sql.query(c.sql);
    } catch (err) {
      throw new VisibleError(
        "input",
        "quality.rule_failed",
        `quality rule ${c.rule} could not run: ${errorMessage(err)}`,
      );
    }
  };
  const [, duplicates] = await Promise.all([
    Promise.all(plan.check.filter((c) => c.concurrent).map(run)),
    plan.duplicateKeys === null ? [{ n: 0 }] : sql.query<{ n: unknown }>(plan.duplicateKeys),
  ]);
  for (const c of plan.check.filter((c) => !c.concurrent)) await run(c);
  return n(duplicates[0]?.n);
}

/** A row of the plan's `report.failuresByRule` query, as any engine returns it. */
export interface RuleCountRow {
  rule: string;
  error_type: string;
  severity: string;
  n: unknown;
}

export interface CheckReport {
  failures: FailureCount[];
  /** Records rejected: staged rows failing an error rule, plus malformed records. */
  quarantined: number;
}

/** What the checks found, malformed records (which never reached staging) included. */
export function checkReport(
  byRule: RuleCountRow[],
  quarantinedStaged: unknown,
  malformedCount: number,
): CheckReport {
  const failures = byRule.map((r) => ({
    rule: r.rule,
    errorType: r.error_type,
    severity: r.severity,
    count: n(r.n),
  }));
  if (malformedCount) {
    failures.unshift({
      rule: "malformed_record",
      errorType: "malformed",
      severity: "error",
      count: malformedCount,
    });
  }
  return { failures, quarantined: n(quarantinedStaged) + malformedCount };
}

export async function readCheckReport(
  sql: SqlRunner,
  plan: Plan,
  malformedCount: number,
): Promise<CheckReport> {
  const byRule = await sql.query<RuleCountRow>(plan.report.failuresByRule);
  const [q] = await sql.query<{ n: unknown }>(plan.report.quarantined);
  return checkReport(byRule, q?.n, malformedCount);
}

// ── The reject threshold ────────────────────────────────────────────────────────────────────

/**
 * The most records a file of `rowsRead` may have rejected and still load: the largest q with
 * q / rowsRead ≤ threshold, computed with the same arithmetic as `overThreshold`, so the Glue
 * job's gate (which only compares integers) and the local executor agree to the record.
 */
export function maxQuarantined(rowsRead: number, threshold: number): number {
  if (rowsRead <= 0) return 0;
  let m = Math.max(0, Math.floor(threshold * rowsRead));
  while (m < rowsRead && (m + 1) / rowsRead <= threshold) m++;
  while (m > 0 && m / rowsRead > threshold) m--;
  return m;
}

export function overThreshold(quarantined: number, rowsRead: number, threshold: number): boolean {
  return quarantined > maxQuarantined(rowsRead, threshold);
}

export function describeFailures(failures: FailureCount[]): string {
  return failures
    .filter((f) => f.severity === "error")
    .map((f) => `${f.rule} (${f.count})`)
    .join(", ");
}

export function thresholdReason(s: {
  table: string;
  rowsRead: number;
  rowsQuarantined: number;
  rejectThreshold: number;
  failures: FailureCount[];
}): string {
  const share = s.rowsRead ? s.rowsQuarantined / s.rowsRead : 0;
  const pct = (share * 100).toFixed(1);
  return `${s.rowsQuarantined} of ${s.rowsRead} records (${pct} %) failed quality rules, more than the ${s.table} table allows (${s.rejectThreshold * 100} %); nothing was loaded. Fix the file, or raise rejectThreshold for ${s.table} in rules.ts, then retry. Rules failed: ${describeFailures(s.failures)}`;
}

// ── Select and merge ────────────────────────────────────────────────────────────────────────

/**
 * Materialise the good rows and merge them in one transaction; returns the rows merged. With no
 * repeated key the plan's `unique` variant does the same without sorting the file by key.
 */
export async function selectAndMerge(
  wh: Warehouse,
  plan: Plan,
  duplicateKeys: number,
): Promise<number> {
  const variant = duplicateKeys === 0 ? plan.unique : plan;
  for (const sql of variant.select) await wh.query(sql);
  const loaded = await wh.transaction(async (tx) => {
    for (const sql of variant.merge) await tx.query(sql);
    const [row] = await tx.query<{ n: unknown }>(plan.report.loaded);
    return row;
  });
  return n(loaded?.n);
}

export function schemaChanges(plan: Plan) {
  return {
    columnsAdded: plan.columns
      .filter((c) => c.change === "create" || c.change === "add")
      .map((c) => c.name),
    columnsWidened: plan.columns.filter((c) => c.change === "widen").map((c) => c.name),
  };
}

// ── Rejected rows: the rejects file and the ops store's failure records ─────────────────────

/** One failed rule of one staged record, with the record's values. */
export interface RejectRow {
  rowNumber: number;
  rule: string;
  errorType: string;
  severity: string;
  description: string;
  values: Record<string, string | null>;
}

/** How many failures one run keeps in the ops store; the rejects file always has them all. */
export const MAX_FAILURES_STORED = 10_000;
const PAGE_ROWS = 2000;

/**
 * The rejected rows from the run's rejects table and the rejected staged rows (materialised once
 * by the plan's `report.rejectedRows`), in record order, a page at a time.
 */
export async function* rejectRowsFromWarehouse(
  sql: SqlRunner,
  plan: Plan,
): AsyncGenerator<RejectRow[]> {
  for (const statement of plan.report.rejectedRows) await sql.query(statement);
  const columns = plan.columns.map((c) => c.name);
  const row = ident("_cdp_row");
  // Paging by record number wants an index; the rejected rows are few, so it is cheap to build.
  if (plan.dialect === "postgres") await sql.query(`CREATE INDEX ON ${plan.rejected} (${row})`);
  const page = `SELECT CAST(r.${row} AS text) AS "_cdp_n", r."rule" AS "_cdp_rule", r."error_type" AS "_cdp_error_type", r."severity" AS "_cdp_severity", r."description" AS "_cdp_description", s.* FROM ${plan.rejects} AS r JOIN ${plan.rejected} AS s ON s.${row} = r.${row} WHERE r.${row} IN (SELECT ${row} FROM ${plan.rejected} WHERE ${row} > $1 ORDER BY ${row} LIMIT ${PAGE_ROWS}) ORDER BY r.${row}, r."rule"`;
  let after = 0;
  for (;;) {
    const rows = await sql.query<Record<string, string | null>>(page, [after]);
    if (!rows.length) return;
    yield rows.map((r) => ({
      rowNumber: Number(r._cdp_n),
      rule: r._cdp_rule!,
      errorType: r._cdp_error_type!,
      severity: r._cdp_severity!,
      description: r._cdp_description!,
      values: Object.fromEntries(columns.map((c) => [c, r[c] ?? null])),
    }));
    after = Number(rows.at(-1)!._cdp_n);
  }
}

/**
 * The rejected rows of a run as the warehouse's UNLOAD wrote them (CSV with a header: rule,
 * error_type, severity, description, _cdp_row, then the file's columns), in record order.
 */
export async function* rejectRowsFromUnload(
  files: AsyncIterable<Readable>,
  columns: readonly string[],
): AsyncGenerator<RejectRow[]> {
  for await (const file of files) {
    let header: string[] | null = null;
    let page: RejectRow[] = [];
    for await (const record of csvRecords(file)) {
      if (!header) {
        header = record.map((h) => h ?? "");
        continue;
      }
      const at = (name: string) => record[header!.indexOf(name)] ?? null;
      page.push({
        rowNumber: Number(at("_cdp_row")),
        rule: at("rule") ?? "",
        errorType: at("error_type") ?? "",
        severity: at("severity") ?? "",
        description: at("description") ?? "",
        values: Object.fromEntries(columns.map((c) => [c, at(c)])),
      });
      if (page.length >= PAGE_ROWS) {
        yield page;
        page = [];
      }
    }
    if (page.length) yield page;
  }
}

/**
 * RFC 4180 records from a stream: quoted fields may hold commas, quotes and line breaks; an
 * unquoted empty field is null, a quoted one is "".
 */
export async function* csvRecords(source: Readable): AsyncGenerator<(string | null)[]> {
  let field = "";
  let quoted = false;
  let inQuotes = false;
  let afterQuote = false;
  let record: (string | null)[] = [];
  const endField = () => {
    record.push(field === "" && !quoted ? null : field);
    field = "";
    quoted = false;
    afterQuote = false;
  };
  source.setEncoding("utf8");
  for await (const chunk of source as AsyncIterable<string>) {
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i]!;
      if (inQuotes) {
        if (ch === '"') {
          inQuotes = false;
          afterQuote = true;
        } else field += ch;
        continue;
      }
      if (ch === '"') {
        if (afterQuote) field += '"'; // "" inside a quoted field
        inQuotes = true;
        quoted = true;
        afterQuote = false;
      } else if (ch === ",") endField();
      else if (ch === "\n") {
        endField();
        if (!(record.length === 1 && record[0] === null)) yield record;
        record = [];
      } else if (ch !== "\r") {
        field += ch;
        afterQuote = false;
      }
    }
  }
  if (field !== "" || quoted || record.length) {
    endField();
    yield record;
  }
}

/**
 * One pass over a run's rejected rows: the rejects file (error-severity rows and malformed
 * records, in record order) and the ops store's failure records (warnings too, up to
 * MAX_FAILURES_STORED).
 */
export async function recordRejects(
  deps: { lake: ObjectStore; ops: OpsDb },
  target: {
    runId: string;
    table: string;
    sourceKey: string;
    columns: readonly string[];
    rejectsAt: string;
  },
  pages: AsyncIterable<RejectRow[]>,
  malformed: readonly MalformedRecord[],
): Promise<void> {
  const { columns } = target;
  let stored = 0;
  const toOps = async (records: FailureRecord[]) => {
    if (stored >= MAX_FAILURES_STORED) return;
    const batch = records.slice(0, MAX_FAILURES_STORED - stored);
    stored += batch.length;
    await recordFailures(deps.ops, batch);
  };
  const base = {
    runId: target.runId,
    tableName: target.table,
    sourceKey: target.sourceKey,
    createdAt: new Date(),
  };

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
    for await (const rows of pages) {
      const batch: FailureRecord[] = [];
      const out: string[] = [];
      for (const r of rows) {
        malformedBefore(r.rowNumber, batch, out);
        batch.push({
          ...base,
          rule: r.rule,
          errorType: r.errorType,
          severity: r.severity,
          description: r.description,
          rowNumber: r.rowNumber,
          row: r.values,
          rawRecord: null,
        });
        if (r.severity === "error") {
          out.push(
            csvLine([
              r.rowNumber,
              r.rule,
              r.errorType,
              r.description,
              ...columns.map((c) => r.values[c]),
              null,
            ]),
          );
        }
      }
      await toOps(batch);
      if (out.length) yield out.join("");
    }
    const batch: FailureRecord[] = [];
    const out: string[] = [];
    malformedBefore(Number.POSITIVE_INFINITY, batch, out);
    await toOps(batch);
    if (out.length) yield out.join("");
  }

  await deps.lake.put(
    target.rejectsAt,
    (async function* () {
      for await (const l of lines()) yield Buffer.from(l);
    })(),
  );
}

// ── Alerts ──────────────────────────────────────────────────────────────────────────────────

export function notifyQuarantine(
  notifier: Notifier,
  s: {
    runId: string;
    table: string;
    sourceKey: string;
    rowsRead: number;
    rowsLoaded: number;
    rowsQuarantined: number;
    errorKey: string | null;
    failures: FailureCount[];
  },
): Promise<void> {
  return notifier.notify({
    kind: "quarantine",
    severity: "warning",
    title: `${s.table}: ${s.rowsQuarantined} of ${s.rowsRead} rows quarantined`,
    message: `${fileName(s.sourceKey)} loaded ${s.rowsLoaded} rows; rejected rows are in ${s.errorKey}. Rules failed: ${describeFailures(s.failures)}`,
    runId: s.runId,
  });
}
