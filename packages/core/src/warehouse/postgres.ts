// Any PostgreSQL server as the warehouse (CDP_WAREHOUSE_URL); also what the tests run Redshift SQL on.

import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { resultParsers, type SqlRunner, type Warehouse } from "./warehouse";

export function postgresWarehouse(url: string, opts: { max?: number } = {}): Warehouse {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 4,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        resultParsers[oid] ??
        pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  const runner = (c: pg.Pool | pg.PoolClient): SqlRunner => ({
    async query<T>(sql: string, params?: unknown[]) {
      const res = await c.query(sql, params);
      // A multi-statement string returns one result per statement; callers want the last.
      const last = Array.isArray(res) ? res[res.length - 1] : res;
      return (last?.rows ?? []) as T[];
    },
  });
  return {
    kind: "postgres",
    dialect: "postgres",
    ...runner(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const out = await fn(runner(client));
        await client.query("COMMIT");
        return out;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async copyCsv(table, columns, source) {
      const client = await pool.connect();
      try {
        const sink = client.query(
          copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN WITH (FORMAT csv)`),
        );
        await pipeline(Readable.from(source), sink);
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
