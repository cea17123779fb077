// "Plans, not engines": one DMS file, the warehouse's current schema and the table's rules become
// ordered SQL — prepare (staging), load, check, then one transaction that keeps the last change
// of each key, drops the changes older than what the table holds, and applies the rest (deletes
// leave tombstones) — plus the file's ledger entry. The local runner runs it (apply.ts); a Glue job
// can run the same statements on Redshift. Portable on purpose: no ON CONFLICT; DISTINCT ON only
// in the PostgreSQL dialect's pick of the last change per key.
import type { CsvColumn, OpCounts } from "../ingest/csv-reader";
import type { LastOfKey } from "../ingest/last-of-key";
import {
  COPY_NULLS,
  type PlannedColumn,
  planColumns,
  runTables,
  STAGE_SCHEMA,
  scratch,
  stagingColumns,
  stagingDdl,
} from "../ingest/plan";
import { widenColumn } from "../ingest/plan-merge";
import type { CheckColumn, RuleSet } from "../quality/compile";
import { VisibleError } from "../util/error";
import { castExpr, parsesAs, sqlType } from "../value/types";
import { ident, literal, qualified } from "../warehouse/ident";
import type { ColumnInfo, Dialect } from "../warehouse/warehouse";
import { compileCdcChecks } from "./checks";
import { CDC_SCHEMA, LEDGER_TABLE } from "./files";
import { DMS_COLUMNS, SEQ_WIDTH } from "./model";

/** The bookkeeping columns CDP adds to a target table (never taken from data: see ident.ts). */
export const BOOKKEEPING = {
  /** The change sequence of the row's last applied change (35 digits; a full-load row: zeros). */
  seq: "_cdp_seq",
  /** Its commit time in the source (DMS's dms_commit_ts). */
  commitTs: "_cdp_commit_ts",
  /** The run that last wrote the row. */
  run: "_cdp_run",
} as const;

export interface CdcPlanInput {
  runId: string;
  /** Names the scratch tables (default: the run id); files staged side by side need their own. */
  scratch?: string;
  /** The DMS file: its key below dms/ and the SHA-256 of its bytes (the ledger's identity). */
  file: { key: string; sha256: string; kind: "load" | "change" };
  /** Target schema and table (normalised names) and the tombstones table's name (in `_cdp`). */
  schema: string;
  table: string;
  tombstones: string;
  key: string;
  dialect: Dialect;
  /** Every staged column, in file order (DMS's columns included). */
  header: readonly CsvColumn[];
  /** Type counts per header column, in header order (from the reader). */
  stats: readonly (NonNullable<CheckColumn["stats"]> & { digits?: number; blankLive?: number })[];
  /** From the reader: the staged rows by Op (`other`: not exactly I, U or D). */
  ops?: OpCounts;
  /**
   * The reader saw the file's change sequences never decrease from one record to the next
   * (`sequenceOrdered`; as DMS writes them): each key's last change is then its last record.
   */
  seqOrdered?: boolean;
  /** From the reader: each key's last record (with `seqOrdered`, its last change). */
  lastOfKey?: LastOfKey | null;
  /** The warehouse runs MERGE … WHEN MATCHED AND … (PostgreSQL 15+): one join a table, not three. */
  merge?: boolean;
  rows?: number;
  /** Records read (staged and malformed), when known: the ledger's count of changes. */
  rowsRead?: number;
  /** The target's columns now, or null when it does not exist. */
  existing: ColumnInfo[] | null;
  rules: RuleSet;
  /** When the ledger says the file was applied (a literal: the plan is built just before). */
  appliedAt: Date;
  /** Redshift: where the normalised staging file is, and the role COPY/UNLOAD assume. */
  s3?: { stagingUri: string; rejectsUri: string; iamRole: string };
}

export interface CdcPlan {
  version: 1;
  kind: "cdc";
  runId: string;
  schema: string;
  table: string;
  key: string;
  dialect: Dialect;
  target: string;
  tombstones: string;
  ledger: string;
  staging: string;
  rejects: string;
  flagged: string;
  flagged2: string;
  rejected: string;
  changes: string;
  /** The data columns (what the target holds besides its bookkeeping). */
  columns: PlannedColumn[];
  /** Every staged column, by name, in file order (for the rejects file). */
  staged: { name: string }[];
  /** Ensure the target schema and the platform's CDC tables (the ledger). */
  ensure: string[];
  /** Create staging and rejects (locally run before the file streams into staging). */
  prepare: string[];
  /** Redshift: COPY the staged file from S3. Locally empty: the runner streams into staging. */
  load: string[];
  /** As ingest's: concurrent scans first, then the rest in order. */
  check: { rule: string; sql: string; concurrent: boolean }[];
  duplicateKeys: null;
  skippedRules: { rule: string; reason: string }[];
  /**
   * `n` > 0 when this file (key below dms/ and content) was applied before; null for a new
   * target, which forgets any ledger entries and tombstones of a table of that name dropped since.
   */
  alreadyApplied: string | null;
  /** After the checks: the last good change of each key, typed (a scratch table). */
  select: string[];
  /** `select` without the checks' verdict: the same table when they quarantine no row. */
  selectUnchecked: string[];
  /** One transaction: lock, create/evolve, classify the last changes, apply them, ledger. */
  apply: string[];
  report: {
    failuresByRule: string;
    quarantined: string;
    /** Inside the transaction, after `apply`: how many last changes took each action (the file's ledger row). */
    actions: string;
    rejectedRows: string[];
    unloadRejects: string[];
  };
  cleanup: string[];
}

/**
 * The width of a run id in the ledger and in `_cdp_run`: a deployed run's id names its state
 * machine and execution (`sfn:<machine>:<execution>`, each name up to 80 characters).
 */
const RUN_ID_WIDTH = 256;

/** The scratch tables of a run (ingest's, and one for the classified changes). */
export function cdcTables(runId: string) {
  const id = runId.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  return { ...runTables(runId), changes: qualified(STAGE_SCHEMA, `c_${id}`) };
}

/** The file ledger: one row per applied file, identified by its key below dms/ and its content. */
export function ledgerDdl(): string[] {
  const v = (n: number) => `varchar(${n})`;
  return [
    `CREATE SCHEMA IF NOT EXISTS ${ident(CDC_SCHEMA)}`,
    `CREATE TABLE IF NOT EXISTS ${qualified(CDC_SCHEMA, LEDGER_TABLE)} (` +
      `"file_key" ${v(1024)} NOT NULL, "content_sha256" ${v(64)} NOT NULL, "target_table" ${v(255)} NOT NULL, ` +
      `"run_id" ${v(RUN_ID_WIDTH)} NOT NULL, "applied_at" timestamp NOT NULL, "changes" bigint, "inserted" bigint, ` +
      `"updated" bigint, "deleted" bigint, "skipped_stale" bigint, "quarantined" bigint, ` +
      `PRIMARY KEY ("file_key", "content_sha256"))`,
  ];
}

const DMS_NAMES = new Set<string>(Object.values(DMS_COLUMNS));

/**
 * PostgreSQL: a changed table keeps a fifth of each page free, so an update stays on its row's
 * page and skips the key index (a HOT update): its MERGE takes about a tenth less CPU.
 */
const UPDATE_ROOM = " WITH (fillfactor = 80)";

export function buildCdcPlan(input: CdcPlanInput): CdcPlan {
  const lit = (v: string) => literal(v, input.dialect);
  const { runId, dialect } = input;
  const names = input.header.map((h) => h.name);
  if (!names.includes(DMS_COLUMNS.op)) {
    throw new VisibleError(
      "input",
      "cdc.no_op_column",
      `the file has no Op column (its columns: ${names.join(", ")}): is the DMS target set with IncludeOpForFullLoad=true and AddColumnName=true?`,
    );
  }
  const seqCol = names.includes(DMS_COLUMNS.changeSeq) ? DMS_COLUMNS.changeSeq : null;
  if (!seqCol && input.file.kind === "change") {
    throw new VisibleError(
      "input",
      "cdc.no_change_seq",
      `the change file has no dms_change_seq column, so its changes cannot be ordered (rows of one transaction share a commit time): add the table-mapping rule that adds dms_change_seq = $AR_H_CHANGE_SEQ`,
    );
  }
  const tsCol = names.includes(DMS_COLUMNS.commitTs) ? DMS_COLUMNS.commitTs : null;
  const dataIdx = input.header.map((_, i) => i).filter((i) => !DMS_NAMES.has(names[i]!));
  const dataHeader = dataIdx.map((i) => input.header[i]!);
  if (!dataHeader.some((h) => h.name === input.key)) {
    throw new VisibleError(
      "input",
      "cdc.no_key_column",
      `the file has no key column "${input.key}" (its data columns: ${dataHeader.map((h) => h.name).join(", ")}); pass --key or set the table's key in rules.ts`,
    );
  }
  if (input.existing && !input.existing.some((c) => c.name === input.key)) {
    throw new VisibleError(
      "input",
      "cdc.key_not_in_table",
      `table ${input.schema}.${input.table} has no column "${input.key}" to apply changes by`,
    );
  }
  const target = qualified(input.schema, input.table);
  const tombstones = qualified(CDC_SCHEMA, input.tombstones);
  const ledger = qualified(CDC_SCHEMA, LEDGER_TABLE);
  const tables = cdcTables(input.scratch ?? runId);
  const { staging, rejects, rejected, changes } = tables;
  const columns = planColumns({
    header: dataHeader,
    stats: dataIdx.map((i) => input.stats[i]!),
    existing: input.existing,
    table: `${input.schema}.${input.table}`,
    // Redshift: the key is the table's DISTKEY and SORTKEY, which it cannot drop to widen; as for
    // CSV ingest, it keeps its type (a new table's integer key is made bigint).
    dialect: input.dialect,
    key: input.key,
  });
  const keyCol = columns.find((c) => c.name === input.key)!;
  const key = ident(input.key);
  // Scratch tables live for seconds: on PostgreSQL autovacuum is kept off them (an analyze of a
  // staged file costs about as much CPU as the statement that reads it, and it is dropped anyway).
  const create = (table: string, distKey?: string) =>
    dialect === "redshift"
      ? `${scratch(dialect)} ${table}${distKey ? ` DISTKEY(${distKey})` : ""}`
      : `${scratch(dialect)} ${table} WITH (autovacuum_enabled = off)`;
  const text = (n: number) => `varchar(${n})`;
  const seqType = text(SEQ_WIDTH);
  const runLit = lit(runId);
  const [op, seq, run, commitTs] = [
    ident(DMS_COLUMNS.op),
    ident(BOOKKEEPING.seq),
    ident(BOOKKEEPING.run),
    ident(BOOKKEEPING.commitTs),
  ];

  const { check, skippedRules } = compileCdcChecks({
    target: `${input.schema}.${input.table}`,
    key: input.key,
    columns: columns.map((c) => ({
      name: c.name,
      type: c.type,
      stats: input.stats[names.indexOf(c.name)],
    })),
    rows: input.rows,
    staging,
    rejects,
    flagged: tables.flagged,
    flagged2: tables.flagged2,
    dialect,
    op: DMS_COLUMNS.op,
    seq: seqCol,
    kind: input.file.kind,
    seqStats: seqCol ? input.stats[names.indexOf(seqCol)] : undefined,
    ops: input.ops,
    create,
    rules: input.rules,
  });

  // The last good change of each key: ordered by its sequence (fixed width: a shorter one is
  // left-padded), then by its place in the file; a full-load row without one sorts first.
  // DMS's sequences are all full width: padded only when one is not (LPAD costs a copy a row).
  const rawSeq = seqCol ? `s.${ident(seqCol)}` : "";
  const seqExpr = seqCol
    ? `CASE WHEN LENGTH(${rawSeq}) = ${SEQ_WIDTH} THEN ${rawSeq} ELSE LPAD(COALESCE(${rawSeq}, ''), ${SEQ_WIDTH}, '0') END`
    : lit("0".repeat(SEQ_WIDTH));
  const keyOf = (alias: string) => castExpr(keyCol.type, `${alias}.${key}`, dialect);
  // The staged rows no error check failed on; or all of them, for a pick made while the checks
  // run (kept only when they fail on none: the filter then costs a join for nothing).
  const good = (checked: boolean) =>
    checked
      ? ` WHERE NOT EXISTS (SELECT 1 FROM ${rejects} AS r WHERE r."_cdp_row" = s."_cdp_row" AND r."severity" = 'error')`
      : "";
  const changesOf = (checked: boolean) =>
    `(SELECT s.*, ${keyOf("s")} AS "_cdp_k", ${seqExpr} AS ${seq} FROM ${staging} AS s${good(checked)}) AS y`;
  const newestFirst = `y.${seq} DESC, y."_cdp_row" DESC`;
  // When the sequences never decrease through the file (or it has none), a key's last change is
  // its last good record: a hash aggregate finds it without sorting the rows (a third cheaper on
  // PostgreSQL), and the rows are fetched by their number. Else PostgreSQL keeps the first row of
  // each key as it sorts (DISTINCT ON, about a tenth cheaper than numbering every row); Redshift
  // has no DISTINCT ON, so it numbers them.
  const ordered = seqCol ? input.seqOrdered === true : true;
  const lastRows = (checked: boolean) =>
    `(SELECT ${keyOf("s")} AS "_cdp_k", max(s."_cdp_row") AS "_cdp_row" FROM ${staging} AS s${good(checked)} GROUP BY 1) AS w`;
  // Better still, the reader marked each key's last record: one scan keeps them. Only for the
  // key it tracked (a plan made again when an earlier file made the table may have another), and
  // when its byte comparison is the warehouse's: a text key, or an integer written canonically.
  const marks = input.lastOfKey;
  const byMarks =
    ordered &&
    dialect === "postgres" &&
    marks != null &&
    marks.column === input.key &&
    (keyCol.type === "text" ||
      ((keyCol.type === "integer" || keyCol.type === "bigint") && marks.canonicalInteger));
  const picked = (checked: boolean) => {
    if (byMarks && !checked)
      return `(SELECT s.*, ${keyOf("s")} AS "_cdp_k", ${seqExpr} AS ${seq} FROM ${staging} AS s WHERE get_bit(decode('${marks.bitmap.toString("hex")}', 'hex'), CAST(s."_cdp_row" AS integer)) = 1) AS x`;
    if (ordered)
      return `(SELECT s.*, w."_cdp_k", ${seqExpr} AS ${seq} FROM ${lastRows(checked)} JOIN ${staging} AS s ON s."_cdp_row" = w."_cdp_row") AS x`;
    if (dialect === "postgres")
      return `(SELECT DISTINCT ON (y."_cdp_k") y.* FROM ${changesOf(checked)} ORDER BY y."_cdp_k", ${newestFirst}) AS x`;
    return `(SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y."_cdp_k" ORDER BY ${newestFirst}) AS "_cdp_rank" FROM ${changesOf(checked)}) AS x WHERE x."_cdp_rank" = 1`;
  };
  // A delete's other columns are empty (or a before-image nobody checked): never cast them.
  const values = columns.map((c) => {
    const x = `x.${ident(c.name)}`;
    if (c.name === input.key) return `x."_cdp_k" AS ${key}`;
    if (c.type === "text") return `${x} AS ${ident(c.name)}`;
    return `CASE WHEN x.${op} = 'D' THEN NULL ELSE ${castExpr(c.type, x, dialect)} END AS ${ident(c.name)}`;
  });
  // DMS writes `yyyy-MM-dd HH:mm:ss.SSSSSS`; a value that is not a timestamp is left NULL (only
  // guarded when the reader saw one: the guard costs a regular expression a row).
  const tsStats = tsCol ? input.stats[names.indexOf(tsCol)] : undefined;
  const tsValue = tsCol ? castExpr("timestamp", `x.${ident(tsCol)}`, dialect) : "";
  const ts = !tsCol
    ? "CAST(NULL AS timestamp)"
    : tsStats && tsStats.timestamp === tsStats.nonEmpty
      ? tsValue
      : `CASE WHEN ${parsesAs("timestamp", `x.${ident(tsCol)}`, dialect)} THEN ${tsValue} END`;
  // In key order on PostgreSQL, as DISTINCT ON leaves them: the statements that apply them then
  // walk the table's key index in order (unordered, they take a sixth longer).
  const last = (checked: boolean) =>
    `SELECT ${values.join(", ")}, x.${op} AS "_cdp_op", x.${seq} AS ${seq}, ${ts} AS ${commitTs} ` +
    `FROM ${picked(checked)}${ordered && dialect === "postgres" ? ` ORDER BY x."_cdp_k"` : ""}`;
  // Materialised before the transaction (it needs only the staged rows and the checks' verdict).
  const pick = (checked: boolean) => [
    `DROP TABLE IF EXISTS ${tables.good}`,
    `${create(tables.good, key)} AS ${last(checked)}`,
  ];
  // Stale: the table (or a tombstone) already holds a newer change of the key. A key is either
  // in the table or in its tombstones, never both.
  const classify =
    `SELECT g.*, CASE WHEN COALESCE(t.${seq}, d.${seq}, '') > g.${seq} THEN 'S' WHEN g."_cdp_op" = 'D' THEN 'D' ` +
    `WHEN t.${key} IS NULL THEN 'I' ELSE 'U' END AS "_cdp_action", CASE WHEN d.${key} IS NULL THEN 0 ELSE 1 END AS "_cdp_tomb" ` +
    `FROM ${tables.good} AS g LEFT JOIN ${target} AS t ON t.${key} = g.${key} LEFT JOIN ${tombstones} AS d ON d.${key} = g.${key}`;

  const dist = (k: string) => (dialect === "redshift" ? ` DISTKEY(${k}) SORTKEY(${k})` : "");
  const bookkeepingDdl = `${seq} ${seqType}, ${commitTs} timestamp, ${run} ${text(RUN_ID_WIDTH)}`;
  const tombstoneDdl =
    `CREATE TABLE IF NOT EXISTS ${tombstones} (${key} ${sqlType(keyCol.type, dialect)} NOT NULL, ` +
    `${bookkeepingDdl}, PRIMARY KEY (${key}))${dist(key)}`;
  const lock = (t: string) =>
    dialect === "redshift" ? `LOCK ${t}` : `LOCK TABLE ${t} IN SHARE ROW EXCLUSIVE MODE`;

  const apply: string[] = [];
  if (!input.existing) {
    // A new table: tombstones and ledger entries of an earlier table of this name go with it.
    const cols = columns.map(
      (c) =>
        `${ident(c.name)} ${sqlType(c.type, dialect)}${c.name === input.key ? " NOT NULL" : ""}`,
    );
    apply.push(
      `DROP TABLE IF EXISTS ${tombstones}`,
      `DELETE FROM ${ledger} WHERE "target_table" = ${lit(`${input.schema}.${input.table}`)}`,
      `CREATE TABLE ${target} (${cols.join(", ")}, ${bookkeepingDdl})${dialect === "redshift" ? dist(key) : UPDATE_ROOM}`,
      tombstoneDdl,
    );
  } else {
    apply.push(lock(target), tombstoneDdl);
    for (const c of columns) {
      if (c.change === "add")
        apply.push(`ALTER TABLE ${target} ADD COLUMN ${ident(c.name)} ${sqlType(c.type, dialect)}`);
      if (c.change === "widen") {
        apply.push(...widenColumn(target, c, dialect, 0));
        if (c.name === input.key) apply.push(...widenColumn(tombstones, c, dialect, 1));
      }
    }
    const have = new Set(input.existing.map((c) => c.name));
    if (!have.has(BOOKKEEPING.seq))
      apply.push(`ALTER TABLE ${target} ADD COLUMN ${seq} ${seqType}`);
    if (!have.has(BOOKKEEPING.commitTs))
      apply.push(`ALTER TABLE ${target} ADD COLUMN ${commitTs} timestamp`);
    if (!have.has(BOOKKEEPING.run))
      apply.push(`ALTER TABLE ${target} ADD COLUMN ${run} ${text(RUN_ID_WIDTH)}`);
  }
  apply.push(lock(tombstones));

  const all = columns.map((c) => ident(c.name));
  const others = all.filter((c) => c !== key);
  const set = [
    ...others.map((c) => `${c} = c.${c}`),
    `${seq} = c.${seq}`,
    `${commitTs} = c.${commitTs}`,
    `${run} = ${runLit}`,
  ];
  const inserted = [...all, seq, commitTs, run].join(", ");
  const insertedValues = [...all.map((c) => `c.${c}`), `c.${seq}`, `c.${commitTs}`, runLit].join(
    ", ",
  );
  apply.push(`DROP TABLE IF EXISTS ${changes}`, `${create(changes, key)} AS ${classify}`);
  // Redshift's MERGE takes one WHEN MATCHED clause, without a condition: not this one.
  if (input.merge && dialect === "postgres") {
    // The table and a tombstone hold a key or not just as classify saw (the lock is held): a
    // delete of a held key deletes it, one of a tombstoned key renews the tombstone.
    apply.push(
      `MERGE INTO ${tombstones} AS d USING (SELECT * FROM ${changes} WHERE "_cdp_action" <> 'S' AND ("_cdp_action" = 'D' OR "_cdp_tomb" = 1)) AS c ON d.${key} = c.${key} ` +
        `WHEN MATCHED AND c."_cdp_action" <> 'D' THEN DELETE ` +
        `WHEN MATCHED THEN UPDATE SET ${seq} = c.${seq}, ${commitTs} = c.${commitTs}, ${run} = ${runLit} ` +
        `WHEN NOT MATCHED THEN INSERT (${key}, ${seq}, ${commitTs}, ${run}) VALUES (c.${key}, c.${seq}, c.${commitTs}, ${runLit})`,
      `MERGE INTO ${target} AS t USING (SELECT * FROM ${changes} WHERE "_cdp_action" <> 'S') AS c ON t.${key} = c.${key} ` +
        `WHEN MATCHED AND c."_cdp_action" = 'D' THEN DELETE ` +
        `WHEN MATCHED THEN UPDATE SET ${set.join(", ")} ` +
        `WHEN NOT MATCHED AND c."_cdp_action" <> 'D' THEN INSERT (${inserted}) VALUES (${insertedValues})`,
    );
  } else {
    apply.push(
      `DELETE FROM ${tombstones} USING ${changes} AS c WHERE ${tombstones}.${key} = c.${key} AND c."_cdp_tomb" = 1 AND c."_cdp_action" <> 'S'`,
      `INSERT INTO ${tombstones} (${key}, ${seq}, ${commitTs}, ${run}) SELECT c.${key}, c.${seq}, c.${commitTs}, ${runLit} FROM ${changes} AS c WHERE c."_cdp_action" = 'D'`,
      `DELETE FROM ${target} USING ${changes} AS c WHERE ${target}.${key} = c.${key} AND c."_cdp_action" = 'D'`,
      `UPDATE ${target} AS t SET ${set.join(", ")} FROM ${changes} AS c WHERE t.${key} = c.${key} AND c."_cdp_action" = 'U'`,
      `INSERT INTO ${target} (${inserted}) SELECT ${insertedValues} FROM ${changes} AS c WHERE c."_cdp_action" = 'I'`,
    );
  }
  // A new table gets its primary key once loaded: one index build, not one insert at a time.
  if (!input.existing) apply.push(`ALTER TABLE ${target} ADD PRIMARY KEY (${key})`);
  const count = (a: string) =>
    `COALESCE(sum(CASE WHEN c."_cdp_action" = '${a}' THEN 1 ELSE 0 END), 0)`;
  apply.push(
    `INSERT INTO ${ledger} ("file_key", "content_sha256", "target_table", "run_id", "applied_at", "changes", "inserted", "updated", "deleted", "skipped_stale", "quarantined") ` +
      `SELECT ${lit(input.file.key)}, ${lit(input.file.sha256)}, ${lit(`${input.schema}.${input.table}`)}, ${runLit}, ` +
      `CAST(${lit(input.appliedAt.toISOString().replace("T", " ").replace("Z", ""))} AS timestamp), ` +
      `${input.rowsRead ?? `(SELECT count(*) FROM ${staging})`}, ${count("I")}, ${count("U")}, ${count("D")}, ${count("S")}, ` +
      `(SELECT count(DISTINCT "_cdp_row") FROM ${rejects} WHERE "severity" = 'error') FROM ${changes} AS c`,
  );

  const load: string[] = [];
  const unloadRejects: string[] = [];
  if (dialect === "redshift") {
    if (!input.s3) throw new Error("a Redshift plan needs the staging file's S3 location");
    load.push(
      `COPY ${staging} (${stagingColumns(input.header).join(", ")}) FROM ${lit(input.s3.stagingUri)} ` +
        `IAM_ROLE ${lit(input.s3.iamRole)} FORMAT AS CSV ${COPY_NULLS}`,
    );
    const rows = `SELECT r."rule", r."error_type", r."severity", r."description", s.* FROM ${rejects} AS r JOIN ${rejected} AS s ON s."_cdp_row" = r."_cdp_row" ORDER BY s."_cdp_row", r."rule"`;
    unloadRejects.push(
      `UNLOAD (${lit(rows)}) TO ${lit(input.s3.rejectsUri)} IAM_ROLE ${lit(input.s3.iamRole)} FORMAT AS CSV HEADER PARALLEL OFF ALLOWOVERWRITE`,
    );
  }

  return {
    version: 1,
    kind: "cdc",
    runId,
    schema: input.schema,
    table: input.table,
    key: input.key,
    dialect,
    target,
    tombstones,
    ledger,
    ...tables,
    columns,
    staged: input.header.map((h) => ({ name: h.name })),
    ensure: [`CREATE SCHEMA IF NOT EXISTS ${ident(input.schema)}`, ...ledgerDdl()],
    prepare: stagingDdl(input.scratch ?? runId, input.header, dialect),
    load,
    check,
    duplicateKeys: null,
    skippedRules,
    alreadyApplied: input.existing
      ? `SELECT count(*) AS n FROM ${ledger} WHERE "file_key" = ${lit(input.file.key)} AND "content_sha256" = ${lit(input.file.sha256)}`
      : null,
    select: pick(true),
    selectUnchecked: pick(false),
    apply,
    report: {
      failuresByRule: `SELECT "rule", "error_type", "severity", count(*) AS n FROM ${rejects} GROUP BY "rule", "error_type", "severity" ORDER BY "rule"`,
      quarantined: `SELECT count(DISTINCT "_cdp_row") AS n FROM ${rejects} WHERE "severity" = 'error'`,
      actions: `SELECT "inserted", "updated", "deleted", "skipped_stale" FROM ${ledger} WHERE "file_key" = ${lit(input.file.key)} AND "content_sha256" = ${lit(input.file.sha256)}`,
      rejectedRows: [
        `DROP TABLE IF EXISTS ${rejected}`,
        `${create(rejected)} AS SELECT s.* FROM ${staging} AS s WHERE s."_cdp_row" IN (SELECT "_cdp_row" FROM ${rejects})`,
      ],
      unloadRejects,
    },
    cleanup: [
      changes,
      rejected,
      tables.flagged,
      tables.flagged2,
      rejects,
      staging,
      tables.good,
    ].map((t) => `DROP TABLE IF EXISTS ${t}`),
  };
}
