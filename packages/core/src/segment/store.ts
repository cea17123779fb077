// The warehouse side of segmentation: `_cdp.segments` (one row per user per run: the key's value,
// the segment, its label, the distance to its centroid, the run, when), `_cdp.segment_runs` (one
// row per run loaded) and the view `_cdp.segments_latest` — the latest run, what downstream reads.
// A run's results file is loaded through a staging table shaped like the file, so the deployed
// path (Redshift COPY from S3 into the same staging table) runs the same statements after it.
import { STAGE_SCHEMA } from "../ingest/plan";
import type { ObjectStore } from "../lake/lake";
import { csvField } from "../util/csv";
import { VisibleError } from "../util/error";
import { sqlType } from "../value/types";
import { ident, literal, qualified } from "../warehouse/ident";
import { shareSegmentsWithReader } from "../warehouse/read-only-sql";
import type { Dialect, SqlRunner, Warehouse } from "../warehouse/warehouse";
import type { Drift } from "./model";
import { parseResults, RESULTS_SUFFIX, resultsPrefix } from "./results-format";

/** The platform's own schema (as cdc/files.ts CDC_SCHEMA): never a name from data. */
export const SEGMENT_SCHEMA = "_cdp";
export const SEGMENTS = qualified(SEGMENT_SCHEMA, "segments");
export const SEGMENT_RUNS = qualified(SEGMENT_SCHEMA, "segment_runs");
export const SEGMENTS_LATEST = qualified(SEGMENT_SCHEMA, "segments_latest");

/** A label is at most 80 characters (it goes to Salesforce). */
export const MAX_LABEL = 80;

/** Creates the tables and the view when missing (idempotent). */
export function segmentsDdl(dialect: Dialect): string[] {
  const text = sqlType("text", dialect);
  // Redshift's VARCHAR length is in bytes: 80 characters of UTF-8 take up to 320.
  const label = dialect === "redshift" ? "VARCHAR(320)" : `VARCHAR(${MAX_LABEL})`;
  // Redshift: rows of one user sit on one slice (drift joins runs by user), sorted by run.
  const layout =
    dialect === "redshift"
      ? ` DISTKEY(${ident("user_id")}) COMPOUND SORTKEY(${ident("run_id")}, ${ident("user_id")})`
      : "";
  const ddl = [
    `CREATE SCHEMA IF NOT EXISTS ${ident(SEGMENT_SCHEMA)}`,
    `CREATE TABLE IF NOT EXISTS ${SEGMENTS} (${ident("user_id")} ${text} NOT NULL, ${ident("segment")} INTEGER NOT NULL, ${ident("label")} ${label} NOT NULL, ${ident("distance")} DOUBLE PRECISION NOT NULL, ${ident("run_id")} VARCHAR(128) NOT NULL, ${ident("created_at")} TIMESTAMP NOT NULL)${layout}`,
    `CREATE TABLE IF NOT EXISTS ${SEGMENT_RUNS} (${ident("run_id")} VARCHAR(128) NOT NULL, ${ident("created_at")} TIMESTAMP NOT NULL, ${ident("k")} INTEGER NOT NULL, ${ident("users")} BIGINT NOT NULL, ${ident("source")} VARCHAR(256) NOT NULL)`,
    // The latest run: the newest created_at, the greatest run id on a tie.
    `CREATE OR REPLACE VIEW ${SEGMENTS_LATEST} AS SELECT s.${ident("user_id")}, s.${ident("segment")}, s.${ident("label")}, s.${ident("distance")}, s.${ident("run_id")}, s.${ident("created_at")} FROM ${SEGMENTS} s WHERE s.${ident("run_id")} = (SELECT MAX(r.${ident("run_id")}) FROM ${SEGMENT_RUNS} r WHERE r.${ident("created_at")} = (SELECT MAX(${ident("created_at")}) FROM ${SEGMENT_RUNS}))`,
  ];
  if (dialect === "postgres") {
    ddl.push(
      `CREATE INDEX IF NOT EXISTS ${ident("segments_run_user")} ON ${SEGMENTS} (${ident("run_id")}, ${ident("user_id")})`,
    );
  }
  return ddl;
}

/** The staging table a run's results load through: the results file's three columns. */
export function resultsStage(runId: string): string {
  return qualified(STAGE_SCHEMA, `l_${runId.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`);
}

export const STAGE_COLUMNS = ["user_id", "closest_cluster", "distance_to_cluster"].map(ident);

export function stageDdl(runId: string, dialect: Dialect): string[] {
  const t = resultsStage(runId);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${ident(STAGE_SCHEMA)}`,
    `DROP TABLE IF EXISTS ${t}`,
    `CREATE TABLE ${t} (${ident("user_id")} ${sqlType("text", dialect)}, ${ident("closest_cluster")} DOUBLE PRECISION, ${ident("distance_to_cluster")} DOUBLE PRECISION)`,
  ];
}

/** What the staged results must be before they replace the run's rows (columns n, keys, bad). */
export function stageCheckSql(runId: string, k: number): string {
  const c = ident("closest_cluster");
  return `SELECT COUNT(*) AS ${ident("n")}, COUNT(DISTINCT ${ident("user_id")}) AS ${ident("keys")}, SUM(CASE WHEN ${ident("user_id")} IS NULL OR ${c} IS NULL OR ${c} < 0 OR ${c} >= ${k} OR ${c} <> FLOOR(${c}) OR ${ident("distance_to_cluster")} IS NULL THEN 1 ELSE 0 END) AS ${ident("bad")} FROM ${resultsStage(runId)}`;
}

export interface LoadInput {
  runId: string;
  /** When the run was made (ISO): every row's created_at; the latest is what downstream reads. */
  createdAt: string;
  k: number;
  /** By segment. */
  labels: string[];
  /** `public.customers`, for segment_runs. */
  source: string;
  dialect: Dialect;
}

/** The run's rows replaced by the staged ones, and the run recorded: one transaction. */
export function loadSql(o: LoadInput): string[] {
  const run = literal(o.runId, o.dialect);
  const at = `CAST(${literal(sqlTimestamp(o.createdAt), o.dialect)} AS TIMESTAMP)`;
  const seg = `CAST(${ident("closest_cluster")} AS INTEGER)`;
  const label = `CASE ${seg} ${o.labels.map((l, j) => `WHEN ${j} THEN ${literal(l, o.dialect)}`).join(" ")} END`;
  const stage = resultsStage(o.runId);
  return [
    `DELETE FROM ${SEGMENTS} WHERE ${ident("run_id")} = ${run}`,
    `DELETE FROM ${SEGMENT_RUNS} WHERE ${ident("run_id")} = ${run}`,
    `INSERT INTO ${SEGMENTS} (${["user_id", "segment", "label", "distance", "run_id", "created_at"].map(ident).join(", ")}) SELECT ${ident("user_id")}, ${seg}, ${label}, ${ident("distance_to_cluster")}, ${run}, ${at} FROM ${stage}`,
    `INSERT INTO ${SEGMENT_RUNS} (${["run_id", "created_at", "k", "users", "source"].map(ident).join(", ")}) SELECT ${run}, ${at}, ${o.k}, COUNT(*), ${literal(o.source, o.dialect)} FROM ${stage}`,
  ];
}

/** `2026-12-01T19:09:37.123Z` → `2026-12-01 19:09:37.123` (UTC, as TIMESTAMP takes it). */
export function sqlTimestamp(iso: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) throw new Error(`not a timestamp: ${iso}`);
  return t.toISOString().replace("T", " ").replace("Z", "");
}

/**
 * Loads a run's results files (every `.out` under ml/segments/<runId>/) into the segments table:
 * staged, checked (every user once, segments 0…k−1), then swapped in for the run's old rows.
 * Returns the rows loaded. Locally the rows are streamed in; on Redshift, COPY fills the stage.
 */
export async function loadResults(
  wh: Warehouse,
  lake: ObjectStore,
  o: Omit<LoadInput, "dialect">,
): Promise<number> {
  const keys = (await lake.list(resultsPrefix(o.runId)))
    .map((x) => x.key)
    .filter((k) => k.endsWith(RESULTS_SUFFIX))
    .sort();
  if (!keys.length) {
    throw new VisibleError(
      "input",
      "segment.no_results",
      `no results file under ${resultsPrefix(o.runId)} (*${RESULTS_SUFFIX})`,
    );
  }
  return loadStaged(wh, o, async (stage) => {
    for (const key of keys) {
      const body = await lake.get(key);
      await wh.copyCsv(
        stage,
        STAGE_COLUMNS,
        (async function* () {
          for await (const rows of parseResults(body, { name: key, k: o.k })) {
            let s = "";
            for (const r of rows) s += stageLine(r.userId, r.segment, r.distance);
            yield Buffer.from(s);
          }
        })(),
      );
    }
  });
}

/** A line of the stage's CSV: user id, segment, distance. */
export const stageLine = (userId: string, segment: number, distance: number) =>
  `${csvField(userId)},${segment},${distance}\n`;

/** Redshift: the stage filled from a CSV file of stage lines in the lake (the COPY role reads it). */
export function copyStageSql(runId: string, uri: string, iamRole: string): string {
  return `COPY ${resultsStage(runId)} (${STAGE_COLUMNS.join(", ")}) FROM ${literal(uri, "redshift")} IAM_ROLE ${literal(iamRole, "redshift")} FORMAT AS CSV`;
}

/**
 * The one way a run's segments reach the warehouse, for both paths: the tables made once, the
 * run's stage made and filled by `fill` (a local COPY of the results files, or on Redshift a COPY
 * from S3), checked (every user once, segments 0…k−1), then swapped in for the run's old rows and
 * the run recorded in one transaction. The stage goes whatever happens. Returns the rows loaded.
 */
export async function loadStaged(
  wh: Warehouse,
  o: Omit<LoadInput, "dialect">,
  fill: (stage: string) => Promise<void>,
): Promise<number> {
  const dialect = wh.dialect;
  // Created once (DDL at every run would make two concurrent runs trip over each other).
  const [made] = await wh.query(
    "SELECT 1 FROM information_schema.views WHERE table_schema = $1 AND table_name = $2",
    [SEGMENT_SCHEMA, "segments_latest"],
  );
  if (!made) {
    for (const s of segmentsDdl(dialect)) await wh.query(s);
    await shareSegmentsWithReader(wh);
  }
  for (const s of stageDdl(o.runId, dialect)) await wh.query(s);
  try {
    await fill(resultsStage(o.runId));
    const [c] = await wh.query<Record<string, unknown>>(stageCheckSql(o.runId, o.k));
    const n = Number(c?.n ?? 0);
    if (Number(c?.bad ?? 0) > 0 || Number(c?.keys ?? 0) !== n) {
      throw new VisibleError(
        "input",
        "segment.bad_results",
        `the results of ${o.runId} do not load: ${Number(c?.bad ?? 0)} rows without a user or a segment 0–${o.k - 1}, ${n - Number(c?.keys ?? 0)} users more than once`,
      );
    }
    await wh.transaction(async (tx) => {
      for (const s of loadSql({ ...o, dialect })) await tx.query(s);
    });
    return n;
  } finally {
    await wh.query(`DROP TABLE IF EXISTS ${resultsStage(o.runId)}`);
  }
}

export interface SegmentRunRow {
  runId: string;
  createdAt: string;
  k: number;
  users: number;
  source: string;
}

/** Runs loaded into the segments table, newest first. */
export async function segmentRuns(sql: SqlRunner, limit = 100): Promise<SegmentRunRow[]> {
  if (!(await hasSegments(sql))) return [];
  const rows = await sql.query<Record<string, unknown>>(
    `SELECT ${ident("run_id")}, ${ident("created_at")}, ${ident("k")}, ${ident("users")}, ${ident("source")} FROM ${SEGMENT_RUNS} ORDER BY ${ident("created_at")} DESC, ${ident("run_id")} DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
  );
  return rows.map((r) => ({
    runId: String(r.run_id),
    createdAt: String(r.created_at),
    k: Number(r.k),
    users: Number(r.users),
    source: String(r.source),
  }));
}

export async function hasSegments(sql: SqlRunner): Promise<boolean> {
  const rows = await sql.query(
    "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2",
    [SEGMENT_SCHEMA, "segment_runs"],
  );
  return rows.length > 0;
}

/** The run loaded before `runId` (by created_at, then run id), or null. */
export async function previousRun(sql: SqlRunner, runId: string): Promise<string | null> {
  const runs = await segmentRuns(sql, 10_000);
  const at = runs.findIndex((r) => r.runId === runId);
  return at >= 0 ? (runs[at + 1]?.runId ?? null) : (runs[0]?.runId ?? null);
}

/** Users per segment of a run, indexed by segment (k from segment_runs). */
export async function runSizes(sql: SqlRunner, runId: string): Promise<number[]> {
  const [run] = await sql.query<{ k: unknown }>(
    `SELECT ${ident("k")} FROM ${SEGMENT_RUNS} WHERE ${ident("run_id")} = $1`,
    [runId],
  );
  if (!run)
    throw new VisibleError(
      "not_found",
      "segment.no_run",
      `no segment run ${runId} in the warehouse`,
    );
  const sizes = new Array<number>(Number(run.k)).fill(0);
  const rows = await sql.query<{ segment: unknown; users: unknown }>(
    `SELECT ${ident("segment")}, COUNT(*) AS ${ident("users")} FROM ${SEGMENTS} WHERE ${ident("run_id")} = $1 GROUP BY ${ident("segment")}`,
    [runId],
  );
  for (const r of rows) sizes[Number(r.segment)] = Number(r.users);
  return sizes;
}

/** How users moved from the segments of run `from` to those of run `to`: one query, both engines. */
export function transitionsSql(): string {
  const side = (p: string) =>
    `(SELECT ${ident("user_id")}, ${ident("segment")} FROM ${SEGMENTS} WHERE ${ident("run_id")} = ${p})`;
  return `SELECT a.${ident("segment")} AS ${ident("from")}, b.${ident("segment")} AS ${ident("to")}, COUNT(*) AS ${ident("users")} FROM ${side("$1")} a FULL OUTER JOIN ${side("$2")} b ON a.${ident("user_id")} = b.${ident("user_id")} GROUP BY a.${ident("segment")}, b.${ident("segment")}`;
}

export async function drift(sql: SqlRunner, from: string, to: string): Promise<Drift> {
  const fromSizes = await runSizes(sql, from);
  const toSizes = await runSizes(sql, to);
  const matrix = fromSizes.map(() => new Array<number>(toSizes.length).fill(0));
  const entered = new Array<number>(toSizes.length).fill(0);
  const left = new Array<number>(fromSizes.length).fill(0);
  let stayed = 0;
  let moved = 0;
  for (const r of await sql.query<Record<string, unknown>>(transitionsSql(), [from, to])) {
    const users = Number(r.users);
    if (r.from == null) entered[Number(r.to)]! += users;
    else if (r.to == null) left[Number(r.from)]! += users;
    else {
      matrix[Number(r.from)]![Number(r.to)]! += users;
      if (Number(r.from) === Number(r.to)) stayed += users;
      else moved += users;
    }
  }
  return { from, to, fromSizes, toSizes, matrix, entered, left, stayed, moved };
}

export interface StoredSegment {
  segment: number;
  label: string;
  distance: number;
  createdAt: string;
}

export async function userSegment(
  sql: SqlRunner,
  runId: string,
  userId: string,
): Promise<StoredSegment | null> {
  if (!(await hasSegments(sql))) return null;
  const [r] = await sql.query<Record<string, unknown>>(
    `SELECT ${ident("segment")}, ${ident("label")}, ${ident("distance")}, ${ident("created_at")} FROM ${SEGMENTS} WHERE ${ident("run_id")} = $1 AND ${ident("user_id")} = $2`,
    [runId, userId],
  );
  return r
    ? {
        segment: Number(r.segment),
        label: String(r.label),
        distance: Number(r.distance),
        createdAt: String(r.createdAt),
      }
    : null;
}
