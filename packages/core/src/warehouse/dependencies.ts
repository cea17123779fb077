// What stands in the way of changing a table's columns, read from the catalog before a plan
// changes them: the views bound to its columns (PostgreSQL and Redshift), and on Redshift the
// columns it will not drop (distribution key, sort key, constraints).
import type { Dialect, SqlRunner } from "./warehouse";

/**
 * Schema-bound views using the table's columns: one per (view, column). Redshift's late-binding
 * views (WITH NO SCHEMA BINDING) record no dependency, so they are not listed — and do not block.
 * pg_depend/pg_rewrite exist on both engines.
 */
export async function boundViews(
  sql: SqlRunner,
  schema: string,
  table: string,
): Promise<{ view: string; column: string }[]> {
  return sql.query<{ view: string; column: string }>(
    `select distinct vn.nspname || '.' || v.relname as "view", a.attname as "column"
       from pg_depend d
       join pg_rewrite r on r.oid = d.objid
       join pg_class v on v.oid = r.ev_class
       join pg_namespace vn on vn.oid = v.relnamespace
       join pg_class t on t.oid = d.refobjid
       join pg_namespace tn on tn.oid = t.relnamespace
       join pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
      where d.classid = (select oid from pg_class where relname = 'pg_rewrite')
        and tn.nspname = $1 and t.relname = $2 and v.oid <> t.oid
      order by 1, 2`,
    [schema, table],
  );
}

/**
 * Columns the warehouse refuses to drop (so a widening by add/copy/drop/rename cannot touch them):
 * on Redshift the DISTKEY and SORTKEY columns (pg_attribute's attisdistkey, attsortkeyord), and on
 * both the primary-key and unique columns. ALTER TABLE … DROP COLUMN, Redshift Database Developer
 * Guide: "You can't drop a column that is the distribution key (DISTKEY) or a sort key (SORTKEY)".
 */
export async function undroppableColumns(
  sql: SqlRunner,
  dialect: Dialect,
  schema: string,
  table: string,
): Promise<string[]> {
  const constrained = await sql.query<{ name: string }>(
    `select k.column_name as name
       from information_schema.table_constraints c
       join information_schema.key_column_usage k
         on k.constraint_name = c.constraint_name and k.table_schema = c.table_schema
        and k.table_name = c.table_name
      where c.table_schema = $1 and c.table_name = $2
        and c.constraint_type in ('PRIMARY KEY', 'UNIQUE')`,
    [schema, table],
  );
  const layout =
    dialect === "redshift"
      ? await sql.query<{ name: string }>(
          `select a.attname as name
             from pg_attribute a
             join pg_class c on c.oid = a.attrelid
             join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = $1 and c.relname = $2 and a.attnum > 0
              and (a.attisdistkey or a.attsortkeyord <> 0)`,
          [schema, table],
        )
      : [];
  return [...new Set([...constrained, ...layout].map((r) => r.name.trim()))].sort();
}
