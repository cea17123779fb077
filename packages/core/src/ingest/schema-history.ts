// Schema history: which file created, added or widened which column of which table, and when.
import { asc, desc, eq } from "drizzle-orm";
import type { OpsDb } from "../ops/db";
import { createId } from "../util/id";
import type { PlannedColumn } from "./plan";
import { schemaChangeTable } from "./schema-history.sql";

export async function recordSchemaChanges(
  db: OpsDb,
  input: { runId: string; table: string; sourceKey: string; columns: PlannedColumn[] },
) {
  const now = new Date();
  const rows = input.columns
    .filter((c) => c.change)
    .map((c) => ({
      id: createId("schemaChange"),
      tableName: input.table,
      columnName: c.name,
      originalName: c.original,
      change: c.change!,
      dataType: c.type,
      fromType: c.fromType,
      runId: input.runId,
      sourceKey: input.sourceKey,
      createdAt: now,
    }));
  if (rows.length) await db.insert(schemaChangeTable).values(rows);
}

export async function schemaHistory(db: OpsDb, table?: string) {
  const t = schemaChangeTable;
  const rows = await db
    .select()
    .from(t)
    .where(table ? eq(t.tableName, table) : undefined)
    .orderBy(asc(t.tableName), desc(t.id));
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
}
