// An Oracle DDL script (as exported by DBMS_METADATA.GET_DDL, SQL Developer or written by hand)
// into a Script: every statement either becomes part of the model or a reasoned `skipped` entry
// with its line, so the converter can report everything it did not convert.
import { Cursor, ParseError } from "./cursor";
import { type Statement, splitStatements, tokenize } from "./lexer";
import { type Alteration, type OraName, type Pos, type Script, showName } from "./model";
import { parsePlsql } from "./parse-plsql";
import { NotATable, parseCreateTable, parseOutOfLineConstraint, skipClause } from "./parse-table";
import { parseDefault, parseType } from "./parse-type";

export function parseScript(src: string): Script {
  const script: Script = {
    tables: [],
    indexes: [],
    sequences: [],
    triggers: [],
    alterations: [],
    comments: [],
    skipped: [],
    notes: [],
  };
  const { tokens, problems } = tokenize(src);
  for (const p of problems)
    script.notes.push({ pos: p, kind: "SYNTAX", name: null, message: p.message });
  let schema: string | null = null;
  for (const st of splitStatements(tokens)) {
    if (st.sqlplus) continue;
    const last = st.tokens[st.tokens.length - 1]!;
    const c: Cursor = new Cursor(
      st.tokens,
      src,
      { line: last.line, col: last.col + (last.end - last.start) },
      schema,
    );
    const pos = { line: st.line, col: st.col };
    if (c.accept("ALTER", "SESSION", "SET", "CURRENT_SCHEMA")) {
      c.accept("=");
      if (c.isIdent()) schema = c.ident().value;
      continue;
    }
    try {
      if (st.plsql) parsePlsql(c, st, pos, script);
      else parseStatement(c, pos, script);
    } catch (err) {
      if (err instanceof NotATable) {
        script.skipped.push({
          kind: err.kind,
          name: null,
          pos,
          reason: err.reason,
          action: err.action,
        });
      } else if (err instanceof ParseError) {
        script.skipped.push({
          kind: headline(st),
          name: null,
          pos: err.pos,
          reason: `not converted: could not read the statement starting at line ${pos.line} (${err.message})`,
          action: "fix or simplify the statement and convert again, or convert it by hand",
        });
      } else throw err;
    }
  }
  return script;
}

const MODIFIERS = new Set([
  "OR",
  "REPLACE",
  "EDITIONABLE",
  "NONEDITIONABLE",
  "GLOBAL",
  "TEMPORARY",
  "UNIQUE",
  "BITMAP",
  "PUBLIC",
  "FORCE",
  "NOFORCE",
]);

/** The statement's verb and object, for messages: CREATE TABLE, ALTER TABLE, … */
function headline(st: Statement): string {
  const words = st.tokens
    .filter((t) => t.kind === "word")
    .slice(0, 8)
    .map((t) => t.value);
  const [verb, ...rest] = words;
  const object = rest.find((w) => !MODIFIERS.has(w));
  return verb ? [verb, object].filter(Boolean).join(" ") : "STATEMENT";
}

const IGNORED_QUIETLY = new Set(["SESSION", "TRIGGER"]);

function parseStatement(c: Cursor, pos: Pos, script: Script): void {
  const first = c.peek();
  if (!first) return;
  if (c.accept("CREATE")) {
    c.accept("OR", "REPLACE");
    if (c.accept("GLOBAL", "TEMPORARY") || c.accept("PRIVATE", "TEMPORARY")) {
      c.expect("TABLE");
      const name = c.name();
      script.skipped.push({
        kind: "TEMPORARY TABLE",
        name: showName(name),
        pos,
        reason: "not converted (a temporary table holds no data to replicate)",
        action: "nothing to do, unless the load needs a scratch table",
      });
      return;
    }
    for (const w of ["SHARDED", "DUPLICATED", "IMMUTABLE", "BLOCKCHAIN"]) c.accept(w);
    if (c.accept("TABLE")) {
      script.tables.push(parseCreateTable(c, pos));
      return;
    }
    const unique = c.accept("UNIQUE");
    const bitmap = c.accept("BITMAP");
    if (c.accept("INDEX")) {
      parseIndex(c, pos, unique, bitmap, script);
      return;
    }
    if (c.accept("SEQUENCE")) {
      parseSequence(c, pos, script);
      return;
    }
    skipCreate(c, pos, script);
    return;
  }
  if (c.accept("ALTER", "TABLE")) {
    parseAlterTable(c, pos, script);
    return;
  }
  if (c.accept("ALTER")) {
    const what = c.peek()?.value ?? "";
    if (IGNORED_QUIETLY.has(what)) return;
    script.skipped.push({
      kind: `ALTER ${what}`,
      name: null,
      pos,
      reason: "not converted (only ALTER TABLE is folded into the tables)",
      action: "apply it by hand if the warehouse needs it",
    });
    return;
  }
  if (c.accept("COMMENT", "ON")) {
    parseComment(c, pos, script);
    return;
  }
  const word = first.value;
  const kinds: Record<string, [string, string]> = {
    GRANT: [
      "not converted (grants belong to the warehouse's own users)",
      "grant on the warehouse by hand",
    ],
    REVOKE: [
      "not converted (grants belong to the warehouse's own users)",
      "revoke on the warehouse by hand",
    ],
    DROP: [
      "not converted (the converted script only creates)",
      "drop by hand if you are re-creating",
    ],
    INSERT: ["not converted (data, not schema)", "the DMS full load brings the rows"],
    UPDATE: ["not converted (data, not schema)", "the DMS full load brings the rows"],
    DELETE: ["not converted (data, not schema)", "the DMS full load brings the rows"],
    MERGE: ["not converted (data, not schema)", "the DMS full load brings the rows"],
    TRUNCATE: ["not converted (data, not schema)", "nothing to do"],
    COMMIT: ["ignored", "nothing to do"],
    RENAME: ["not converted", "rename by hand in the warehouse"],
  };
  const k = kinds[word];
  if (word === "COMMIT") return;
  script.skipped.push({
    kind: k ? word : `${word} statement`,
    name: null,
    pos,
    reason: k?.[0] ?? "not converted (not a statement the converter knows)",
    action: k?.[1] ?? "convert it by hand if the warehouse needs it",
  });
}

function skipCreate(c: Cursor, pos: Pos, script: Script): void {
  const words: string[] = [];
  while (c.peek()?.kind === "word" && words.length < 3) {
    const w = c.peek()!.value;
    if (
      [
        "FORCE",
        "NOFORCE",
        "EDITIONABLE",
        "NONEDITIONABLE",
        "EDITIONING",
        "PUBLIC",
        "SECURE",
      ].includes(w)
    ) {
      c.next();
      continue;
    }
    words.push(w);
    c.next();
    if (!["MATERIALIZED", "DATABASE", "DIMENSION"].includes(w)) break;
  }
  if (words[0] === "MATERIALIZED" && c.accept("LOG")) words.push("LOG");
  const kind = words.join(" ") || "CREATE";
  let name: string | null = null;
  try {
    if (c.accept("ON")) c.accept("TABLE");
    if (c.isIdent()) name = showName(c.name());
  } catch {
    name = null;
  }
  const known: Record<string, [string, string]> = {
    VIEW: [
      "not converted (its query is Oracle SQL)",
      "rewrite the query for the warehouse and create the view by hand",
    ],
    "MATERIALIZED VIEW": [
      "not converted (its query is Oracle SQL)",
      "rewrite it as a Redshift materialized view by hand",
    ],
    "MATERIALIZED VIEW LOG": ["not converted (DMS reads the redo log instead)", "nothing to do"],
    SYNONYM: [
      "not converted (the warehouse has no synonyms)",
      "use the schema-qualified name, or a view",
    ],
    "DATABASE LINK": ["not converted", "nothing to do in the warehouse"],
    USER: ["not converted", "create warehouse users by hand"],
    ROLE: ["not converted", "create warehouse roles by hand"],
    TABLESPACE: ["not converted (the warehouse manages storage)", "nothing to do"],
    DIRECTORY: ["not converted", "nothing to do"],
    CLUSTER: ["not converted (an Oracle table cluster is storage)", "nothing to do"],
    CONTEXT: ["not converted", "nothing to do"],
  };
  const k = known[kind];
  script.skipped.push({
    kind,
    name,
    pos,
    reason: k?.[0] ?? "not converted (not an object the converter knows)",
    action: k?.[1] ?? "convert it by hand if the warehouse needs it",
  });
}

function parseIndex(c: Cursor, pos: Pos, unique: boolean, bitmap: boolean, script: Script): void {
  const from = c.i - 1;
  const name = c.name();
  c.expect("ON");
  if (c.accept("CLUSTER")) return;
  const table = c.name();
  c.expect("(");
  let columns: string[] | null = [];
  do {
    const t = c.peek();
    const after = c.peek(1);
    if (
      t &&
      (t.kind === "word" || t.kind === "qident") &&
      (after?.value === "," ||
        after?.value === ")" ||
        after?.value === "ASC" ||
        after?.value === "DESC")
    ) {
      columns?.push(c.ident().value);
      c.accept("ASC") || c.accept("DESC");
    } else {
      columns = null;
      skipClause(c);
    }
  } while (c.accept(","));
  c.expect(")");
  const keyEnd = c.i;
  while (!c.done()) c.next();
  script.indexes.push({
    name,
    table,
    unique,
    bitmap,
    columns,
    text: c.tokens.slice(from, keyEnd).length
      ? c.src.slice(c.tokens[from]!.start, c.tokens[keyEnd - 1]!.end)
      : "",
    pos,
  });
}

function parseSequence(c: Cursor, pos: Pos, script: Script): void {
  const name = c.name();
  let start: number | null = null;
  let increment: number | null = null;
  while (!c.done()) {
    if (c.accept("START", "WITH")) start = c.int();
    else if (c.accept("INCREMENT", "BY")) increment = c.int();
    else c.next();
  }
  script.sequences.push({ name, start, increment, pos });
}

function parseComment(c: Cursor, pos: Pos, script: Script): void {
  if (c.accept("TABLE")) {
    const table = c.name();
    c.expect("IS");
    const t = c.next();
    script.comments.push({ on: "table", table, column: null, text: t.value, pos });
    return;
  }
  if (c.accept("COLUMN")) {
    const parts: string[] = [c.ident().value];
    while (c.accept(".")) parts.push(c.ident().value);
    c.expect("IS");
    const t = c.next();
    if (parts.length < 2) throw new ParseError("expected table.column", pos);
    const column = parts.pop()!;
    const tname = parts.pop()!;
    const table: OraName = { schema: parts.pop() ?? c.schema, name: tname, quoted: false };
    script.comments.push({ on: "column", table, column, text: t.value, pos });
    return;
  }
  // COMMENT ON MATERIALIZED VIEW, INDEXTYPE, OPERATOR, … belong to objects not converted.
}

function parseAlterTable(c: Cursor, pos: Pos, script: Script): void {
  const table = c.name();
  const push = (a: Alteration) => script.alterations.push(a);
  if (c.accept("ADD")) {
    const paren = c.accept("(");
    do {
      const p = c.pos();
      if (c.is("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN")) {
        const k = parseOutOfLineConstraint(c);
        if (k) push({ kind: "constraint", table, constraint: k, pos: p });
      } else if (c.accept("SUPPLEMENTAL")) {
        while (!c.done() && !c.is(",", ")")) c.is("(") ? c.skipGroup() : c.next();
      } else {
        // ADD (col type …): a new column
        const id = c.ident();
        const type = parseType(c);
        let notNull = false;
        let value = null;
        while (!c.done() && !c.is(",", ")")) {
          if (c.accept("NOT", "NULL")) notNull = true;
          else if (c.accept("DEFAULT")) value = parseDefault(c);
          else if (c.is("(")) c.skipGroup();
          else c.next();
        }
        push({
          kind: "column",
          table,
          column: {
            name: id.value,
            quoted: id.quoted,
            type,
            notNull,
            default: value,
            defaultPos: null,
            identity: null,
            virtual: null,
            pos: p,
          },
          pos: p,
        });
      }
    } while (c.accept(","));
    if (paren) c.accept(")");
    return;
  }
  if (c.accept("MODIFY")) {
    if (c.is("CONSTRAINT", "PRIMARY", "UNIQUE")) {
      unsupportedAlter(c, pos, table, script);
      return;
    }
    const paren = c.accept("(");
    do {
      const p = c.pos();
      const column = c.ident().value;
      while (!c.done() && !c.is(",", ")")) {
        if (c.accept("CONSTRAINT")) c.ident();
        else if (c.accept("NOT", "NULL"))
          push({ kind: "notnull", table, column, notNull: true, pos: p });
        else if (c.accept("NULL")) push({ kind: "notnull", table, column, notNull: false, pos: p });
        else if (c.accept("DEFAULT"))
          push({ kind: "default", table, column, value: parseDefault(c), pos: p });
        else if (c.is("(")) c.skipGroup();
        else c.next();
      }
    } while (c.accept(","));
    if (paren) c.accept(")");
    return;
  }
  // LOGGING, ENABLE ROW MOVEMENT, … are storage settings; others (DROP, RENAME) change the schema.
  const w = c.peek()?.value ?? "";
  if (
    [
      "LOGGING",
      "NOLOGGING",
      "ENABLE",
      "DISABLE",
      "PARALLEL",
      "NOPARALLEL",
      "CACHE",
      "NOCACHE",
      "MOVE",
      "SHRINK",
      "ALLOCATE",
      "DEALLOCATE",
      "PCTFREE",
      "STORAGE",
      "COMPRESS",
      "NOCOMPRESS",
    ].includes(w)
  )
    return;
  unsupportedAlter(c, pos, table, script);
}

function unsupportedAlter(c: Cursor, pos: Pos, table: OraName, script: Script): void {
  script.skipped.push({
    kind: "ALTER TABLE",
    name: showName(table),
    pos,
    reason: `not converted (${c.peek()?.value ?? "this"} is not folded into the table)`,
    action: "apply the change by hand after creating the table",
  });
}
