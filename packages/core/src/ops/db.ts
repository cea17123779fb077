// The ops store: runs, quality failures, schema history, alerts, metrics. PGlite in the data dir
// by default, PostgreSQL when CDP_OPS_URL is set. Migrations are applied on open.
import { fileURLToPath } from "node:url";
import type { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { openPglite } from "../warehouse/pglite";
import * as schema from "./schema";

export type OpsDb = PgDatabase<PgQueryResultHKT, typeof schema>;

/**
 * Hold an advisory lock on (scope, key) until `tx` ends: one decision at a time, however many
 * executions ask. Selected from, so the statement returns a plain column (the lock function itself
 * returns void).
 */
export async function lockUntilCommit(tx: OpsDb, scope: string, key: string): Promise<void> {
  await tx.execute(
    sql`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext(${scope}), hashtext(${key}))) AS l`,
  );
}

export interface OpsStore {
  readonly db: OpsDb;
  readonly kind: "pglite" | "postgres";
  close(): Promise<void>;
}

const migrationsFolder = fileURLToPath(new URL("../../migrations", import.meta.url));

export async function openOps(opts: {
  url?: string;
  dir?: string;
  pglite?: PGlite;
}): Promise<OpsStore> {
  if (opts.url) {
    const pool = new pg.Pool({ connectionString: opts.url, max: 8 });
    // An idle connection the server dropped must not crash the process (see warehouse/postgres.ts).
    pool.on("error", (err) =>
      console.error(`ops store: an idle connection closed: ${err.message}`),
    );
    const db = drizzlePg(pool, { schema });
    await migratePg(db, { migrationsFolder });
    return { db: db as unknown as OpsDb, kind: "postgres", close: () => pool.end() };
  }
  const client = opts.pglite ?? (await openPglite(opts.dir));
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder });
  return { db: db as unknown as OpsDb, kind: "pglite", close: () => client.close() };
}
