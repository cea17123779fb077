// "Plans, not engines": a file's profile and the warehouse's current schema become an ordered list
// of SQL statements — prepare (staging), load, check, select the good rows, merge, report,
// cleanup. The local runner and the Glue job execute the same plan, so the SQL that runs on
// Redshift is the SQL the tests run on PostgreSQL.
import { type CompiledCheck, compileChecks, type RuleSet, rejectsDdl } from "../quality/compile";
import { VisibleError } from "../util/error";
import { ident, literal, qualified } from "../warehouse/ident";
import type { ColumnInfo, Dialect } from "../warehouse/warehouse";
import type { CsvColumn } from "./csv-reader";
import { type ColumnType, castExpr, inferType, sqlType, type TypeCounts, widen } from "./types";

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
  /** Type counts per header column, in header order. */
  stats: readonly TypeCounts[];
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
  good: string;
  columns: PlannedColumn[];
  /** Create the staging and rejects tables. */
  prepare: string[];
  /** Redshift: COPY the staged file from S3. Locally empty: the runner streams into staging. */
  load: string[];
  check: CompiledCheck[];
  /** SQL rules that did not apply to this file, and why. */
  skippedRules: { rule: string; reason: string }[];
  /** Materialise the rows to merge: not rejected, typed, the last row of each repeated key. */
  select: string[];
  /** One transaction: create/lock/evolve the target, update changed rows, insert new ones. */
  merge: string[];
  report: {
    failuresByRule: string;
    quarantined: string;
    loaded: string;
    /** Redshift: write the rejected rows to S3 (the report step lists them). */
    unloadRejects: string[];
  };
  cleanup: string[];
}

/** The staging and rejects tables of a run; their names never come from data. */
export function runTables(runId: string) {
  const id = runId.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  return {
    staging: qualified(STAGE_SCHEMA, `s_${id}`),
    rejects: qualified(STAGE_SCHEMA, `r_${id}`),
    good: qualified(STAGE_SCHEMA, `g_${id}`),
  };
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
    `CREATE TABLE ${staging} (${ROW} bigint NOT NULL, ${header.map((c) => `${ident(c.name)} ${text}`).join(", ")})`,
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
  return `CREATE TABLE IF NOT EXISTS ${p.target} (${cols.join(", ")}, PRIMARY KEY (${key}))${dist}`;
}

function widenColumn(target: string, c: PlannedColumn, dialect: Dialect): string[] {
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
  const { staging, rejects, good } = runTables(runId);
  const columns = planColumns(input);
  const key = ident(input.key);

  const { checks: check, skipped: skippedRules } = compileChecks(
    { table: input.table, key: input.key, columns, staging, rejects, dialect },
    input.rules,
  );

  const casts = columns.map(
    (c) => `${castExpr(c.type, `x.${ident(c.name)}`, dialect)} AS ${ident(c.name)}`,
  );
  const distGood = dialect === "redshift" ? ` DISTKEY(${key})` : "";
  const select = [
    `DROP TABLE IF EXISTS ${good}`,
    `CREATE TABLE ${good}${distGood} AS SELECT ${casts.join(", ")} FROM (` +
      `SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.${key} ORDER BY s.${ROW} DESC) AS "_cdp_rank" FROM ${staging} AS s ` +
      `WHERE NOT EXISTS (SELECT 1 FROM ${rejects} AS r WHERE r.${ROW} = s.${ROW} AND r."severity" = 'error')` +
      `) AS x WHERE x."_cdp_rank" = 1`,
  ];

  const merge: string[] = [];
  if (!input.existing) merge.push(createTable({ target, key: input.key, dialect, columns }));
  merge.push(
    dialect === "redshift" ? `LOCK ${target}` : `LOCK TABLE ${target} IN SHARE ROW EXCLUSIVE MODE`,
  );
  if (input.existing) {
    for (const c of columns) {
      if (c.change === "add")
        merge.push(`ALTER TABLE ${target} ADD COLUMN ${ident(c.name)} ${sqlType(c.type, dialect)}`);
      if (c.change === "widen") merge.push(...widenColumn(target, c, dialect));
    }
  }
  const others = columns.filter((c) => c.name !== input.key).map((c) => ident(c.name));
  if (others.length) {
    // Only rows whose values change are written: re-ingesting a file rewrites nothing. (Spelled
    // out rather than IS DISTINCT FROM, which Redshift lacks; NULL-safe either way.)
    const changed = others
      .map(
        (c) =>
          `t.${c} <> g.${c} OR (t.${c} IS NULL AND g.${c} IS NOT NULL) OR (t.${c} IS NOT NULL AND g.${c} IS NULL)`,
      )
      .join(" OR ");
    merge.push(
      `UPDATE ${target} AS t SET ${others.map((c) => `${c} = g.${c}`).join(", ")} FROM ${good} AS g ` +
        `WHERE t.${key} = g.${key} AND (${changed})`,
    );
  }
  const all = columns.map((c) => ident(c.name));
  merge.push(
    `INSERT INTO ${target} (${all.join(", ")}) SELECT ${all.map((c) => `g.${c}`).join(", ")} FROM ${good} AS g ` +
      `WHERE NOT EXISTS (SELECT 1 FROM ${target} AS t WHERE t.${key} = g.${key})`,
  );

  const load: string[] = [];
  const unloadRejects: string[] = [];
  if (dialect === "redshift") {
    if (!input.s3) throw new Error("a Redshift plan needs the staging file's S3 location");
    load.push(
      `COPY ${staging} (${stagingColumns(input.header).join(", ")}) FROM ${literal(input.s3.stagingUri)} ` +
        `IAM_ROLE ${literal(input.s3.iamRole)} FORMAT AS CSV`,
    );
    const rows = `SELECT r."rule", r."error_type", r."severity", r."description", s.* FROM ${rejects} AS r JOIN ${staging} AS s ON s.${ROW} = r.${ROW} ORDER BY s.${ROW}, r."rule"`;
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
    staging,
    rejects,
    good,
    columns,
    prepare: stagingDdl(runId, input.header, dialect),
    load,
    check,
    skippedRules,
    select,
    merge,
    report: {
      failuresByRule: `SELECT "rule", "error_type", "severity", count(*) AS n FROM ${rejects} GROUP BY "rule", "error_type", "severity" ORDER BY "rule"`,
      quarantined: `SELECT count(DISTINCT ${ROW}) AS n FROM ${rejects} WHERE "severity" = 'error'`,
      loaded: `SELECT count(*) AS n FROM ${good}`,
      unloadRejects,
    },
    cleanup: [
      `DROP TABLE IF EXISTS ${good}`,
      `DROP TABLE IF EXISTS ${rejects}`,
      `DROP TABLE IF EXISTS ${staging}`,
    ],
  };
}
