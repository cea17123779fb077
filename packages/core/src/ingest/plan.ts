// "Plans, not engines": a file's profile and the warehouse's current schema become an ordered list
// of SQL statements — prepare (staging), load, check, select the good rows, merge, report,
// cleanup. The local runner and the Glue job execute the same plan, so the SQL that runs on
// Redshift is the SQL the tests run on PostgreSQL.
import { compileChecks, type RuleSet, rejectColumns, rejectsDdl } from "../quality/compile";
import { VisibleError } from "../util/error";
import {
  type ColumnType,
  castExpr,
  inferType,
  sqlType,
  type TypeCounts,
  widen,
} from "../value/types";
import { ident, literal, qualified } from "../warehouse/ident";
import type { ColumnInfo, Dialect } from "../warehouse/warehouse";
import type { CsvColumn } from "./csv-reader";

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
  stats: readonly (TypeCounts & { maxBytes?: number })[];
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
  report: {
    failuresByRule: string;
    quarantined: string;
    /** Rows merged; run inside the merge transaction, after it. */
    loaded: string;
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

/** The scratch tables of a run; their names never come from data. */
export function runTables(runId: string) {
  const id = runId.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  const t = (prefix: string) => qualified(STAGE_SCHEMA, `${prefix}_${id}`);
  return {
    staging: t("s"),
    rejects: t("r"),
    flagged: t("f"),
    flagged2: t("h"),
    rejected: t("x"),
    good: t("g"),
  };
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

/** information_schema's data_type → our column type; null for types we do not load into. */
export function columnTypeOf(dataType: string): ColumnType | null {
  switch (dataType.toLowerCase()) {
    case "integer":
      return "integer";
    case "bigint":
      return "bigint";
    case "numeric":
      return "numeric";
    case "boolean":
      return "boolean";
    case "date":
      return "date";
    case "timestamp without time zone":
      return "timestamp";
    case "text":
    case "character varying":
      return "text";
    default:
      return null;
  }
}

export function planColumns(
  input: Pick<PlanInput, "header" | "stats" | "existing" | "table">,
): PlannedColumn[] {
  const existing = new Map((input.existing ?? []).map((c) => [c.name, c.type]));
  return input.header.map((h, i) => {
    const inferred = inferType(input.stats[i]!);
    const current = existing.get(h.name);
    if (current === undefined) {
      return {
        name: h.name,
        original: h.original,
        type: inferred,
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
    if (wider && wider !== type) {
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

/** A new table; its primary key is added once it is loaded (one index build, not a million inserts). */
function createTable(p: {
  target: string;
  key: string;
  dialect: Dialect;
  columns: PlannedColumn[];
}): string {
  const key = ident(p.key);
  const cols = p.columns.map(
    (c) => `${ident(c.name)} ${sqlType(c.type, p.dialect)}${c.name === p.key ? " NOT NULL" : ""}`,
  );
  const dist = p.dialect === "redshift" ? ` DISTKEY(${key}) SORTKEY(${key})` : "";
  return `CREATE TABLE ${p.target} (${cols.join(", ")})${dist}`;
}

export function widenColumn(target: string, c: PlannedColumn, dialect: Dialect): string[] {
  const col = ident(c.name);
  const type = sqlType(c.type, dialect);
  if (dialect === "postgres") return [`ALTER TABLE ${target} ALTER COLUMN ${col} TYPE ${type}`];
  // Redshift cannot change a column's type in place: copy into a wider column and swap names.
  const tmp = ident(`${c.name.slice(0, 40)}__cdp_widen`);
  return [
    `ALTER TABLE ${target} ADD COLUMN ${tmp} ${type}`,
    `UPDATE ${target} SET ${tmp} = ${col}`,
    `ALTER TABLE ${target} DROP COLUMN ${col}`,
    `ALTER TABLE ${target} RENAME COLUMN ${tmp} TO ${col}`,
  ];
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
  const target = qualified(input.schema, input.table);
  const tables = runTables(runId);
  const { staging, rejects, flagged, rejected, good } = tables;
  const columns = planColumns(input);
  const key = ident(input.key);
  const create = scratch(dialect);

  // Checks: the column checks folded into one scan that keeps the failing rows (with a flag per
  // check), then one insert per check from those few rows; SQL rules are a scan each.
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
  const check: Plan["check"] = [];
  const conds = compiled.conditions;
  if (conds.length) {
    // Two halves of the staged rows scanned at once: the conditions are the costly part (regular
    // expressions), and one statement runs on one core.
    const flags = conds.map((c, i) => `CASE WHEN ${c.where} THEN 1 ELSE 0 END AS "_cdp_f${i}"`);
    const any = conds.map((c) => `(${c.where})`).join(" OR ");
    for (const [half, table] of [tables.flagged, tables.flagged2].entries()) {
      check.push({
        rule: conds.map((c) => c.rule).join(", "),
        concurrent: true,
        sql: `${create} ${table} AS SELECT s.*, ${flags.join(", ")} FROM ${staging} AS s WHERE MOD(s.${ROW}, 2) = ${half} AND (${any})`,
      });
    }
  }
  for (const r of compiled.sqlRules) check.push({ rule: r.rule, concurrent: true, sql: r.sql });
  const bothHalves = `(SELECT * FROM ${tables.flagged} UNION ALL SELECT * FROM ${tables.flagged2})`;
  conds.forEach((c, i) => {
    check.push({
      rule: c.rule,
      concurrent: false,
      sql:
        `INSERT INTO ${rejects} (${rejectColumns}) SELECT ${ROW}, ${literal(c.rule)}, ${literal(c.errorType)}, ` +
        `${literal(c.severity)}, ${c.description} FROM ${bothHalves} AS f WHERE "_cdp_f${i}" = 1`,
    });
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
  const lock =
    dialect === "redshift" ? `LOCK ${target}` : `LOCK TABLE ${target} IN SHARE ROW EXCLUSIVE MODE`;

  let select: (dedupe: boolean) => string[];
  let merge: (dedupe: boolean) => string[];
  let loaded: string;
  if (!input.existing) {
    // A new table: the good rows go straight in, with no intermediate copy.
    select = () => [];
    merge = (dedupe) => [
      createTable({ target, key: input.key, dialect, columns }),
      `INSERT INTO ${target} (${all.join(", ")}) ${goodRows(dedupe)}`,
      `ALTER TABLE ${target} ADD PRIMARY KEY (${key})`,
    ];
    loaded = `SELECT count(*) AS n FROM ${target}`;
  } else {
    const dist = dialect === "redshift" ? ` DISTKEY(${key})` : "";
    select = (dedupe) => [
      `DROP TABLE IF EXISTS ${good}`,
      `${create} ${good}${dist} AS ${goodRows(dedupe)}`,
    ];
    const evolve: string[] = [];
    for (const c of columns) {
      if (c.change === "add")
        evolve.push(
          `ALTER TABLE ${target} ADD COLUMN ${ident(c.name)} ${sqlType(c.type, dialect)}`,
        );
      if (c.change === "widen") evolve.push(...widenColumn(target, c, dialect));
    }
    const others = columns.filter((c) => c.name !== input.key).map((c) => ident(c.name));
    // Only rows whose values change are written: re-ingesting a file rewrites nothing. (Spelled
    // out rather than IS DISTINCT FROM, which Redshift lacks; NULL-safe either way.)
    const changed = others
      .map(
        (c) =>
          `t.${c} <> g.${c} OR (t.${c} IS NULL AND g.${c} IS NOT NULL) OR (t.${c} IS NOT NULL AND g.${c} IS NULL)`,
      )
      .join(" OR ");
    const set = others.map((c) => `${c} = g.${c}`).join(", ");
    const values = all.map((c) => `g.${c}`).join(", ");
    let upsert: string[];
    if (input.merge && dialect === "postgres") {
      // One join of the table with the good rows (PostgreSQL 15+). Redshift's MERGE has no
      // `WHEN MATCHED AND …`, so it keeps the two statements below.
      upsert = [
        `MERGE INTO ${target} AS t USING ${good} AS g ON t.${key} = g.${key} ` +
          (others.length ? `WHEN MATCHED AND (${changed}) THEN UPDATE SET ${set} ` : "") +
          `WHEN NOT MATCHED THEN INSERT (${all.join(", ")}) VALUES (${values})`,
      ];
    } else {
      upsert = [
        ...(others.length
          ? [
              `UPDATE ${target} AS t SET ${set} FROM ${good} AS g WHERE t.${key} = g.${key} AND (${changed})`,
            ]
          : []),
        `INSERT INTO ${target} (${all.join(", ")}) SELECT ${values} FROM ${good} AS g ` +
          `WHERE NOT EXISTS (SELECT 1 FROM ${target} AS t WHERE t.${key} = g.${key})`,
      ];
    }
    merge = () => [lock, ...evolve, ...upsert];
    loaded = `SELECT count(*) AS n FROM ${good}`;
  }

  const load: string[] = [];
  const unloadRejects: string[] = [];
  if (dialect === "redshift") {
    if (!input.s3) throw new Error("a Redshift plan needs the staging file's S3 location");
    load.push(
      `COPY ${staging} (${stagingColumns(input.header).join(", ")}) FROM ${literal(input.s3.stagingUri)} ` +
        `IAM_ROLE ${literal(input.s3.iamRole)} FORMAT AS CSV ${COPY_NULLS}`,
    );
    // Warnings too: the report step records every failure in the ops store, as the local
    // executor does; the rejects file it writes keeps the errors only.
    const rows = `SELECT r."rule", r."error_type", r."severity", r."description", s.* FROM ${rejects} AS r JOIN ${rejected} AS s ON s.${ROW} = r.${ROW} ORDER BY s.${ROW}, r."rule"`;
    unloadRejects.push(
      `UNLOAD (${literal(rows)}) TO ${literal(input.s3.rejectsUri)} IAM_ROLE ${literal(input.s3.iamRole)} FORMAT AS CSV HEADER PARALLEL OFF ALLOWOVERWRITE`,
    );
  }

  return {
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
    check,
    skippedRules: compiled.skipped,
    // Over all staged rows, so it can run beside the checks; a repeat among rejected rows only
    // costs a needless (but correct) dedupe.
    duplicateKeys: keysProvedUnique(input, columns)
      ? null
      : `SELECT count(*) - count(DISTINCT ${key}) AS n FROM ${staging}`,
    select: select(true),
    merge: merge(true),
    unique: { select: select(false), merge: merge(false) },
    report: {
      failuresByRule: `SELECT "rule", "error_type", "severity", count(*) AS n FROM ${rejects} GROUP BY "rule", "error_type", "severity" ORDER BY "rule"`,
      quarantined: `SELECT count(DISTINCT ${ROW}) AS n FROM ${rejects} WHERE "severity" = 'error'`,
      loaded,
      rejectedRows: [
        `DROP TABLE IF EXISTS ${rejected}`,
        `${create} ${rejected} AS SELECT s.* FROM ${staging} AS s WHERE s.${ROW} IN (SELECT ${ROW} FROM ${rejects})`,
      ],
      unloadRejects,
    },
    cleanup: [good, rejected, flagged, tables.flagged2, rejects, staging].map(
      (t) => `DROP TABLE IF EXISTS ${t}`,
    ),
  };
}
