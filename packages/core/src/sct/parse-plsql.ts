// PL/SQL units in a DDL script (TRIGGER, PACKAGE [BODY], PROCEDURE, FUNCTION, TYPE, JAVA,
// anonymous blocks): each skipped whole and reported. Triggers are read a little further: the
// classic "BEFORE INSERT … :NEW.ID := SEQ.NEXTVAL" id trigger becomes an identity column.
import type { Cursor } from "./cursor";
import type { Statement } from "./lexer";
import { type OraName, type Pos, type Script, showName, type Trigger } from "./model";

const UNIT_WORDS = new Set([
  "TRIGGER",
  "PACKAGE",
  "PROCEDURE",
  "FUNCTION",
  "TYPE",
  "LIBRARY",
  "JAVA",
]);

export function parsePlsql(c: Cursor, st: Statement, pos: Pos, script: Script): void {
  if (st.unterminated) {
    script.notes.push({
      pos,
      kind: "SYNTAX",
      name: null,
      message:
        "a PL/SQL unit without the `/` line that ends it: taken up to the next CREATE at the start of a line",
    });
  }
  if (!c.accept("CREATE")) {
    script.skipped.push({
      kind: "PL/SQL BLOCK",
      name: null,
      pos,
      reason: "not converted (an anonymous PL/SQL block runs Oracle code)",
      action: "do what it does by hand in the warehouse, if anything",
    });
    return;
  }
  while (
    c.is(
      "OR",
      "REPLACE",
      "EDITIONABLE",
      "NONEDITIONABLE",
      "EDITIONING",
      "AND",
      "COMPILE",
      "RESOLVE",
      "NOFORCE",
    )
  )
    c.next();
  let kind = c.next().value;
  if (!UNIT_WORDS.has(kind)) kind = "PL/SQL UNIT";
  if ((kind === "PACKAGE" || kind === "TYPE") && c.accept("BODY")) kind = `${kind} BODY`;
  if (kind === "JAVA") {
    while (c.is("SOURCE", "RESOURCE", "CLASS", "NAMED")) c.next();
  }
  let name: OraName | null = null;
  if (c.isIdent()) name = c.name();
  if (kind === "TRIGGER" && name) {
    const trigger = parseTrigger(c, name, pos);
    script.triggers.push(trigger);
    return;
  }
  const why: Record<string, string> = {
    PACKAGE: "a PL/SQL package",
    "PACKAGE BODY": "a PL/SQL package body",
    PROCEDURE: "a PL/SQL procedure",
    FUNCTION: "a PL/SQL function",
    TYPE: "a user-defined type",
    "TYPE BODY": "a user-defined type's PL/SQL",
    JAVA: "Java stored in the database",
  };
  const typeish = kind.startsWith("TYPE");
  script.skipped.push({
    kind,
    name: name ? showName(name) : null,
    pos,
    reason: `not converted (${why[kind] ?? "PL/SQL"}${typeish ? "" : "; the warehouse runs no PL/SQL"})`,
    action: typeish
      ? "store its attributes as plain columns"
      : "move what the load needs into the pipeline's SQL, or rewrite it by hand as a stored procedure (Redshift and PostgreSQL both take PL/pgSQL)",
  });
}

function parseTrigger(c: Cursor, name: OraName, pos: Pos): Trigger {
  const trigger: Trigger = {
    name,
    table: null,
    timing: "",
    events: [],
    idFill: null,
    otherLogic: true,
    pos,
  };
  const timing: string[] = [];
  while (c.is("BEFORE", "AFTER", "INSTEAD", "OF", "FOR")) timing.push(c.next().value);
  trigger.timing = timing.join(" ");
  while (!c.done() && !c.is("ON")) {
    const t = c.next();
    if (t.kind === "word" && ["INSERT", "UPDATE", "DELETE"].includes(t.value))
      trigger.events.push(t.value);
  }
  if (!c.accept("ON")) return trigger;
  if (c.accept("NESTED", "TABLE")) {
    c.ident();
    c.expect("OF");
  }
  if (!c.is("DATABASE", "SCHEMA")) trigger.table = c.name();
  let newAlias = "NEW";
  const bodyFrom = findBody(c, (alias) => {
    newAlias = alias;
  });
  const body = c.tokens.slice(bodyFrom);
  const fill = findIdFill(body, newAlias);
  if (fill) {
    trigger.idFill = { column: fill.column, sequence: fill.sequence };
    const semis = body.filter((t) => t.kind === "punct" && t.value === ";").length;
    let endIfs = 0;
    for (let k = 0; k + 1 < body.length; k++)
      if (body[k]!.value === "END" && body[k + 1]!.value === "IF") endIfs++;
    trigger.otherLogic = semis - endIfs - 2 > 0;
  }
  return trigger;
}

/** Moves past REFERENCING / FOR EACH ROW / WHEN …; returns where the body starts. */
function findBody(c: Cursor, onNewAlias: (alias: string) => void): number {
  while (!c.done() && !c.is("BEGIN", "DECLARE", "COMPOUND", "CALL")) {
    if (c.accept("REFERENCING")) {
      while (c.is("NEW", "OLD", "PARENT")) {
        const which = c.next().value;
        c.accept("AS");
        const alias = c.ident().value;
        if (which === "NEW") onNewAlias(alias);
      }
      continue;
    }
    if (c.is("(")) c.skipGroup();
    else c.next();
  }
  return c.i;
}

/** `:NEW.col := [schema.]seq.NEXTVAL` or `SELECT [schema.]seq.NEXTVAL INTO :NEW.col FROM DUAL`. */
function findIdFill(
  body: Statement["tokens"],
  alias: string,
): { column: string; sequence: OraName } | null {
  const v = (k: number) => body[k]?.value;
  const seqAt = (k: number): { seq: OraName; end: number } | null => {
    // seq . NEXTVAL  |  schema . seq . NEXTVAL
    if (v(k + 1) === "." && v(k + 2) === "NEXTVAL")
      return { seq: { schema: null, name: v(k)!, quoted: body[k]!.kind === "qident" }, end: k + 3 };
    if (v(k + 1) === "." && v(k + 3) === "." && v(k + 4) === "NEXTVAL")
      return {
        seq: { schema: v(k)!, name: v(k + 2)!, quoted: body[k + 2]!.kind === "qident" },
        end: k + 5,
      };
    return null;
  };
  for (let k = 0; k < body.length; k++) {
    if (v(k) === ":" && v(k + 1) === alias && v(k + 2) === "." && v(k + 4) === ":=") {
      const s = seqAt(k + 5);
      if (s) return { column: v(k + 3)!, sequence: s.seq };
    }
    if (v(k) === "SELECT") {
      const s = seqAt(k + 1);
      if (
        s &&
        v(s.end) === "INTO" &&
        v(s.end + 1) === ":" &&
        v(s.end + 2) === alias &&
        v(s.end + 3) === "."
      )
        return { column: v(s.end + 4)!, sequence: s.seq };
    }
  }
  return null;
}
