// CREATE TABLE as Oracle (and DBMS_METADATA.GET_DDL) writes it: columns with their types,
// defaults, identity and inline constraints; out-of-line constraints with their state (ENABLE,
// USING INDEX …); and the physical clauses after the column list, which are noted and dropped.
import { type Cursor, ParseError } from "./cursor";
import type { Column, Constraint, Identity, Pos, Table } from "./model";
import { COLUMN_CLAUSE, parseDefault, parseType } from "./parse-type";

const CONSTRAINT_STATE = new Set([
  "ENABLE",
  "DISABLE",
  "VALIDATE",
  "NOVALIDATE",
  "RELY",
  "NORELY",
  "DEFERRABLE",
  "INITIALLY",
  "IMMEDIATE",
  "DEFERRED",
  "EXCEPTIONS",
]);

/** Physical/storage clause heads after the column list, as the report names them. */
const PHYSICAL: Record<string, string> = {
  SEGMENT: "SEGMENT CREATION",
  PCTFREE: "PCTFREE",
  PCTUSED: "PCTUSED",
  INITRANS: "INITRANS",
  MAXTRANS: "MAXTRANS",
  STORAGE: "STORAGE",
  TABLESPACE: "TABLESPACE",
  LOGGING: "LOGGING",
  NOLOGGING: "NOLOGGING",
  COMPRESS: "COMPRESS",
  NOCOMPRESS: "NOCOMPRESS",
  LOB: "LOB STORE AS",
  PARTITION: "PARTITION BY",
  ORGANIZATION: "ORGANIZATION",
  CACHE: "CACHE",
  NOCACHE: "NOCACHE",
  PARALLEL: "PARALLEL",
  NOPARALLEL: "NOPARALLEL",
  MONITORING: "MONITORING",
  NOMONITORING: "NOMONITORING",
  ROW: "ROW MOVEMENT",
  INMEMORY: "INMEMORY",
  FLASHBACK: "FLASHBACK ARCHIVE",
  RESULT_CACHE: "RESULT_CACHE",
  DEFAULT: "DEFAULT COLLATION",
  VARRAY: "VARRAY STORE AS",
  NESTED: "NESTED TABLE STORE AS",
  XMLTYPE: "XMLTYPE STORE AS",
};

/** Thrown for CREATE TABLE forms the converter does not turn into a table (CTAS, external, …). */
export class NotATable extends Error {
  constructor(
    readonly kind: string,
    readonly reason: string,
    readonly action: string,
  ) {
    super(reason);
  }
}

/** The cursor is just past `TABLE`. */
export function parseCreateTable(c: Cursor, pos: Pos): Table {
  const name = c.name();
  const table: Table = {
    name,
    columns: [],
    constraints: [],
    comment: null,
    columnComments: new Map(),
    ignored: [],
    pos,
  };
  if (c.accept("SHARING")) {
    c.expect("=");
    c.next();
  }
  if (c.is("OF")) {
    throw new NotATable(
      "OBJECT TABLE",
      "not converted (an object table of a user-defined type)",
      "define its columns as a relational table by hand",
    );
  }
  if (c.is("AS")) throw ctas();
  if (!c.is("(")) throw new ParseError("expected ( and the column list", c.pos());
  c.next();
  for (;;) {
    parseRelationalProperty(c, table);
    if (c.accept(",")) continue;
    c.expect(")");
    break;
  }
  parsePhysical(c, table);
  return table;
}

function ctas(): NotATable {
  return new NotATable(
    "CREATE TABLE AS SELECT",
    "not converted (its columns come from a query)",
    "create the table from its DESCRIBE in Oracle, or export its DDL with DBMS_METADATA.GET_DDL",
  );
}

function parseRelationalProperty(c: Cursor, table: Table): void {
  const t = c.peek();
  if (!t) throw new ParseError("the column list ends too early", c.pos());
  if (t.kind === "word") {
    if (t.value === "SUPPLEMENTAL") {
      skipClause(c);
      addIgnored(table, "SUPPLEMENTAL LOG");
      return;
    }
    if (t.value === "PERIOD") {
      skipClause(c);
      addIgnored(table, "PERIOD FOR");
      return;
    }
    if (
      t.value === "CONSTRAINT" ||
      t.value === "PRIMARY" ||
      t.value === "FOREIGN" ||
      (t.value === "UNIQUE" && c.peek(1)?.value === "(") ||
      (t.value === "CHECK" && c.peek(1)?.value === "(")
    ) {
      const k = parseOutOfLineConstraint(c);
      if (k) table.constraints.push(k);
      return;
    }
  }
  table.columns.push(parseColumn(c, table));
}

/** Skips to the `,` or `)` that ends this element of a parenthesised list. */
export function skipClause(c: Cursor): string {
  const from = c.i;
  while (!c.done() && !c.is(",", ")")) {
    if (c.is("(")) c.skipGroup();
    else c.next();
  }
  return c.textFrom(from);
}

function addIgnored(table: Table, what: string) {
  if (!table.ignored.includes(what)) table.ignored.push(what);
}

function parseColumn(c: Cursor, table: Table): Column {
  const pos = c.pos();
  const id = c.ident();
  const col: Column = {
    name: id.value,
    quoted: id.quoted,
    type: null,
    notNull: false,
    default: null,
    defaultPos: null,
    identity: null,
    virtual: null,
    pos,
  };
  if (!c.is("GENERATED", "AS", ",", ")")) col.type = parseType(c);
  while (!c.done() && !c.is(",", ")")) {
    if (c.accept("SORT") || c.accept("VISIBLE") || c.accept("INVISIBLE")) continue;
    if (c.is("DEFAULT")) {
      c.next();
      if (c.accept("ON", "NULL")) {
        /* DEFAULT ON NULL: same as DEFAULT for a replica */
      }
      col.defaultPos = c.pos();
      col.default = parseDefault(c);
      continue;
    }
    if (c.accept("COLLATE")) {
      c.ident();
      continue;
    }
    if (c.is("ENCRYPT")) {
      skipUntil(c, COLUMN_CLAUSE, "ENCRYPT");
      addIgnored(table, "ENCRYPT");
      continue;
    }
    if (c.is("GENERATED") || c.is("AS")) {
      parseGenerated(c, col);
      continue;
    }
    if (c.is("CONSTRAINT", "NOT", "NULL", "PRIMARY", "UNIQUE", "CHECK", "REFERENCES")) {
      parseInlineConstraint(c, col, table);
      continue;
    }
    // Not understood: keep the column, note the clause.
    const from = c.pos();
    const text = skipUntil(c, COLUMN_CLAUSE);
    table.ignored.push(`column ${col.name}: "${text}" at line ${from.line}`);
  }
  return col;
}

/** Skips tokens until one of `stop` (after at least one token) or `,`/`)`; returns the text. */
function skipUntil(c: Cursor, stop: Set<string>, first?: string): string {
  const from = c.i;
  if (first) c.next();
  while (!c.done() && !c.is(",", ")")) {
    const t = c.peek()!;
    if (c.i > from && t.kind === "word" && stop.has(t.value)) break;
    if (c.is("(")) c.skipGroup();
    else c.next();
  }
  return c.textFrom(from);
}

function parseGenerated(c: Cursor, col: Column): void {
  let always = true;
  if (c.accept("GENERATED")) {
    if (c.accept("BY", "DEFAULT")) {
      always = false;
      c.accept("ON", "NULL");
    } else c.accept("ALWAYS");
  }
  c.expect("AS");
  if (c.accept("IDENTITY")) {
    const identity: Identity = {
      source: always ? "always" : "by default",
      start: null,
      increment: null,
    };
    if (c.is("(")) {
      c.next();
      while (!c.done() && !c.is(")")) {
        if (c.accept("START", "WITH")) {
          if (c.accept("LIMIT", "VALUE")) continue;
          identity.start = c.int();
        } else if (c.accept("INCREMENT", "BY")) identity.increment = c.int();
        else c.next();
      }
      c.expect(")");
    }
    col.identity = identity;
    return;
  }
  if (!c.is("(")) throw new ParseError("expected ( and the virtual column's expression", c.pos());
  col.virtual = c.skipGroup();
  c.accept("VIRTUAL");
}

function constraintName(c: Cursor): string | null {
  if (!c.accept("CONSTRAINT")) return null;
  const n = c.ident().value;
  // System-generated names (SYS_C0012345) are Oracle's, not the designer's.
  return /^SYS_C\d+$/i.test(n) ? null : n;
}

/** ENABLE / DISABLE / USING INDEX … after a constraint; returns whether it is disabled. */
function parseConstraintState(c: Cursor): boolean {
  let disabled = false;
  while (!c.done()) {
    const t = c.peek()!;
    if (t.kind !== "word") break;
    if (t.value === "USING" && c.peek(1)?.value === "INDEX") {
      c.next();
      c.next();
      if (c.is("(")) c.skipGroup();
      else
        while (!c.done() && !c.is(",", ")")) {
          const u = c.peek()!;
          if (
            u.kind === "word" &&
            (CONSTRAINT_STATE.has(u.value) || u.value === "NOT" || u.value === "CONSTRAINT")
          )
            break;
          if (c.is("(")) c.skipGroup();
          else c.next();
        }
      continue;
    }
    if (t.value === "NOT" && c.peek(1)?.value === "DEFERRABLE") {
      c.next();
      c.next();
      continue;
    }
    if (!CONSTRAINT_STATE.has(t.value)) break;
    c.next();
    if (t.value === "DISABLE") disabled = true;
    if (t.value === "EXCEPTIONS") {
      c.expect("INTO");
      c.name();
    }
  }
  return disabled;
}

function parseReferences(c: Cursor): NonNullable<Constraint["references"]> {
  c.expect("REFERENCES");
  const table = c.name();
  const columns = c.is("(") ? c.identList() : [];
  let onDelete: string | null = null;
  if (c.accept("ON", "DELETE")) {
    if (c.accept("CASCADE")) onDelete = "CASCADE";
    else {
      c.expect("SET", "NULL");
      onDelete = "SET NULL";
    }
  }
  return { table, columns, onDelete };
}

function parseInlineConstraint(c: Cursor, col: Column, table: Table): void {
  const pos = c.pos();
  const name = constraintName(c);
  if (c.accept("NOT", "NULL")) {
    const disabled = parseConstraintState(c);
    if (!disabled) col.notNull = true;
    return;
  }
  if (c.accept("NULL")) {
    parseConstraintState(c);
    return;
  }
  let k: Constraint;
  if (c.accept("PRIMARY", "KEY"))
    k = { kind: "primary", name, columns: [col.name], disabled: false, pos };
  else if (c.accept("UNIQUE"))
    k = { kind: "unique", name, columns: [col.name], disabled: false, pos };
  else if (c.is("CHECK")) {
    c.next();
    k = {
      kind: "check",
      name,
      columns: [col.name],
      condition: c.skipGroup(),
      disabled: false,
      pos,
    };
  } else if (c.is("REFERENCES")) {
    k = {
      kind: "foreign",
      name,
      columns: [col.name],
      references: parseReferences(c),
      disabled: false,
      pos,
    };
  } else
    throw new ParseError(
      "expected a constraint (NOT NULL, PRIMARY KEY, UNIQUE, CHECK, REFERENCES)",
      c.pos(),
    );
  k.disabled = parseConstraintState(c);
  table.constraints.push(k);
}

/** [CONSTRAINT name] PRIMARY KEY (…) | UNIQUE (…) | CHECK (…) | FOREIGN KEY (…) REFERENCES … */
export function parseOutOfLineConstraint(c: Cursor): Constraint | null {
  const pos = c.pos();
  const name = constraintName(c);
  let k: Constraint;
  if (c.accept("PRIMARY", "KEY"))
    k = { kind: "primary", name, columns: c.identList(), disabled: false, pos };
  else if (c.accept("UNIQUE"))
    k = { kind: "unique", name, columns: c.identList(), disabled: false, pos };
  else if (c.accept("CHECK")) {
    k = { kind: "check", name, columns: [], condition: c.skipGroup(), disabled: false, pos };
  } else if (c.accept("FOREIGN", "KEY")) {
    const columns = c.identList();
    k = { kind: "foreign", name, columns, references: parseReferences(c), disabled: false, pos };
  } else if (c.is("NOT") || c.is("NULL")) {
    return null;
  } else throw new ParseError("expected PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY", c.pos());
  k.disabled = parseConstraintState(c);
  return k;
}

function parsePhysical(c: Cursor, table: Table): void {
  while (!c.done()) {
    const t = c.peek()!;
    if (t.kind === "word" && t.value === "AS" && c.peek(1)?.kind === "word") {
      const next = c.peek(1)!.value;
      if (next === "SELECT" || next === "WITH") throw ctas();
    }
    if (t.kind === "word" && t.value === "ORGANIZATION" && c.peek(1)?.value === "EXTERNAL") {
      throw new NotATable(
        "EXTERNAL TABLE",
        "not converted (an external table reads files on the Oracle server)",
        "load those files into the lake instead, or use a Redshift Spectrum external table",
      );
    }
    if (t.kind === "word" && t.value === "ON" && c.peek(1)?.value === "COMMIT") {
      c.next();
      addIgnored(table, "ON COMMIT");
      continue;
    }
    if (c.is("(")) {
      c.skipGroup();
      continue;
    }
    const label = t.kind === "word" ? PHYSICAL[t.value] : undefined;
    if (label && (t.value !== "ORGANIZATION" || c.peek(1)?.value !== "HEAP")) {
      addIgnored(
        table,
        label === "ORGANIZATION" ? `ORGANIZATION ${c.peek(1)?.value ?? ""}`.trim() : label,
      );
    }
    c.next();
  }
}
