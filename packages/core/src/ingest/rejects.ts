// A run's rejected rows, written once: the rejects file (error-severity rows and malformed records,
// in record order) and the ops store's failure records, read from the warehouse (locally) or from
// the files Redshift's UNLOAD wrote (deployed).
import type { Readable } from "node:stream";
import type { ObjectStore } from "../lake/lake";
import type { OpsDb } from "../ops/db";
import { type FailureRecord, fixSuperseded, recordFailures } from "../quality/failures";
import { csvLine } from "../util/csv";
import { csvRecords } from "../util/csv-read";
import { ident } from "../warehouse/ident";
import type { SqlRunner } from "../warehouse/warehouse";
import type { MalformedRecord } from "./csv-reader";
import { fileName, rejectsKey, safeFileName } from "./naming";
import type { Plan } from "./plan";

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
 * The name a source file is known by across its versions, wherever it is read from: its file name
 * as the lake keeps it, without the folder (inbox/, or error/ for a retry) and without the run id
 * a taken name got when it moved (lake-files.ts). The migration 0002 fills older records the same
 * way.
 */
export function sourceName(key: string): string {
  return safeFileName(
    fileName(key).replace(/\.(?:run_[0-9A-Z]{26}|(?:sfn|glue):[^.]*)(\.[^.]*)?$/, "$1"),
  );
}

/**
 * Where a run writes its rejects file: `error/<table>/<file>.rejects.csv`, or with the run id in
 * it when an earlier run of a file of that name wrote one — each run's page names its own rows.
 */
export async function rejectsKeyFor(
  lake: ObjectStore,
  f: { table: string; sourceKey: string; runId: string },
): Promise<string> {
  const key = rejectsKey(f.table, f.sourceKey);
  if (!(await lake.exists(key))) return key;
  return key.replace(/\.rejects\.csv$/, `.${f.runId}.rejects.csv`);
}

/**
 * The run ingested its file (it loaded, or had nothing to load): failing rows that earlier versions
 * of the file had and this one has not are marked fixed (quality/failures.ts).
 */
export function settleFailures(
  ops: OpsDb,
  run: { runId: string; table: string; sourceKey: string },
): Promise<number> {
  return fixSuperseded(ops, {
    runId: run.runId,
    table: run.table,
    sourceName: sourceName(run.sourceKey),
    limit: MAX_FAILURES_STORED,
  });
}

/**
 * The rejected rows from the run's rejects table and the rejected staged rows (materialised once
 * by the plan's `report.rejectedRows`), in record order, a page at a time.
 */
export async function* rejectRowsFromWarehouse(
  sql: SqlRunner,
  plan: Pick<Plan, "dialect" | "rejects" | "rejected"> & {
    report: Pick<Plan["report"], "rejectedRows">;
    columns: readonly { name: string }[];
  },
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
    sourceName: sourceName(target.sourceKey),
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
