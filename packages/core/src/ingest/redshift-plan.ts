// What a plan does differently on Redshift because of the Data API's limits (warehouse/limits.ts):
// statements are split so none is over 100 KB, and the select + merge phases are packed into
// BatchExecuteStatement calls of at most 40 statements, each one transaction. The Glue script only
// walks the calls (glue/ingest.py); every decision is here.
import { VisibleError } from "../util/error";
import type { ColumnType } from "../value/types";
import { literal } from "../warehouse/ident";
import {
  REDSHIFT_MAX_BATCH_STATEMENTS,
  REDSHIFT_MAX_STATEMENT_BYTES,
  statementBytes,
} from "../warehouse/limits";

/** One Data API call: a BatchExecuteStatement, run as one transaction. */
export interface DataApiBatch {
  sqls: string[];
  /**
   * Skip the call when this query returns a row: an earlier attempt of the same plan committed it
   * (a retry runs the stored plan again). Null: always run.
   */
  skipIf: string | null;
  /** The index in `sqls` of the plan's `report.changes` query, whose rows the script reports. */
  countsAt?: number;
}

/** A schema change that must commit whole: one ADD COLUMN, or the four statements of a widening. */
export interface SchemaStep {
  sqls: string[];
  /** Returns a row once the step has committed (the column is there, with its new type). */
  applied: string;
}

const TYPE_NAME: Partial<Record<ColumnType, string>> = {
  integer: "integer",
  bigint: "bigint",
  numeric: "numeric",
};

/** A query that returns a row when `column` exists (with `type`, when given) in the table. */
export function columnApplied(
  target: { schema: string; table: string },
  column: string,
  type?: ColumnType,
): string {
  const lit = (v: string) => literal(v, "redshift");
  const typed = type && TYPE_NAME[type] ? ` AND data_type = ${lit(TYPE_NAME[type])}` : "";
  return (
    `SELECT 1 AS n FROM information_schema.columns WHERE table_schema = ${lit(target.schema)} ` +
    `AND table_name = ${lit(target.table)} AND column_name = ${lit(column)}${typed}`
  );
}

/**
 * The select and merge phases as Data API calls. When the schema changes, the merge and the
 * final count fit one call, that call is the whole merge transaction, as on PostgreSQL. When they
 * do not (a file adding more columns than a call holds — Redshift adds one column per ALTER
 * TABLE), the schema changes go first, packed into calls of their own, each skipped on a retry
 * once applied; the rows are then merged in one last call. A column added that way stays (empty)
 * if the merge then fails, and the retry merges into it.
 */
export function dataApiBatches(p: {
  select: string[];
  lock: string[];
  schema: SchemaStep[];
  upsert: string[];
  loaded: string;
  changes?: string | null;
}): DataApiBatch[] {
  const counted = (call: DataApiBatch): DataApiBatch => {
    const at = p.changes ? call.sqls.indexOf(p.changes) : -1;
    return at >= 0 ? { ...call, countsAt: at } : call;
  };
  const max = REDSHIFT_MAX_BATCH_STATEMENTS;
  const calls: DataApiBatch[] = [];
  if (p.select.length) calls.push({ sqls: p.select, skipIf: null });
  const schemaSqls = p.schema.flatMap((s) => s.sqls);
  const merge = [...p.upsert, p.loaded];
  if (p.lock.length + schemaSqls.length + merge.length <= max) {
    calls.push(counted({ sqls: [...p.lock, ...schemaSqls, ...merge], skipIf: null }));
    return calls;
  }
  let current: DataApiBatch | null = null;
  for (const step of p.schema) {
    if (!current || current.sqls.length + step.sqls.length > max) {
      // A call commits whole, so its first step being applied means all of it is.
      current = { sqls: [], skipIf: step.applied };
      calls.push(current);
    }
    current.sqls.push(...step.sqls);
  }
  calls.push(counted({ sqls: [...p.lock, ...merge], skipIf: null }));
  for (const c of calls) {
    if (c.sqls.length > max) {
      throw new VisibleError(
        "input",
        "ingest.batch_too_large",
        `this file's merge needs ${c.sqls.length} statements in one transaction; the Redshift Data API runs at most ${max}`,
      );
    }
  }
  return calls;
}

/**
 * Pack items into groups whose statement stays within the Data API's size: `base` is the
 * statement's size with no item, `size(i)` what item i adds (separator included). An item that is
 * too big on its own gets a group of its own (and `checkStatementSizes` names it).
 */
export function packBySize<T>(items: readonly T[], base: number, size: (item: T) => number): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let bytes = base;
  for (const item of items) {
    const n = size(item);
    if (group.length && bytes + n > REDSHIFT_MAX_STATEMENT_BYTES) {
      groups.push(group);
      group = [];
      bytes = base;
    }
    group.push(item);
    bytes += n;
  }
  if (group.length) groups.push(group);
  return groups;
}

/**
 * Refuse a plan with a statement the Data API would refuse, saying which and why, before anything
 * runs: only a file of extreme width (over a thousand typed columns) or a rule of enormous SQL
 * gets here, since the plan splits the statements that grow with the file.
 */
export function checkStatementSizes(
  statements: Iterable<{ what: string; sql: string }>,
  columns: number,
): void {
  for (const { what, sql } of statements) {
    const bytes = statementBytes(sql);
    if (bytes > REDSHIFT_MAX_STATEMENT_BYTES) {
      throw new VisibleError(
        "input",
        "ingest.statement_too_large",
        `${what.length > 120 ? `${what.slice(0, 120)}…` : what} would be a statement of ${Math.ceil(bytes / 1000)} KB (the file has ${columns} columns); the Redshift Data API takes statements of at most ${REDSHIFT_MAX_STATEMENT_BYTES / 1000} KB — split the file into narrower files, shorten its column names, or shorten the rule`,
      );
    }
  }
}
