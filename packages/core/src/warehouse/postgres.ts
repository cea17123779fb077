// Any PostgreSQL server as the warehouse (CDP_WAREHOUSE_URL); also what the tests run Redshift SQL on.

import { once } from "node:events";
import { finished } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { resultParsers, type SqlRunner, type Warehouse } from "./warehouse";

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    resultParsers[oid] ??
    pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

export function postgresWarehouse(
  url: string,
  opts: { max?: number; copyStreams?: number } = {},
): Warehouse {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 4, types });
  // An idle connection the server dropped (a restart, a failover) is an 'error' event on the
  // pool; unheard, it would crash the process. The pool discards that connection and opens a new
  // one when asked; the run that was using the server fails on its own query.
  pool.on("error", (err) => console.error(`warehouse: an idle connection closed: ${err.message}`));
  /**
   * A connection of the pool's for a while. The pool listens for errors only on connections it
   * holds: one checked out that the server drops between two queries would crash the process
   * unheard. Heard, its next query fails (and the run with it).
   */
  const checkout = async () => {
    const client = await pool.connect();
    const heard = (err: Error) =>
      console.error(`warehouse: a connection in use closed: ${err.message}`);
    client.on("error", heard);
    return {
      client,
      release(destroy = false) {
        client.off("error", heard);
        client.release(destroy);
      },
    };
  };
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
      const held = await checkout();
      const client = held.client;
      let broken = false;
      try {
        await client.query("BEGIN");
        const out = await fn(runner(client));
        await client.query("COMMIT");
        return out;
      } catch (err) {
        // A connection that cannot even roll back is broken: destroyed, not pooled again.
        broken = await client.query("ROLLBACK").then(
          () => false,
          () => true,
        );
        throw err;
      } finally {
        held.release(broken);
      }
    },
    async readSession(fn, { role, timeoutMs }) {
      // A connection of its own, closed after: nothing a query sets can reach the pool. The
      // extended protocol runs exactly one statement per call.
      const client = new pg.Client({ connectionString: url, types });
      // As for the pool's: a dropped connection fails the query, never the process.
      client.on("error", (err) => console.error(`warehouse: a SQL session closed: ${err.message}`));
      await client.connect();
      const guard = setTimeout(() => client.end().catch(() => {}), timeoutMs + 5000);
      try {
        await client.query("BEGIN READ ONLY");
        await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
        if (role) await client.query(`SET LOCAL ROLE ${role}`);
        return await fn({
          async query<T>(sql: string, params?: unknown[]) {
            // node-postgres reads queryMode; its types do not declare it yet.
            const config: pg.QueryConfig & { queryMode: "extended" } = {
              text: sql,
              values: params ?? [],
              queryMode: "extended",
            };
            const res = await client.query(config);
            return res.rows as T[];
          },
        });
      } finally {
        clearTimeout(guard);
        await client.end().catch(() => {});
      }
    },
    async copyCsv(table, columns, source) {
      // The server parses COPY input on one core per connection; two streams fed alternately
      // from the one pass over the file load it on two. Staging order does not matter: every
      // row carries its record number.
      const it = source[Symbol.asyncIterator]();
      const stream = async () => {
        const held = await checkout();
        const client = held.client;
        const sink = client.query(
          copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN WITH (FORMAT csv)`),
        );
        const done = finished(sink);
        try {
          for (;;) {
            const next = await it.next(); // async generators queue concurrent next() calls
            if (next.done) break;
            if (!sink.write(next.value)) await Promise.race([once(sink, "drain"), done]);
          }
          sink.end();
          await done;
          held.release();
        } catch (err) {
          // A connection left in the middle of a COPY is not reusable: close it.
          done.catch(() => {});
          sink.destroy(err as Error);
          held.release(true);
          throw err;
        }
      };
      await Promise.all(Array.from({ length: opts.copyStreams ?? 2 }, stream));
    },
    close: () => pool.end(),
  };
}
