// The SQL endpoint's query, read-only by construction: PostgreSQL's own parser (libpg-query) must
// find exactly one plain SELECT that calls no function with side effects; it runs in a read-only
// transaction as a role that may only read the data schema, under a statement timeout (PostgreSQL)
// or an estimated-cost ceiling (PGlite, which cannot be interrupted), and returns at most
// `maxRows` rows and `maxBytes` bytes, saying when it cut. Engines that cannot give these
// guarantees (Redshift through the Data API) refuse in their `readSession`.
import { parse } from "libpg-query";
import { VisibleError } from "../util/error";
import type { SqlRunner, Warehouse } from "./warehouse";

export interface SqlLimits {
  maxRows: number;
  /** Bytes of the rows as text, the cut made inside the database (before anything reaches us). */
  maxBytes: number;
  timeoutMs: number;
  /** PGlite: the planner's estimated total cost above which a query is refused, not run. */
  maxCost: number;
}

export const DEFAULT_SQL_LIMITS: SqlLimits = {
  maxRows: 1000,
  maxBytes: 8 << 20,
  timeoutMs: 30_000,
  // Measured on PGlite: a function scan runs about 25 cost units a millisecond, so this is
  // roughly ten seconds of work at most; scans and joins of real tables run faster per unit.
  maxCost: 200_000,
};

export interface SqlResult {
  rows: Record<string, unknown>[];
  /** Why fewer rows came back than the query has, or null when it returned them all. */
  truncated: string | null;
}

/** The role every endpoint query runs as: USAGE and SELECT on the data schema, nothing else. */
export const READER_ROLE = "cdp_reader";
const DATA_SCHEMA = "public";

/**
 * Functions that run SQL given as text, or read files, whatever their volatility. Every other
 * function is allowed when it is immutable or stable; volatile ones (set_config, pg_sleep,
 * pg_read_file, lo_export, nextval, advisory locks, …) are refused unless listed as harmless.
 */
const REFUSED = new Set([
  "query_to_xml",
  "query_to_xml_and_xmlschema",
  "query_to_xmlschema",
  "cursor_to_xml",
  "cursor_to_xmlschema",
  "ts_stat",
  "dblink",
  "dblink_exec",
]);
const HARMLESS_VOLATILE = new Set([
  "random",
  "random_normal",
  "clock_timestamp",
  "timeofday",
  "gen_random_uuid",
  "uuid_generate_v4",
]);

const refuse = (code: string, message: string) => new VisibleError("input", `sql.${code}`, message);

interface Checked {
  /** The statement's text, without a trailing semicolon. */
  text: string;
  functions: string[];
  recursive: boolean;
}

/** Every node under `node`, depth first. */
function* nodes(node: unknown): Generator<[string, Record<string, unknown>]> {
  if (Array.isArray(node)) {
    for (const n of node) yield* nodes(n);
    return;
  }
  if (!node || typeof node !== "object") return;
  for (const [key, value] of Object.entries(node)) {
    if (value && typeof value === "object" && !Array.isArray(value) && /^[A-Z]/.test(key)) {
      yield [key, value as Record<string, unknown>];
    }
    yield* nodes(value);
  }
}

const names = (list: unknown): string[] =>
  Array.isArray(list)
    ? list.map((n) => (n as { String?: { sval?: string } }).String?.sval ?? "").filter(Boolean)
    : [];

/** One plain SELECT, or a clear refusal. */
export async function checkQuery(sql: string): Promise<Checked> {
  let tree: {
    stmts?: { stmt: Record<string, unknown>; stmt_location?: number; stmt_len?: number }[];
  };
  try {
    tree = await parse(sql);
  } catch (err) {
    throw refuse("syntax", `not valid SQL: ${err instanceof Error ? err.message : String(err)}`);
  }
  const stmts = tree.stmts ?? [];
  if (stmts.length !== 1) {
    throw refuse(
      "one_statement",
      `send exactly one statement (this has ${stmts.length}); the SQL endpoint is read-only`,
    );
  }
  const { stmt, stmt_location: at = 0, stmt_len: len = 0 } = stmts[0]!;
  const kind = Object.keys(stmt)[0];
  if (kind !== "SelectStmt") {
    throw refuse(
      "read_only",
      `only SELECT queries run here (this is ${kind?.replace(/Stmt$/, "") ?? "empty"}): the SQL endpoint is read-only`,
    );
  }
  const functions = new Set<string>();
  let recursive = false;
  for (const [key, value] of nodes(stmt)) {
    if (key.endsWith("Stmt") && key !== "SelectStmt") {
      throw refuse(
        "read_only",
        `a ${key.replace(/Stmt$/, "")} inside the query is not allowed: the SQL endpoint is read-only`,
      );
    }
    if (key === "SelectStmt" && (value.intoClause || value.lockingClause)) {
      throw refuse(
        "read_only",
        "SELECT … INTO and FOR UPDATE/SHARE are not allowed: the SQL endpoint is read-only",
      );
    }
    if (key === "SelectStmt" && (value.withClause as { recursive?: boolean })?.recursive) {
      recursive = true;
    }
    if (key === "FuncCall") {
      const name = names(value.funcname).at(-1)?.toLowerCase();
      if (name) functions.add(name);
    }
  }
  for (const f of functions) {
    if (REFUSED.has(f)) throw refuse("function", `the function ${f} is not allowed here`);
  }
  const text = (len > 0 ? sql.slice(at, at + len) : sql.slice(at)).trim();
  return { text, functions: [...functions], recursive };
}

/**
 * The query, cut to the limits inside the database: at most maxRows + 1 rows are computed, and
 * only those whose running size stays within maxBytes leave it. Every answer has at least one row
 * (all-null but for "_cdp_total" when nothing fits), so a cut is always known. The bookkeeping
 * columns are removed before the rows are returned.
 */
function bounded(text: string, limits: SqlLimits): string {
  return `WITH "_cdp_w" AS MATERIALIZED (SELECT "_cdp_q".*, row_number() OVER () AS "_cdp_n", sum(octet_length(CAST("_cdp_q" AS text))) OVER (ROWS UNBOUNDED PRECEDING) AS "_cdp_bytes" FROM (
${text}
) AS "_cdp_q" LIMIT ${limits.maxRows + 1})
SELECT "_cdp_c"."_cdp_total", "_cdp_w".* FROM (SELECT count(*) AS "_cdp_total" FROM "_cdp_w") AS "_cdp_c" LEFT JOIN "_cdp_w" ON "_cdp_w"."_cdp_bytes" <= ${limits.maxBytes} ORDER BY "_cdp_w"."_cdp_n"`;
}

async function refuseVolatile(tx: SqlRunner, functions: string[]) {
  if (!functions.length) return;
  const volatile = await tx.query<{ name: string }>(
    "SELECT DISTINCT proname AS name FROM pg_catalog.pg_proc WHERE provolatile = 'v' AND proname = ANY($1)",
    [functions],
  );
  const bad = volatile.map((r) => r.name).filter((n) => !HARMLESS_VOLATILE.has(n));
  if (bad.length) {
    throw refuse(
      "function",
      `the function${bad.length > 1 ? "s" : ""} ${bad.join(", ")} may change state and ${bad.length > 1 ? "are" : "is"} not allowed here (the SQL endpoint is read-only)`,
    );
  }
}

interface PlanNode {
  "Total Cost": number;
  Plans?: PlanNode[];
}

function costliest(node: PlanNode | undefined): number {
  if (!node) return 0;
  return Math.max(node["Total Cost"], ...(node.Plans ?? []).map(costliest));
}

async function refuseExpensive(tx: SqlRunner, checked: Checked, sql: string, limits: SqlLimits) {
  if (checked.recursive) {
    throw refuse(
      "unbounded",
      "WITH RECURSIVE cannot be bounded on the embedded warehouse, which cannot interrupt a query; run it on PostgreSQL (CDP_WAREHOUSE_URL)",
    );
  }
  const [plan] = await tx.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
    `EXPLAIN (FORMAT JSON) ${sql}`,
  );
  // The costliest node, not the root: a LIMIT above a scan that never finds its rows looks cheap.
  const cost = costliest(plan?.["QUERY PLAN"][0]?.Plan);
  if (cost > limits.maxCost) {
    throw refuse(
      "too_expensive",
      `the query is too expensive for the embedded warehouse, which cannot interrupt it (estimated cost ${Math.round(cost).toLocaleString("en")}, at most ${limits.maxCost.toLocaleString("en")}): narrow it, or run it on PostgreSQL (CDP_WAREHOUSE_URL)`,
    );
  }
}

const readers = new WeakMap<Warehouse, Promise<string | null>>();

/** Schemas the platform keeps for itself: scratch tables, CDC tombstones and its file ledger. */
const PLATFORM_SCHEMAS = ["cdp_stage", "_cdp"];

/**
 * The schemas holding data: the data schema, and the schemas CDC applies changes into
 * (`crm.customers`, as its file ledger names them); not the catalog's, not the platform's own.
 */
async function dataSchemas(wh: SqlRunner): Promise<string[]> {
  const cdc = await wh
    .query<{ name: string }>(
      `SELECT DISTINCT split_part("target_table", '.', 1) AS name FROM "_cdp"."cdc_files"`,
    )
    .catch(() => []);
  return [...new Set([DATA_SCHEMA, ...cdc.map((r) => r.name)])].filter(
    (n) => !PLATFORM_SCHEMAS.includes(n),
  );
}

/** READER_ROLE may read the schema's tables, now and those created later (by this role). */
async function grantReader(wh: SqlRunner, schema: string) {
  const s = `"${schema.replace(/"/g, '""')}"`;
  await wh.query(`GRANT USAGE ON SCHEMA ${s} TO ${READER_ROLE}`);
  await wh.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${READER_ROLE}`);
  await wh.query(
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${READER_ROLE}`,
  );
}

/**
 * Platform tables the endpoint may read all the same: the segments (segment/store.ts), which
 * downstream reads like data. The rest of `_cdp` (tombstones, the file ledger) stays hidden.
 */
const SHARED_PLATFORM_TABLES = {
  schema: "_cdp",
  tables: ["segments", "segments_latest", "segment_runs"],
};

async function grantSharedTables(wh: SqlRunner) {
  const { schema, tables } = SHARED_PLATFORM_TABLES;
  const found = await wh.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_name IN (${tables.map((_, i) => `$${i + 2}`).join(", ")})`,
    [schema, ...tables],
  );
  if (!found.length) return;
  await wh.query(`GRANT USAGE ON SCHEMA "${schema}" TO ${READER_ROLE}`);
  await wh.query(
    `GRANT SELECT ON ${found.map((t) => `"${schema}"."${t.name}"`).join(", ")} TO ${READER_ROLE}`,
  );
}

/** The segments tables, once made, become readable through the SQL endpoint (PostgreSQL only). */
export async function shareSegmentsWithReader(wh: Warehouse): Promise<void> {
  if (wh.dialect !== "postgres") return;
  const [role] = await wh.query<{ n: unknown }>(
    "SELECT count(*) AS n FROM pg_roles WHERE rolname = $1",
    [READER_ROLE],
  );
  if (!Number(role?.n)) return;
  await grantSharedTables(wh).catch(() => {});
}

/**
 * A new data schema (CDC made `crm` for `crm.customers`) becomes readable through the SQL endpoint
 * when its reader role exists already; otherwise the role is granted it when made. PostgreSQL
 * only; a connection that may not grant leaves the endpoint as it was.
 */
export async function shareSchemaWithReader(wh: Warehouse, schema: string): Promise<void> {
  if (wh.dialect !== "postgres" || PLATFORM_SCHEMAS.includes(schema)) return;
  const [role] = await wh.query<{ n: unknown }>(
    "SELECT count(*) AS n FROM pg_roles WHERE rolname = $1",
    [READER_ROLE],
  );
  if (!Number(role?.n)) return;
  await grantReader(wh, schema).catch(() => {});
}

/**
 * The role queries run as: READER_ROLE, made (once per warehouse) when the connection may create
 * roles; else the connection's own role, provided it is no superuser and cannot touch server
 * files or programs. Null means "as the connection's role".
 */
function readerRole(wh: Warehouse): Promise<string | null> {
  let known = readers.get(wh);
  if (!known) {
    known = (async () => {
      try {
        await wh.query(
          `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${READER_ROLE}') THEN CREATE ROLE ${READER_ROLE} NOLOGIN; END IF; END $$`,
        );
        await wh.query(`GRANT ${READER_ROLE} TO CURRENT_USER`).catch(() => {});
        for (const schema of await dataSchemas(wh)) await grantReader(wh, schema);
        await grantSharedTables(wh);
        return READER_ROLE;
      } catch {
        const [me] = await wh.query<{ unsafe: boolean }>(
          `SELECT rolsuper OR pg_has_role(oid, 'pg_read_server_files', 'MEMBER') OR pg_has_role(oid, 'pg_write_server_files', 'MEMBER') OR pg_has_role(oid, 'pg_execute_server_program', 'MEMBER') AS unsafe FROM pg_roles WHERE rolname = current_user`,
        );
        if (me?.unsafe !== false) {
          throw new VisibleError(
            "unavailable",
            "sql.no_reader",
            `the SQL endpoint is off: the warehouse connection may read or write server files and cannot create the ${READER_ROLE} role to run queries as; give it CREATEROLE, or connect as a role without those rights`,
          );
        }
        return null;
      }
    })();
    known.catch(() => readers.delete(wh));
    readers.set(wh, known);
  }
  return known;
}

/** Run one read-only query within the limits. */
export async function runReadOnly(
  wh: Warehouse,
  sql: string,
  limits: SqlLimits = DEFAULT_SQL_LIMITS,
): Promise<SqlResult> {
  const checked = await checkQuery(sql);
  if (wh.dialect === "redshift") {
    // Before any statement is sent: the Data API has no session to hold a read-only role in.
    throw refuse(
      "unsupported",
      "the SQL endpoint is not available on Redshift: use the Redshift query editor with a read-only user of your own",
    );
  }
  const role = await readerRole(wh);
  const query = bounded(checked.text, limits);
  const rows = await wh.readSession(
    async (tx) => {
      try {
        await refuseVolatile(tx, checked.functions);
        if (wh.kind === "pglite") await refuseExpensive(tx, checked, query, limits);
        return await tx.query<Record<string, unknown>>(query);
      } catch (err) {
        if (err instanceof VisibleError) throw err;
        throw refuse("failed", err instanceof Error ? err.message : String(err));
      }
    },
    { role, timeoutMs: limits.timeoutMs },
  );
  const total = Number(rows[0]?._cdp_total ?? 0);
  const fitting = rows.filter((r) => r._cdp_n !== null && r._cdp_n !== undefined);
  const kept = fitting.slice(0, limits.maxRows);
  let truncated: string | null = null;
  if (total > limits.maxRows && kept.length === limits.maxRows) {
    truncated = `the first ${limits.maxRows} rows`;
  } else if (kept.length < Math.min(total, limits.maxRows)) {
    truncated = `the first ${kept.length} rows: the next would pass ${limits.maxBytes.toLocaleString("en")} bytes`;
  }
  for (const r of kept) {
    delete r._cdp_total;
    delete r._cdp_n;
    delete r._cdp_bytes;
  }
  return { rows: kept, truncated };
}
