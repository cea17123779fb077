// From the parsed Oracle tables to the warehouse's: normalised names, mapped types, defaults,
// identities, keys (and Redshift's DISTKEY/SORTKEY from the primary key) — and a report line for
// everything dropped or changed on the way.
import { isValidIdent, normalizeName } from "../warehouse/ident";
import { type Ctx, constraintKind, constraintLabel, type Say, sayer, short } from "./context";
import type { OutColumn, OutKey, OutSchema, OutTable } from "./emit";
import { buildForeignKey, buildIndexes, buildSequences, type Converted } from "./links";
import {
  type Column,
  type Constraint,
  type DefaultExpr,
  type Script,
  showName,
  type Table,
} from "./model";
import { mapType } from "./types";

const NOT_NULL_CHECK = /^\(\s*"?([^"\s()]+)"?\s+IS\s+NOT\s+NULL\s*\)$/i;

export function buildTables(tables: Map<string, Table>, script: Script, ctx: Ctx): OutSchema {
  const say = sayer(ctx);
  const out: OutSchema = { tables: [], foreignKeys: [], indexes: [], sequences: [] };
  const outOf: Converted = new Map();
  const taken = new Set<string>();
  const pendingFks: { table: Table; k: Constraint }[] = [];
  const unqualified: Table[] = [];

  for (const t of tables.values()) {
    const label = showName(t.name);
    const schema =
      t.name.schema !== null ? normalizeName(t.name.schema) || null : ctx.defaultSchema;
    const name = normalizeName(t.name.name);
    const key = `${schema ?? ""}.${name}`;
    if (!isValidIdent(name) || taken.has(key)) {
      say(
        t.pos,
        "not-converted",
        "TABLE",
        label,
        taken.has(key)
          ? `not converted (its name becomes ${key.replace(/^\./, "")}, already taken)`
          : "not converted (no usable name: use letters and digits)",
        "rename it",
      );
      continue;
    }
    taken.add(key);
    if (schema === null) unqualified.push(t);
    if (t.name.quoted && name !== t.name.name.toLowerCase()) {
      say(
        t.pos,
        "note",
        "TABLE",
        label,
        `named ${name} (the CDC apply normalises DMS's names the same way)`,
      );
    }
    const ot: OutTable = {
      schema,
      name,
      origin: `${label} (line ${t.pos.line})`,
      columns: [],
      primaryKey: null,
      uniques: [],
      comment: t.comment,
      distKey: null,
      sortKey: [],
    };
    const columns = new Map<string, string>();
    for (const col of t.columns) {
      const oc = buildColumn(t, col, ctx, say);
      if (!oc) continue;
      if (ot.columns.some((c) => c.name === oc.name)) {
        say(
          col.pos,
          "not-converted",
          "COLUMN",
          `${label}.${col.name}`,
          `not converted (its name becomes ${oc.name}, already taken in the table)`,
          "rename one of the columns in Oracle",
        );
        continue;
      }
      if (col.quoted && oc.name !== col.name.toLowerCase()) {
        say(
          col.pos,
          "note",
          "COLUMN",
          `${label}.${col.name}`,
          `named ${oc.name} (the CDC apply normalises DMS's names the same way)`,
        );
      }
      columns.set(col.name, oc.name);
      ot.columns.push(oc);
    }
    if (!ot.columns.length) {
      say(
        t.pos,
        "not-converted",
        "TABLE",
        label,
        "not converted (no column could be converted)",
        "see the column lines above",
      );
      continue;
    }
    const colName = (n: string) => columns.get(n) ?? columns.get(n.toUpperCase());
    const resolve = (k: Constraint): string[] | null => {
      const names = k.columns.map(colName);
      if (names.some((n) => n === undefined)) {
        const missing = k.columns.filter((n) => colName(n) === undefined).join(", ");
        say(
          k.pos,
          "not-converted",
          constraintKind(k),
          constraintLabel(label, k),
          `not converted (no column ${missing} in the converted table)`,
          "check the script",
        );
        return null;
      }
      return names as string[];
    };
    for (const k of t.constraints) {
      if (k.kind === "check") {
        const m = NOT_NULL_CHECK.exec(k.condition ?? "");
        const c = m ? ot.columns.find((oc) => oc.name === colName(m[1]!)) : undefined;
        if (c && !k.disabled) {
          c.notNull = true;
          continue;
        }
        const why =
          ctx.target === "redshift"
            ? "Redshift has no CHECK constraints"
            : "its condition is Oracle SQL, and the replica keeps what Oracle accepted";
        say(
          k.pos,
          "not-converted",
          "CHECK",
          constraintLabel(label, k),
          `not converted (${why}): ${short(k.condition ?? "")}`,
          "make it a quality rule if the warehouse must check it",
        );
        continue;
      }
      if (k.kind === "foreign") {
        pendingFks.push({ table: t, k });
        continue;
      }
      const cols = resolve(k);
      if (!cols) continue;
      const ok: OutKey = { name: k.name ? normalizeName(k.name) || null : null, columns: cols };
      if (k.disabled) {
        if (ctx.target === "postgres") {
          say(
            k.pos,
            "caveat",
            constraintKind(k),
            constraintLabel(label, k),
            "left out: DISABLEd in Oracle, so rows may break it",
            "enable and validate it in Oracle first if the warehouse needs it",
          );
          continue;
        }
        say(
          k.pos,
          "caveat",
          constraintKind(k),
          constraintLabel(label, k),
          "DISABLEd in Oracle, so rows may break it; kept (Redshift does not enforce it)",
        );
      }
      if (k.kind === "primary") {
        if (ot.primaryKey) {
          say(
            k.pos,
            "not-converted",
            "PRIMARY KEY",
            constraintLabel(label, k),
            "not converted (the table already has one)",
            "check the script",
          );
          continue;
        }
        ot.primaryKey = ok;
        for (const c of ot.columns) if (cols.includes(c.name)) c.notNull = true;
      } else if (!ot.uniques.some((u) => same(u.columns, cols))) ot.uniques.push(ok);
    }
    if (ot.primaryKey && ot.uniques.some((u) => same(u.columns, ot.primaryKey!.columns)))
      ot.uniques = ot.uniques.filter((u) => !same(u.columns, ot.primaryKey!.columns));
    if (ot.primaryKey) {
      // DISTKEY on the key's first column: for a composite key (ORDER_ITEMS(ORDER_ID, LINE_NO)) that
      // is the parent's id, so the rows meet their parent's on the same slice; SORTKEY the whole key.
      ot.distKey = ot.primaryKey.columns[0]!;
      ot.sortKey = [...ot.primaryKey.columns];
    } else {
      say(
        t.pos,
        "caveat",
        "TABLE",
        label,
        `no primary key${ctx.target === "redshift" ? " (so DISTSTYLE AUTO, no sort key)" : ""}: the CDC apply has no key to apply updates and deletes by`,
        "add a primary key (or at least a unique index, which DMS also needs) in Oracle",
      );
    }
    for (const [col, text] of t.columnComments) {
      const c = ot.columns.find((oc) => oc.name === colName(col));
      if (c) c.comment = text;
    }
    if (t.ignored.length) {
      const part = t.ignored.includes("PARTITION BY")
        ? "; Redshift has no partitions, the sort key prunes by range instead"
        : "";
      say(
        t.pos,
        "note",
        "STORAGE",
        label,
        `ignored: ${t.ignored.join(", ")} (the warehouse manages storage${part})`,
      );
    }
    out.tables.push(ot);
    outOf.set(t, { out: ot, columns });
  }

  const first = unqualified[0];
  if (first) {
    const names = unqualified.map((t) => t.name.name);
    const list = names.length > 4 ? `${names.slice(0, 4).join(", ")}, …` : names.join(", ");
    say(
      first.pos,
      "caveat",
      "TABLE",
      null,
      `${names.length === 1 ? "1 table has" : `${names.length} tables have`} no schema (${list}): created in the connection's default schema`,
      "pass --schema OWNER (the Oracle owner, e.g. CRM) so they land where the CDC apply writes",
    );
  }
  for (const { table, k } of pendingFks) {
    const fk = buildForeignKey(table, k, tables, outOf, ctx, say);
    if (fk) out.foreignKeys.push(fk);
  }
  buildIndexes(script, tables, outOf, ctx, say, out.indexes);
  buildSequences(script, ctx, say, out.sequences);
  return out;
}

function same(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function buildColumn(t: Table, col: Column, ctx: Ctx, say: Say): OutColumn | null {
  const label = `${showName(t.name)}.${col.name}`;
  if (col.virtual !== null) {
    say(
      col.pos,
      "not-converted",
      "COLUMN",
      label,
      `not converted (a virtual column: Oracle computes it from ${short(col.virtual)})`,
      "compute it in a view or in the load",
    );
    return null;
  }
  if (!col.type) {
    say(
      col.pos,
      "not-converted",
      "COLUMN",
      label,
      "not converted (no type)",
      "give the column a type",
    );
    return null;
  }
  const name = normalizeName(col.name);
  if (!isValidIdent(name)) {
    say(
      col.pos,
      "not-converted",
      "COLUMN",
      label,
      "not converted (no usable name: use letters and digits)",
      "rename it",
    );
    return null;
  }
  const mapped = mapType(col.type, ctx.target, ctx.typeOptions);
  const becomesBigint = col.identity !== null && !mapped.integer;
  for (const c of mapped.caveats) say(col.type.pos, "caveat", "COLUMN", label, c);
  if (!becomesBigint) for (const n of mapped.notes) say(col.type.pos, "note", "COLUMN", label, n);
  const oc: OutColumn = {
    name,
    type: mapped.sql,
    notNull: col.notNull,
    default: null,
    identity: null,
    comment: null,
  };
  if (col.identity) {
    if (becomesBigint) {
      say(
        col.type.pos,
        "caveat",
        "COLUMN",
        label,
        `an identity needs an integer type: bigint instead of ${mapped.sql}`,
      );
      oc.type = "bigint";
    }
    if (col.identity.source === "always") {
      say(
        col.pos,
        "note",
        "COLUMN",
        label,
        "GENERATED ALWAYS AS IDENTITY in Oracle: BY DEFAULT here, so replication can write Oracle's values",
      );
    }
    oc.identity = { start: col.identity.start ?? 1, increment: col.identity.increment ?? 1 };
    oc.notNull = true;
  } else if (col.default) {
    oc.default = buildDefault(col.default, ctx, (message, action) =>
      say(col.defaultPos ?? col.pos, "caveat", "DEFAULT", label, message, action),
    );
  }
  return oc;
}

function buildDefault(
  d: DefaultExpr,
  ctx: Ctx,
  caveat: (message: string, action?: string) => void,
): OutColumn["default"] {
  const rs = ctx.target === "redshift";
  switch (d.kind) {
    case "null":
      return null;
    case "literal":
      return d.string !== undefined ? { string: d.string } : { sql: d.sql };
    case "now":
      if (rs) return { sql: "getdate()" };
      return { sql: d.fn === "SYSDATE" || d.fn === "CURRENT_DATE" ? "localtimestamp(0)" : "now()" };
    case "user":
      if (!rs) return { sql: "current_user" };
      caveat(
        "DEFAULT USER not converted (Redshift allows no session function here); dropped",
        "set it in the load if it matters",
      );
      return null;
    case "nextval":
    case "other":
      caveat(
        `DEFAULT ${short(d.text)} not converted (an Oracle expression); dropped`,
        "DMS writes every column's value, so this only matters for rows written outside replication",
      );
      return null;
  }
}
