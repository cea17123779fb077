// The links between converted tables: foreign keys (resolved once every table is known), the
// indexes PostgreSQL keeps and Redshift drops, and the sequences no column draws from.
import { isValidIdent, normalizeName } from "../warehouse/ident";
import { type Ctx, constraintLabel, findTable, type Say, short } from "./context";
import type { OutForeignKey, OutIndex, OutSequence, OutTable } from "./emit";
import { type Constraint, type Script, showName, type Table } from "./model";

export type Converted = Map<Table, { out: OutTable; columns: Map<string, string> }>;

export function buildForeignKey(
  table: Table,
  k: Constraint,
  tables: Map<string, Table>,
  outOf: Converted,
  ctx: Ctx,
  say: Say,
): OutForeignKey | null {
  const label = constraintLabel(showName(table.name), k);
  const from = outOf.get(table);
  const ref = k.references!;
  const refTable = findTable(tables, ref.table);
  const to = refTable ? outOf.get(refTable) : undefined;
  if (!from) return null;
  if (!to) {
    say(
      k.pos,
      "not-converted",
      "FOREIGN KEY",
      label,
      `not converted (it references ${showName(ref.table)}, which is not converted in this script)`,
      "convert the referenced table with this script, or add the key by hand",
    );
    return null;
  }
  const cols = k.columns.map((c) => from.columns.get(c));
  const refCols = ref.columns.length
    ? ref.columns.map((c) => to.columns.get(c))
    : (to.out.primaryKey?.columns ?? []);
  if (cols.some((c) => !c) || refCols.some((c) => !c) || refCols.length !== cols.length) {
    say(
      k.pos,
      "not-converted",
      "FOREIGN KEY",
      label,
      "not converted (its columns do not match the converted tables)",
      "check the script",
    );
    return null;
  }
  if (ctx.target === "postgres") {
    say(
      k.pos,
      "note",
      "FOREIGN KEY",
      label,
      "left out of the PostgreSQL replica, which takes DMS's rows table by table in any order; listed in a comment at the end",
    );
  } else if (ref.onDelete) {
    say(
      k.pos,
      "note",
      "FOREIGN KEY",
      label,
      `ON DELETE ${ref.onDelete} dropped (Redshift foreign keys are informational; DMS replicates the cascaded deletes as their own changes)`,
    );
  }
  if (k.disabled)
    say(
      k.pos,
      "caveat",
      "FOREIGN KEY",
      label,
      "DISABLEd in Oracle, so rows may break it (Redshift does not enforce it)",
    );
  return {
    name: k.name ? normalizeName(k.name) || null : null,
    columns: cols as string[],
    table: from.out,
    ref: to.out,
    refColumns: refCols as string[],
  };
}

export function buildIndexes(
  script: Script,
  tables: Map<string, Table>,
  outOf: Converted,
  ctx: Ctx,
  say: Say,
  into: OutIndex[],
) {
  for (const ix of script.indexes) {
    const label = showName(ix.name);
    const t = findTable(tables, ix.table);
    const o = t ? outOf.get(t) : undefined;
    if (!o) {
      say(
        ix.pos,
        "note",
        "INDEX",
        label,
        `ignored (its table ${showName(ix.table)} is not converted in this script)`,
      );
      continue;
    }
    const cols = ix.columns?.map((c) => o.columns.get(c));
    const backsKey =
      cols &&
      ix.unique &&
      [o.out.primaryKey, ...o.out.uniques].some(
        (k) =>
          k && cols.length === k.columns.length && cols.every((c) => c && k.columns.includes(c)),
      );
    if (backsKey) continue; // the index Oracle keeps for a PRIMARY KEY/UNIQUE constraint
    if (ctx.target === "redshift") {
      say(
        ix.pos,
        "note",
        "INDEX",
        label,
        "dropped (Redshift has no indexes; the sort key and zone maps do their work)",
      );
      continue;
    }
    if (!cols || cols.some((c) => !c)) {
      say(
        ix.pos,
        "not-converted",
        "INDEX",
        label,
        `not converted (a function-based index: its keys are Oracle expressions): ${short(ix.text)}`,
        "create it by hand if queries need it",
      );
      continue;
    }
    const name = normalizeName(ix.name.name);
    if (!isValidIdent(name)) continue;
    into.push({ name, table: o.out, unique: ix.unique, columns: cols as string[] });
  }
}

export function buildSequences(script: Script, ctx: Ctx, say: Say, into: OutSequence[]) {
  for (const s of script.sequences) {
    const label = showName(s.name);
    if (ctx.target === "redshift") {
      say(
        s.pos,
        "not-converted",
        "SEQUENCE",
        label,
        "not converted (Redshift has no sequences, and no column here draws from it)",
        "nothing to do unless the load needs numbers from it",
      );
      continue;
    }
    const name = normalizeName(s.name.name);
    if (!isValidIdent(name)) continue;
    const schema =
      s.name.schema !== null ? normalizeName(s.name.schema) || null : ctx.defaultSchema;
    into.push({ schema, name, start: s.start, increment: s.increment });
  }
}
