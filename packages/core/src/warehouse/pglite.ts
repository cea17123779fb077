// The embedded default warehouse: PGlite in a folder of the data dir (or in memory for tests).
import { PGlite } from "@electric-sql/pglite";
import { resultParsers, type SqlRunner, type Warehouse } from "./warehouse";

export async function openPglite(dataDir?: string): Promise<PGlite> {
  return PGlite.create({ ...(dataDir ? { dataDir } : {}), parsers: resultParsers });
}

export function pgliteWarehouse(db: PGlite): Warehouse {
  const runner = (q: Pick<PGlite, "query">): SqlRunner => ({
    async query<T>(sql: string, params?: unknown[]) {
      const res = await q.query<T>(sql, params as never);
      return res.rows;
    },
  });
  return {
    kind: "pglite",
    dialect: "postgres",
    ...runner(db),
    transaction: (fn) => db.transaction((tx) => fn(runner(tx))),
    async copyCsv(table, columns, source) {
      const cols = columns.join(", ");
      // One COPY per bounded chunk: a single COPY of a whole large file holds it all in memory.
      for await (const chunk of source) {
        await db.query(`COPY ${table} (${cols}) FROM '/dev/blob' WITH (FORMAT csv)`, [], {
          blob: new Blob([chunk as Uint8Array<ArrayBuffer>]),
        });
      }
    },
    close: () => db.close(),
  };
}
