// Column types and DEFAULT expressions as Oracle writes them: NUMBER(p,s), VARCHAR2(n CHAR),
// TIMESTAMP(n) WITH LOCAL TIME ZONE, INTERVAL DAY(n) TO SECOND(n), SYS.XMLTYPE, …; DEFAULT
// literals, SYSDATE and friends, USER, seq.NEXTVAL — anything else kept as text to report.
import type { Cursor } from "./cursor";
import type { Token } from "./lexer";
import type { DefaultExpr, OraType } from "./model";

/** Words that end a DEFAULT expression or an unknown column clause. */
export const COLUMN_CLAUSE = new Set([
  "CONSTRAINT",
  "NOT",
  "NULL",
  "PRIMARY",
  "UNIQUE",
  "CHECK",
  "REFERENCES",
  "ENABLE",
  "DISABLE",
  "ENCRYPT",
  "COLLATE",
  "SORT",
  "VISIBLE",
  "INVISIBLE",
  "GENERATED",
]);

export function parseType(c: Cursor): OraType {
  const first = c.peek()!;
  const pos = { line: first.line, col: first.col };
  const from = c.i;
  const ty: OraType = {
    name: "",
    precision: null,
    scale: null,
    length: null,
    semantics: null,
    fsp: null,
    text: "",
    pos,
  };
  const word = c.ident();
  let name = word.value.toUpperCase();
  if (c.is(".") && c.isIdent(1)) {
    // SYS.XMLTYPE, MDSYS.SDO_GEOMETRY, or a user-defined type
    c.next();
    name = `${name}.${c.ident().value.toUpperCase()}`;
  }
  if (name === "LONG" && c.accept("RAW")) name = "LONG RAW";
  else if (name === "DOUBLE" && c.accept("PRECISION")) name = "DOUBLE PRECISION";
  else if ((name === "CHARACTER" || name === "CHAR" || name === "NCHAR") && c.accept("VARYING"))
    name = name === "NCHAR" ? "NVARCHAR2" : "VARCHAR2";
  else if (name === "NATIONAL") {
    if (!c.accept("CHARACTER")) c.expect("CHAR");
    name = c.accept("VARYING") ? "NVARCHAR2" : "NCHAR";
  }
  if (name === "INTERVAL") {
    if (c.accept("YEAR")) {
      if (c.is("(")) ty.precision = parenInt(c);
      c.expect("TO", "MONTH");
      name = "INTERVAL YEAR TO MONTH";
    } else {
      c.expect("DAY");
      if (c.is("(")) ty.precision = parenInt(c);
      c.expect("TO", "SECOND");
      if (c.is("(")) ty.fsp = parenInt(c);
      name = "INTERVAL DAY TO SECOND";
    }
  } else if (c.is("(")) {
    c.next();
    if (c.accept("*")) ty.precision = "*";
    else if (c.accept("MAX")) ty.length = null;
    else {
      const n = c.int();
      if (name === "TIMESTAMP") ty.fsp = n;
      else if (isNumeric(name)) ty.precision = n;
      else ty.length = n;
    }
    if (c.accept(",")) ty.scale = c.int();
    if (c.accept("BYTE")) ty.semantics = "BYTE";
    else if (c.accept("CHAR")) ty.semantics = "CHAR";
    c.expect(")");
  }
  if (name === "TIMESTAMP" && c.is("WITH")) {
    c.next();
    const local = c.accept("LOCAL");
    c.expect("TIME", "ZONE");
    name = local ? "TIMESTAMP WITH LOCAL TIME ZONE" : "TIMESTAMP WITH TIME ZONE";
  }
  ty.name = name;
  ty.text = c.textFrom(from);
  return ty;
}

function parenInt(c: Cursor): number {
  c.expect("(");
  const n = c.int();
  c.expect(")");
  return n;
}

function isNumeric(name: string): boolean {
  return ["NUMBER", "NUMERIC", "DECIMAL", "DEC", "FLOAT"].includes(name);
}

const NOW_FUNCTIONS = new Set([
  "SYSDATE",
  "SYSTIMESTAMP",
  "CURRENT_DATE",
  "CURRENT_TIMESTAMP",
  "LOCALTIMESTAMP",
]);

/** A DEFAULT expression, up to the next column clause or the end of the column. */
export function parseDefault(c: Cursor): DefaultExpr {
  const from = c.i;
  while (!c.done() && !c.is(",", ")")) {
    const t = c.peek()!;
    if (c.i > from && t.kind === "word" && COLUMN_CLAUSE.has(t.value)) break;
    if (c.is("(")) c.skipGroup();
    else c.next();
    if (c.i - from === 1 && t.kind === "word" && t.value === "NULL") break;
  }
  const toks = c.tokens.slice(from, c.i);
  const text = c.textFrom(from);
  return classifyDefault(toks, text);
}

function classifyDefault(toks: Token[], text: string): DefaultExpr {
  let ts = toks;
  // unwrap ( … )
  while (ts.length >= 2 && ts[0]!.value === "(" && ts[ts.length - 1]!.value === ")")
    ts = ts.slice(1, -1);
  const [a, b, d] = ts;
  if (ts.length === 1 && a) {
    if (a.kind === "number") return { kind: "literal", sql: a.value.replace(/[fFdD]$/, ""), text };
    if (a.kind === "string")
      return { kind: "literal", sql: `'${a.value.replace(/'/g, "''")}'`, text, string: a.value };
    if (a.kind === "word" && a.value === "NULL") return { kind: "null", text };
    if (a.kind === "word" && (a.value === "TRUE" || a.value === "FALSE"))
      return { kind: "literal", sql: a.value.toLowerCase(), text };
    if (a.kind === "word" && a.value === "USER") return { kind: "user", text };
    if (a.kind === "word" && NOW_FUNCTIONS.has(a.value))
      return { kind: "now", fn: a.value as "SYSDATE", text };
  }
  if (ts.length === 2 && a?.value === "-" && b?.kind === "number")
    return { kind: "literal", sql: `-${b.value}`, text };
  // SYSTIMESTAMP(3), CURRENT_TIMESTAMP(6)
  if (ts.length === 4 && a?.kind === "word" && NOW_FUNCTIONS.has(a.value) && b?.value === "(")
    return { kind: "now", fn: a.value as "SYSDATE", text };
  // seq.NEXTVAL or schema.seq.NEXTVAL
  const last = ts[ts.length - 1];
  if (last?.kind === "word" && last.value === "NEXTVAL" && ts[ts.length - 2]?.value === ".") {
    const parts = ts.slice(0, -2);
    if (parts.length === 1 && (a?.kind === "word" || a?.kind === "qident"))
      return {
        kind: "nextval",
        sequence: { schema: null, name: a.value, quoted: a.kind === "qident" },
        text,
      };
    if (parts.length === 3 && b?.value === "." && d && (d.kind === "word" || d.kind === "qident"))
      return {
        kind: "nextval",
        sequence: { schema: a!.value, name: d.value, quoted: d.kind === "qident" },
        text,
      };
  }
  return { kind: "other", text };
}
