// The warehouse port: SQL that runs on Redshift when deployed and on PGlite/PostgreSQL locally.
export type Dialect = "postgres" | "redshift";

export interface SqlRunner {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Warehouse extends SqlRunner {
  readonly kind: "pglite" | "postgres" | "redshift";
  readonly dialect: Dialect;
  /** Statements on one connection in one transaction; rolled back if `fn` throws. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * Load CSV (no header, columns in `columns` order, unquoted empty = NULL) into `table`
   * (already quoted). The source yields bounded chunks, each ending on a record boundary.
   */
  copyCsv(table: string, columns: string[], source: AsyncIterable<Buffer>): Promise<void>;
  /**
   * A session for queries we did not write (the SQL endpoint): one read-only transaction, as
   * `role` when given, apart from the connections ingest uses, leaving nothing behind; cancelled
   * after `timeoutMs` where the engine can cancel. An engine that cannot give this refuses.
   */
  readSession<T>(
    fn: (tx: SqlRunner) => Promise<T>,
    opts: { role: string | null; timeoutMs: number },
  ): Promise<T>;
  close(): Promise<void>;
}

export interface ColumnInfo {
  name: string;
  type: string;
}

/** Columns of a table in declaration order, or null when it does not exist. */
export async function describeTable(
  sql: SqlRunner,
  schema: string,
  table: string,
): Promise<ColumnInfo[] | null> {
  const rows = await sql.query<{ name: string; type: string }>(
    `select column_name as name, data_type as type
       from information_schema.columns
      where table_schema = $1 and table_name = $2
      order by ordinal_position`,
    [schema, table],
  );
  return rows.length ? rows : null;
}

/**
 * The primary-key columns of a table, in key order; null when it has none or does not exist.
 * information_schema's constraint views exist on PostgreSQL and Redshift alike.
 */
export async function tableKey(
  sql: SqlRunner,
  schema: string,
  table: string,
): Promise<string[] | null> {
  const rows = await sql.query<{ name: string }>(
    `select k.column_name as name
       from information_schema.table_constraints c
       join information_schema.key_column_usage k
         on k.constraint_schema = c.constraint_schema and k.constraint_name = c.constraint_name
        and k.table_schema = c.table_schema and k.table_name = c.table_name
      where c.constraint_type = 'PRIMARY KEY' and c.table_schema = $1 and c.table_name = $2
      order by k.ordinal_position`,
    [schema, table],
  );
  return rows.length ? rows.map((r) => r.name) : null;
}

/**
 * How result values come back, the same on every engine: dates and timestamps as the database
 * prints them (a date is not a midnight instant), int8 as a number when it is exact, else text.
 */
export const resultParsers: Record<number, (value: string) => unknown> = {
  20: (v) => {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v;
  },
  1082: (v) => v,
  1114: (v) => v,
  1184: (v) => v,
};

/** With CDP_TRACE_SQL=1, every statement's time goes to stderr: where an ingest spends its time. */
export function traced(
  wh: Warehouse,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Warehouse {
  const time =
    (run: SqlRunner): SqlRunner["query"] =>
    async (sql, params) => {
      const t0 = performance.now();
      try {
        return await run.query(sql, params);
      } finally {
        log(
          `[sql ${(performance.now() - t0).toFixed(0).padStart(6)} ms] ${sql.replace(/\s+/g, " ").slice(0, 160)}`,
        );
      }
    };
  return {
    ...wh,
    query: time(wh),
    transaction: (fn) => wh.transaction((tx) => fn({ query: time(tx) })),
    readSession: (fn, opts) => wh.readSession((tx) => fn({ query: time(tx) }), opts),
    async copyCsv(table, columns, source) {
      const t0 = performance.now();
      await wh.copyCsv(table, columns, source);
      log(`[sql ${(performance.now() - t0).toFixed(0).padStart(6)} ms] COPY ${table}`);
    },
    close: () => wh.close(),
  };
}

const mergeSupport = new WeakMap<Warehouse, Promise<boolean>>();

/** Whether the warehouse runs PostgreSQL's MERGE … WHEN MATCHED AND … (PostgreSQL 15 or newer). */
export function supportsMerge(wh: Warehouse): Promise<boolean> {
  if (wh.dialect !== "postgres") return Promise.resolve(false);
  let known = mergeSupport.get(wh);
  if (!known) {
    known = wh
      .query<{ v: unknown }>("SELECT current_setting('server_version_num') AS v")
      .then(([row]) => Number(row?.v) >= 150000);
    mergeSupport.set(wh, known);
  }
  return known;
}
