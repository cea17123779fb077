// "Plans, not engines": a file's profile and the warehouse's current schema become an ordered list
// of SQL statements — prepare (staging), load, check, select the good rows, merge, report,
// cleanup. The local runner and the Glue job execute the same plan, so the SQL that runs on
// Redshift is the SQL the tests run on PostgreSQL.
import { type CheckColumn, compileChecks, type RuleSet, rejectsDdl } from "../quality/compile";
import { VisibleError } from "../util/error";
import { type ColumnType, castExpr, inferType, sqlType, widen } from "../value/types";
import { ident, literal, qualified } from "../warehouse/ident";
import type { ColumnInfo, Dialect } from "../warehouse/warehouse";
import type { CsvColumn } from "./csv-reader";
import { planChecks } from "./plan-checks";
import {
  changesQuery,
  createTable,
  refuseBlockedWidening,
  upsertRows,
  widenColumn,
} from "./plan-merge";
import {
  checkStatementSizes,
  columnApplied,
  type DataApiBatch,
  dataApiBatches,
  type SchemaStep,
} from "./redshift-plan";

export const STAGE_SCHEMA = "cdp_stage";
export const ROW = `"_cdp_row"`;

export interface PlanInput {
  runId: string;
  /** Target table and its schema (normalised names). */
  table: string;
  schema: string;
  key: string;
  dialect: Dialect;
  header: readonly CsvColumn[];
  /** Type counts per header column, in header order (from the reader). */
  stats: readonly NonNullable<CheckColumn["stats"]>[];
  /** Records staged; with `stats`, lets the plan leave out checks that cannot fail. */
  rows?: number;
  /** The warehouse runs PostgreSQL's MERGE with conditions (PostgreSQL 15+; not Redshift). */
  merge?: boolean;
  /** From the reader: whether the key's values strictly increase (so none repeats). */
  keyIncreasing?: { digits: boolean; bytes: boolean };
  /** The target table's columns now, or null when it does not exist. */
  existing: ColumnInfo[] | null;
  rules: RuleSet;
  /** Redshift: where the normalised staging file is, and the role COPY/UNLOAD assume. */
  s3?: { stagingUri: string; rejectsUri: string; iamRole: string };
  /**
   * Redshift: columns besides the key that Redshift will not drop — DISTKEY, SORTKEY and
   * constraint columns (plan-step reads them). Like the key, they never change type.
   */
  pinned?: readonly string[];
  /** Schema-bound views using the table's columns: a column one of them uses cannot widen. */
  views?: readonly { view: string; column: string }[];
}

export interface PlannedColumn {
  name: string;
  original: string;
  /** The type values are checked against and loaded as. */
  type: ColumnType;
  /** What the file's values look like on their own. */
  inferred: ColumnType;
  change: "create" | "add" | "widen" | null;
  fromType: ColumnType | null;
}

export interface Plan {
  version: 1;
  runId: string;
  table: string;
  schema: string;
  key: string;
  dialect: Dialect;
  target: string;
  staging: string;
  rejects: string;
  flagged: string;
  flagged2: string;
  rejected: string;
  good: string;
  columns: PlannedColumn[];
  /** Create the staging and rejects tables. */
  prepare: string[];
  /** Redshift: COPY the staged file from S3. Locally empty: the runner streams into staging. */
  load: string[];
  /**
   * The checks, in order. Statements marked `concurrent` are independent scans of the staged rows
   * (the folded column checks, each SQL rule) and may run at the same time; the others run after
   * them, in order. Running them all one by one is equally correct.
   */
  check: { rule: string; sql: string; concurrent: boolean }[];
  /** SQL rules that did not apply to this file, and why. */
  skippedRules: { rule: string; reason: string }[];
  /**
   * How many staged rows repeat an earlier row's key; when 0, `unique` may replace select+merge.
   * Null when the reader proved no key repeats (then `unique` applies).
   */
  duplicateKeys: string | null;
  /** Materialise the rows to merge (not rejected, typed, the last good row of each key). */
  select: string[];
  /** One transaction: create/lock/evolve the target, update changed rows, insert new ones. */
  merge: string[];
  /** The same result when no key repeats: no sort of the file by key. */
  unique: { select: string[]; merge: string[] };
  /**
   * Redshift: `select` then `merge` (or `unique`'s) as Data API calls, the last ending with
   * report.loaded (redshift-plan.ts). Empty on PostgreSQL, whose runner takes them as above.
   */
  batches: { merge: DataApiBatch[]; unique: DataApiBatch[] };
  report: {
    failuresByRule: string;
    quarantined: string;
    /** Rows merged; run inside the merge transaction, after it. */
    loaded: string;
    /**
     * `{inserted, updated}` of the good rows (the rest of `loaded` are unchanged): one of the merge
     * statements, after the schema changes and before the upsert; its rows are the split. Null
     * for a new table, where every loaded row is inserted.
     */
    changes: string | null;
    /** Materialise the staged rows that failed any check, for the rejects file and the ops store. */
    rejectedRows: string[];
    /** Redshift: write the rejected rows to S3 (the report step lists them). */
    unloadRejects: string[];
  };
  cleanup: string[];
}

/**
 * How the staged file's empty fields load on Redshift. The reader stages every empty field
 * unquoted (`""` included), which PostgreSQL's CSV COPY loads as NULL; Redshift loads it into a
 * VARCHAR as '' unless EMPTYASNULL, and its default NULL marker is `\N`, which would turn a value
 * spelled `\N` into NULL. The marker NUL (`'\000'`, the form the COPY docs give) never occurs:
 * the reader rejects records holding a NUL byte. So on both engines empty is NULL and nothing else is.
 */
export const COPY_NULLS = "EMPTYASNULL NULL AS '\\000'";

const scratchName = (runId: string, prefix: string) =>
  qualified(STAGE_SCHEMA, `${prefix}_${runId.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`);

/** The scratch tables of a run; their names never come from data. */
export function runTables(runId: string) {
  const t = (prefix: string) => scratchName(runId, prefix);
  return {
    staging: t("s"),
    rejects: t("r"),
    flagged: t("f"),
    flagged2: t("h"),
    rejected: t("x"),
    good: t("g"),
  };
}

/** The two halves of the g-th folded check scan (more than one only on Redshift, by size). */
function scanTables(runId: string, g: number): [string, string] {
  if (g === 0) return [runTables(runId).flagged, runTables(runId).flagged2];
  return [scratchName(runId, `f${g}`), scratchName(runId, `h${g}`)];
}

/** Scratch tables need no crash safety: on PostgreSQL they skip the write-ahead log. */
export function scratch(dialect: Dialect) {
  return dialect === "postgres" ? "CREATE UNLOGGED TABLE" : "CREATE TABLE";
}

/** Staging: the record number, then every field as text, in header order. */
export function stagingDdl(
  runId: string,
  header: readonly CsvColumn[],
  dialect: Dialect,
): string[] {
  const { staging, rejects } = runTables(runId);
  const text = sqlType("text", dialect);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${ident(STAGE_SCHEMA)}`,
    `DROP TABLE IF EXISTS ${staging}`,
    `DROP TABLE IF EXISTS ${rejects}`,
    `${scratch(dialect)} ${staging} (${ROW} bigint NOT NULL, ${header.map((c) => `${ident(c.name)} ${text}`).join(", ")})`,
    rejectsDdl(rejects, dialect),
  ];
}

export function stagingColumns(header: readonly CsvColumn[]): string[] {
  return [ROW, ...header.map((c) => ident(c.name))];
}

/** information_schema's data_type → our column type; types we do not load into are absent. */
const LOADABLE: Record<string, ColumnType> = {
  integer: "integer",
  bigint: "bigint",
  numeric: "numeric",
  boolean: "boolean",
  date: "date",
  "timestamp without time zone": "timestamp",
  text: "text",
  "character varying": "text",
};

export const columnTypeOf = (dataType: string): ColumnType | null =>
  LOADABLE[dataType.toLowerCase()] ?? null;

export function planColumns(
  input: Pick<PlanInput, "header" | "stats" | "existing" | "table"> &
    Partial<Pick<PlanInput, "dialect" | "key" | "pinned">>,
): PlannedColumn[] {
  const existing = new Map((input.existing ?? []).map((c) => [c.name, c.type]));
  // Redshift cannot drop a DISTKEY, SORTKEY or constrained column (ALTER TABLE, DROP COLUMN), and
  // changes a type in place only for VARCHAR lengths, outside a transaction — so the key (our
  // DISTKEY, SORTKEY and primary key) and such columns keep their type: a value that does not
  // fit it fails the type check and its row is quarantined. A new table's integer key is
  // created as bigint for that reason.
  const redshift = input.dialect === "redshift";
  const pinned = new Set(redshift && input.key ? [input.key, ...(input.pinned ?? [])] : []);
  return input.header.map((h, i) => {
    const inferred = inferType(input.stats[i]!);
    const current = existing.get(h.name);
    if (current === undefined) {
      const keyAsBigint = redshift && h.name === input.key && inferred === "integer";
      return {
        name: h.name,
        original: h.original,
        type: keyAsBigint ? "bigint" : inferred,
        inferred,
        change: input.existing ? "add" : "create",
        fromType: null,
      };
    }
    const type = columnTypeOf(current);
    if (!type) {
      throw new VisibleError(
        "input",
        "ingest.unsupported_column_type",
        `column ${h.name} of ${input.table} is ${current}, which CDP does not load into (it loads integer, bigint, numeric, boolean, date, timestamp and text columns)`,
      );
    }
    // The table's type governs; only numeric widening (integer → bigint → numeric) changes it.
    const wider = widen(type, inferred);
    if (wider && wider !== type && !pinned.has(h.name)) {
      return {
        name: h.name,
        original: h.original,
        type: wider,
        inferred,
        change: "widen",
        fromType: type,
      };
    }
    return { name: h.name, original: h.original, type, inferred, change: null, fromType: null };
  });
}

/**
 * The reader proved no key repeats when the key's values strictly increase through the file: as
 * numbers for an integer key ("01" and "1" are one key), bytewise for a text key.
 */
function keysProvedUnique(input: PlanInput, columns: PlannedColumn[]): boolean {
  const inc = input.keyIncreasing;
  const type = columns.find((c) => c.name === input.key)?.type;
  if (!inc) return false;
  if (type === "integer" || type === "bigint") return inc.digits;
  return type === "text" && inc.bytes;
}

export function buildPlan(input: PlanInput): Plan {
  const { runId, dialect } = input;
  if (!input.header.some((h) => h.name === input.key)) {
    throw new VisibleError(
      "input",
      "ingest.no_key_column",
      `the file has no key column "${input.key}" (its columns: ${input.header.map((h) => h.name).join(", ")}); pass --key or set the table's key in rules.ts`,
    );
  }
  if (input.existing && !input.existing.some((c) => c.name === input.key)) {
    throw new VisibleError(
      "input",
      "ingest.key_not_in_table",
      `table ${input.table} has no column "${input.key}" to upsert by`,
    );
  }
  const redshift = dialect === "redshift";
  const target = qualified(input.schema, input.table);
  const tables = runTables(runId);
  const { staging, rejects, rejected, good } = tables;
  const columns = planColumns(input);
  refuseBlockedWidening(input, columns);
  const key = ident(input.key);
  const create = scratch(dialect);
  const lit = (v: string) => literal(v, dialect);

  const compiled = compileChecks(
    {
      table: input.table,
      key: input.key,
      columns: columns.map((c, i) => ({ name: c.name, type: c.type, stats: input.stats[i] })),
      rows: input.rows,
      staging,
      rejects,
      dialect,
    },
    input.rules,
  );
  const checks = planChecks({
    compiled,
    dialect,
    row: ROW,
    staging,
    rejects,
    create,
    scanTables: (g) => scanTables(runId, g),
  });

  // The rows to merge: not rejected, typed, and — when a key repeats — the last good row of it.
  const casts = columns
    .map((c) => `${castExpr(c.type, `x.${ident(c.name)}`, dialect)} AS ${ident(c.name)}`)
    .join(", ");
  const notRejected = (alias: string) =>
    `NOT EXISTS (SELECT 1 FROM ${rejects} AS r WHERE r.${ROW} = ${alias}.${ROW} AND r."severity" = 'error')`;
  const goodRows = (dedupe: boolean) =>
    dedupe
      ? `SELECT ${casts} FROM (SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.${key} ORDER BY s.${ROW} DESC) AS "_cdp_rank" FROM ${staging} AS s WHERE ${notRejected("s")}) AS x WHERE x."_cdp_rank" = 1`
      : `SELECT ${casts} FROM ${staging} AS x WHERE ${notRejected("x")}`;
  const all = columns.map((c) => ident(c.name));
  const where = { schema: input.schema, table: input.table };

  // One transaction: lock (an existing table), schema changes, upsert. On Redshift also as Data
  // API calls (redshift-plan.ts).
  let select: (dedupe: boolean) => string[];
  let lock: string[];
  let schema: SchemaStep[];
  let upsert: (dedupe: boolean) => string[];
  let loaded: string;
  let changes: string | null = null;
  if (!input.existing) {
    // A new table: the good rows go straight in, with no intermediate copy.
    select = () => [];
    lock = [];
    schema = [
      {
        sqls: [createTable({ target, key: input.key, dialect, columns })],
        applied: `SELECT 1 AS n FROM information_schema.tables WHERE table_schema = ${lit(input.schema)} AND table_name = ${lit(input.table)}`,
      },
    ];
    upsert = (dedupe) => [
      `INSERT INTO ${target} (${all.join(", ")}) ${goodRows(dedupe)}`,
      `ALTER TABLE ${target} ADD PRIMARY KEY (${key})`,
    ];
    loaded = `SELECT count(*) AS n FROM ${target}`;
  } else {
    const dist = redshift ? ` DISTKEY(${key})` : "";
    select = (dedupe) => [
      `DROP TABLE IF EXISTS ${good}`,
      `${create} ${good}${dist} AS ${goodRows(dedupe)}`,
    ];
    lock = [redshift ? `LOCK ${target}` : `LOCK TABLE ${target} IN SHARE ROW EXCLUSIVE MODE`];
    schema = [];
    columns.forEach((c, n) => {
      if (c.change === "add") {
        schema.push({
          sqls: [`ALTER TABLE ${target} ADD COLUMN ${ident(c.name)} ${sqlType(c.type, dialect)}`],
          applied: columnApplied(where, c.name),
        });
      }
      if (c.change === "widen") {
        schema.push({
          sqls: widenColumn(target, c, dialect, n),
          applied: columnApplied(where, c.name, c.type),
        });
      }
    });
    const rows = upsertRows({
      target,
      good,
      key,
      all,
      dialect,
      merge: input.merge,
      columns,
      keyName: input.key,
    });
    changes = changesQuery({
      target,
      good,
      key,
      keyName: input.key,
      columns,
      dialect,
    });
    const counted = [changes, ...rows];
    upsert = () => counted;
    loaded = `SELECT count(*) AS n FROM ${good}`;
  }
  const merge = (dedupe: boolean) => [...lock, ...schema.flatMap((s) => s.sqls), ...upsert(dedupe)];
  const batches = (dedupe: boolean) =>
    redshift
      ? dataApiBatches({
          select: select(dedupe),
          lock,
          schema,
          upsert: upsert(dedupe),
          loaded,
          changes,
        })
      : [];

  const load: string[] = [];
  const unloadRejects: string[] = [];
  if (redshift) {
    if (!input.s3) throw new Error("a Redshift plan needs the staging file's S3 location");
    load.push(
      `COPY ${staging} (${stagingColumns(input.header).join(", ")}) FROM ${lit(input.s3.stagingUri)} ` +
        `IAM_ROLE ${lit(input.s3.iamRole)} FORMAT AS CSV ${COPY_NULLS}`,
    );
    // Warnings too: the report step records every failure in the ops store, as the local
    // executor does; the rejects file it writes keeps the errors only.
    const rows = `SELECT r."rule", r."error_type", r."severity", r."description", s.* FROM ${rejects} AS r JOIN ${rejected} AS s ON s.${ROW} = r.${ROW} ORDER BY s.${ROW}, r."rule"`;
    // UNLOAD takes its query as a string literal, read by the same lexer: the query's own
    // literals are escaped once more inside it (UNLOAD, "select-statement", Redshift guide).
    unloadRejects.push(
      `UNLOAD (${lit(rows)}) TO ${lit(input.s3.rejectsUri)} IAM_ROLE ${lit(input.s3.iamRole)} FORMAT AS CSV HEADER PARALLEL OFF ALLOWOVERWRITE`,
    );
  }

  const plan: Plan = {
    version: 1,
    runId,
    table: input.table,
    schema: input.schema,
    key: input.key,
    dialect,
    target,
    ...tables,
    columns,
    prepare: stagingDdl(runId, input.header, dialect),
    load,
    check: checks.check,
    skippedRules: compiled.skipped,
    // Over all staged rows, so it can run beside the checks; a repeat among rejected rows only
    // costs a needless (but correct) dedupe.
    duplicateKeys: keysProvedUnique(input, columns)
      ? null
      : `SELECT count(*) - count(DISTINCT ${key}) AS n FROM ${staging}`,
    select: select(true),
    merge: merge(true),
    unique: { select: select(false), merge: merge(false) },
    batches: { merge: batches(true), unique: batches(false) },
    report: {
      failuresByRule: `SELECT "rule", "error_type", "severity", count(*) AS n FROM ${rejects} GROUP BY "rule", "error_type", "severity" ORDER BY "rule"`,
      quarantined: `SELECT count(DISTINCT ${ROW}) AS n FROM ${rejects} WHERE "severity" = 'error'`,
      loaded,
      changes,
      rejectedRows: [
        `DROP TABLE IF EXISTS ${rejected}`,
        `${create} ${rejected} AS SELECT s.* FROM ${staging} AS s WHERE s.${ROW} IN (SELECT ${ROW} FROM ${rejects})`,
      ],
      unloadRejects,
    },
    cleanup: [
      ...new Set([
        good,
        rejected,
        tables.flagged,
        tables.flagged2,
        ...checks.scratch,
        rejects,
        staging,
      ]),
    ].map((t) => `DROP TABLE IF EXISTS ${t}`),
  };
  if (redshift) checkStatementSizes(planStatements(plan), columns.length);
  return plan;
}

/** Every statement of a plan, named for an operator. */
function* planStatements(plan: Plan): Generator<{ what: string; sql: string }> {
  for (const sql of plan.prepare) yield { what: "creating the staging table", sql };
  for (const sql of plan.load) yield { what: "the COPY of the staged file", sql };
  for (const c of plan.check) yield { what: `quality rule ${c.rule}`, sql: c.sql };
  const merge = [...plan.batches.merge, ...plan.batches.unique].flatMap((b) => [
    ...b.sqls,
    ...(b.skipIf ? [b.skipIf] : []),
  ]);
  for (const sql of merge) yield { what: "the merge", sql };
  for (const sql of [plan.duplicateKeys ?? "", ...Object.values(plan.report).flat()]) {
    if (sql === null) continue;
    yield { what: "the report", sql };
  }
}
