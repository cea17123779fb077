// The converted schema as SQL: CREATE SCHEMA/TABLE (with DISTKEY/SORTKEY on Redshift), COMMENT ON,
// indexes and sequences where PostgreSQL has them, and foreign keys last as ALTER TABLE (so tables
// may reference each other in any order). Names arrive normalised; quoting happens here.
import { ident, isValidIdent, literal } from "../warehouse/ident";
import type { Dialect } from "../warehouse/warehouse";

export interface OutColumn {
  name: string;
  type: string;
  notNull: boolean;
  default: { sql: string } | { string: string } | null;
  identity: { start: number; increment: number } | null;
  comment: string | null;
}

export interface OutKey {
  name: string | null;
  columns: string[];
}

export interface OutForeignKey extends OutKey {
  table: OutTable;
  ref: OutTable;
  refColumns: string[];
}

export interface OutTable {
  schema: string | null;
  name: string;
  /** The Oracle name and line, for the comment above the table. */
  origin: string;
  columns: OutColumn[];
  primaryKey: OutKey | null;
  uniques: OutKey[];
  comment: string | null;
  /** Redshift: DISTKEY column and compound SORTKEY columns (from the primary key). */
  distKey: string | null;
  sortKey: string[];
}

export interface OutIndex {
  name: string;
  table: OutTable;
  unique: boolean;
  columns: string[];
}

export interface OutSequence {
  schema: string | null;
  name: string;
  start: number | null;
  increment: number | null;
}

export interface OutSchema {
  tables: OutTable[];
  foreignKeys: OutForeignKey[];
  indexes: OutIndex[];
  sequences: OutSequence[];
}

/** Reserved words of PostgreSQL and Redshift (either): such names are quoted. */
const RESERVED = new Set(
  (
    "aes128 aes256 all allowoverwrite analyse analyze and any array as asc asymmetric authorization az64 " +
    "backup between binary blanksasnull both bytedict bzip2 case cast check collate collation column " +
    "concurrently constraint create credentials cross current_catalog current_date current_role " +
    "current_schema current_time current_timestamp current_user current_user_id datetime default " +
    "deferrable deflate defrag delta delta32k desc disable distinct do else emptyasnull enable encode " +
    "encrypt encryption end except explicit false fetch for foreign freeze from full globaldict256 " +
    "globaldict64k grant group gzip having identity ignore ilike in initially inner intersect interval " +
    "into is isnull join language lateral leading left like limit localtime localtimestamp lun luns lzo " +
    "lzop minus mostly16 mostly32 mostly8 natural new not notnull null nulls off offline offset oid old " +
    "on only open or order outer overlaps parallel partition percent permissions pivot placing primary " +
    "raw readratio recover references rejectlog resort respect restore returning right select " +
    "session_user similar snapshot some symmetric sysdate system system_user table tablesample tag tdes " +
    "text255 text32k then timestamp to top trailing true truncatecolumns union unique unnest unpivot user " +
    "using variadic verbose wallet when where window with without"
  ).split(" "),
);

/** A normalised name, bare when it can be, quoted (through the one identifier door) otherwise. */
export function sqlName(name: string): string {
  if (/^[a-z_][a-z0-9_]*$/.test(name) && !RESERVED.has(name) && isValidIdent(name)) return name;
  return ident(name);
}

export function tableRef(t: { schema: string | null; name: string }): string {
  return t.schema ? `${sqlName(t.schema)}.${sqlName(t.name)}` : sqlName(t.name);
}

/** A string literal for the target: Redshift reads backslashes in literals as escapes. */
export function stringLiteral(value: string, target: Dialect): string {
  return literal(value, target);
}

export interface Emitted {
  /** The script: statements with comments between them, each ending in `;`. */
  ddl: string;
  /** Just the statements, without `;`, in order. */
  statements: string[];
}

const list = (names: string[]) => names.map(sqlName).join(", ");

export function emit(schema: OutSchema, target: Dialect, header: string[]): Emitted {
  const parts: string[] = header.map((h) => `-- ${h}`);
  const statements: string[] = [];
  const add = (sql: string, comment?: string) => {
    statements.push(sql);
    parts.push(`${comment ? `\n-- ${comment}\n` : ""}${sql};`);
  };
  const schemas = [...new Set(schema.tables.map((t) => t.schema).filter((s) => s !== null))];
  if (schemas.length) parts.push("");
  for (const s of schemas) add(`create schema if not exists ${sqlName(s)}`);

  for (const t of schema.tables) {
    add(createTable(t, target), t.origin);
    if (t.comment !== null)
      add(`comment on table ${tableRef(t)} is ${stringLiteral(t.comment, target)}`);
    for (const c of t.columns) {
      if (c.comment === null) continue;
      add(
        `comment on column ${tableRef(t)}.${sqlName(c.name)} is ${stringLiteral(c.comment, target)}`,
      );
    }
  }
  if (target === "postgres") {
    for (const s of schema.sequences) {
      const opts = `${s.start !== null ? ` start with ${s.start}` : ""}${s.increment !== null ? ` increment by ${s.increment}` : ""}`;
      add(`create sequence if not exists ${tableRef(s)}${opts}`);
    }
    for (const i of schema.indexes) {
      add(
        `create ${i.unique ? "unique " : ""}index if not exists ${sqlName(i.name)} on ${tableRef(i.table)} (${list(i.columns)})`,
      );
    }
  }
  if (schema.foreignKeys.length) {
    if (target === "redshift") {
      for (const f of schema.foreignKeys) {
        const name = f.name ? `constraint ${sqlName(f.name)} ` : "";
        add(
          `alter table ${tableRef(f.table)} add ${name}foreign key (${list(f.columns)}) references ${tableRef(f.ref)} (${list(f.refColumns)})`,
          f === schema.foreignKeys[0]
            ? "Foreign keys: informational on Redshift (not enforced)"
            : undefined,
        );
      }
    } else {
      parts.push(
        "",
        "-- Foreign keys, left out: the replica takes rows from DMS table by table, in any order,",
      );
      parts.push("-- so an enforced foreign key would reject rows Oracle holds. For reference:");
      for (const f of schema.foreignKeys) {
        parts.push(
          `--   ${tableRef(f.table)} (${list(f.columns)}) references ${tableRef(f.ref)} (${list(f.refColumns)})`,
        );
      }
    }
  }
  return { ddl: `${parts.join("\n")}\n`, statements };
}

function columnSql(c: OutColumn, target: Dialect): string {
  let sql = `${sqlName(c.name)} ${c.type}`;
  if (c.identity) {
    sql +=
      target === "redshift"
        ? ` generated by default as identity(${c.identity.start}, ${c.identity.increment})`
        : ` generated by default as identity (start with ${c.identity.start} increment by ${c.identity.increment})`;
  } else if (c.default) {
    sql += ` default ${"sql" in c.default ? c.default.sql : stringLiteral(c.default.string, target)}`;
  }
  if (c.notNull) sql += " not null";
  return sql;
}

function createTable(t: OutTable, target: Dialect): string {
  const lines = t.columns.map((c) => `  ${columnSql(c, target)}`);
  const key = (kind: string, k: OutKey) =>
    `  ${k.name ? `constraint ${sqlName(k.name)} ` : ""}${kind} (${list(k.columns)})`;
  if (t.primaryKey) lines.push(key("primary key", t.primaryKey));
  for (const u of t.uniques) lines.push(key("unique", u));
  let sql = `create table ${tableRef(t)} (\n${lines.join(",\n")}\n)`;
  if (target === "redshift") {
    if (t.distKey) sql += `\ndiststyle key\ndistkey (${sqlName(t.distKey)})`;
    else sql += "\ndiststyle auto";
    if (t.sortKey.length) sql += `\ncompound sortkey (${list(t.sortKey)})`;
  }
  return sql;
}
