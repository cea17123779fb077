// Oracle DDL as SQL*Plus reads it: tokens (quoted identifiers, '' and q'[…]' strings, -- and /* */
// comments dropped), then statements: SQL ends at `;`, a PL/SQL unit (CREATE TRIGGER/PACKAGE/
// PROCEDURE/FUNCTION/TYPE…, DECLARE/BEGIN blocks) runs to the `/` line that ends it, and SQL*Plus
// commands (SET, PROMPT, REM, SPOOL, …) are whole lines of their own.

export type TokenKind = "word" | "qident" | "number" | "string" | "punct" | "sqlplus";

export interface Token {
  kind: TokenKind;
  /** Words upper-cased; quoted identifiers without their quotes; strings without quotes, '' undone. */
  value: string;
  /** 1-based line and column where the token starts. */
  line: number;
  col: number;
  /** Offsets into the source, end exclusive. */
  start: number;
  end: number;
  /** A `/` alone on its line: SQL*Plus's "run the buffer", which ends a PL/SQL unit. */
  slashLine?: boolean;
}

export interface LexProblem {
  line: number;
  col: number;
  message: string;
}

const WORD_START = /[\p{L}_]/u;
const WORD_PART = /[\p{L}\p{N}_$#]/u;
const TWO_CHAR = new Set([":=", "||", "=>", "<=", ">=", "<>", "!=", "^=", "..", "**"]);
const Q_CLOSE: Record<string, string> = { "[": "]", "{": "}", "(": ")", "<": ">" };

export function tokenize(src: string): { tokens: Token[]; problems: LexProblem[] } {
  const tokens: Token[] = [];
  const problems: LexProblem[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  // Statement state, so SQL*Plus lines are recognised only where a statement may start (a
  // `START WITH 1` line inside CREATE SEQUENCE, or `EXECUTE IMMEDIATE` inside a procedure, is SQL).
  let atStart = true;
  let inPlsql = false;
  let stmtFirst = 0;
  let decided = true;
  const at = (k: number) => src[k] ?? "";
  /** Advance over src[i..to), counting lines. */
  const advance = (to: number) => {
    for (; i < to; i++) {
      if (src[i] === "\n") {
        line++;
        lineStart = i + 1;
      }
    }
  };
  const push = (kind: TokenKind, value: string, start: number, sLine: number, sCol: number) => {
    const t: Token = { kind, value, line: sLine, col: sCol, start, end: i };
    tokens.push(t);
    if (kind === "punct" && value === "/" && isSlashLine(src, start, i)) {
      t.slashLine = true;
      atStart = true;
      inPlsql = false;
      decided = true;
      return;
    }
    if (atStart) {
      atStart = false;
      stmtFirst = tokens.length - 1;
      decided = false;
    }
    if (!decided) {
      const plsql = classify(tokens, stmtFirst);
      if (plsql !== undefined) {
        inPlsql = plsql;
        decided = true;
      }
    }
    if (kind === "punct" && value === ";" && !inPlsql) atStart = true;
  };
  while (i < src.length) {
    const c = at(i);
    if (c === "\n" || c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\uFEFF") {
      advance(i + 1);
      continue;
    }
    const start = i;
    const sLine = line;
    const sCol = i - lineStart + 1;
    if (c === "-" && at(i + 1) === "-") {
      const nl = src.indexOf("\n", i);
      advance(nl === -1 ? src.length : nl);
      continue;
    }
    if (c === "/" && at(i + 1) === "*") {
      const close = src.indexOf("*/", i + 2);
      if (close === -1) {
        problems.push({ line: sLine, col: sCol, message: "comment /* never closed" });
        advance(src.length);
      } else advance(close + 2);
      continue;
    }
    if (atStart && (c === "@" || WORD_START.test(c))) {
      const word = /^(?:@@?|[\p{L}_][\p{L}\p{N}_$#]*)/u.exec(src.slice(i, i + 40))![0];
      if (SQLPLUS.has(word.toUpperCase())) {
        const nl = src.indexOf("\n", i);
        const end = nl === -1 ? src.length : nl;
        const text = src.slice(i, end).replace(/\r$/, "");
        advance(end);
        tokens.push({ kind: "sqlplus", value: text, line: sLine, col: sCol, start, end });
        continue;
      }
    }
    // q'[...]' (and n'…', nq'…') alternative quoting
    const qm = /^[nN]?[qQ]'(.)/.exec(src.slice(i, i + 4));
    if (qm) {
      const open = qm[1]!;
      const closeCh = Q_CLOSE[open] ?? open;
      const bodyStart = i + qm[0].length;
      const close = src.indexOf(`${closeCh}'`, bodyStart);
      if (close === -1) {
        problems.push({ line: sLine, col: sCol, message: "string q'… never closed" });
        advance(src.length);
        continue;
      }
      const value = src.slice(bodyStart, close);
      advance(close + 2);
      push("string", value, start, sLine, sCol);
      continue;
    }
    if (c === "'" || ((c === "n" || c === "N") && at(i + 1) === "'")) {
      let j = c === "'" ? i + 1 : i + 2;
      let value = "";
      let closed = false;
      while (j < src.length) {
        const d = at(j);
        if (d === "'") {
          if (at(j + 1) === "'") {
            value += "'";
            j += 2;
            continue;
          }
          closed = true;
          j++;
          break;
        }
        value += d;
        j++;
      }
      if (!closed) problems.push({ line: sLine, col: sCol, message: "string ' never closed" });
      advance(j);
      push("string", value, start, sLine, sCol);
      continue;
    }
    if (c === '"') {
      const close = src.indexOf('"', i + 1);
      if (close === -1) {
        problems.push({ line: sLine, col: sCol, message: 'quoted identifier " never closed' });
        advance(src.length);
        continue;
      }
      const value = src.slice(i + 1, close);
      advance(close + 1);
      push("qident", value, start, sLine, sCol);
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(at(i + 1)))) {
      const m = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?/.exec(src.slice(i, i + 64))!;
      advance(i + m[0].length);
      push("number", m[0], start, sLine, sCol);
      continue;
    }
    if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < src.length && WORD_PART.test(at(j))) j++;
      const value = src.slice(i, j).toUpperCase();
      advance(j);
      push("word", value, start, sLine, sCol);
      continue;
    }
    const two = src.slice(i, i + 2);
    if (TWO_CHAR.has(two)) {
      advance(i + 2);
      push("punct", two, start, sLine, sCol);
      continue;
    }
    advance(i + 1);
    push("punct", c, start, sLine, sCol);
  }
  return { tokens, problems };
}

function isSlashLine(src: string, start: number, end: number): boolean {
  const nl = src.indexOf("\n", end);
  return (
    src.slice(lineStartOf(src, start), start).trim() === "" &&
    src.slice(end, nl === -1 ? src.length : nl).trim() === ""
  );
}

function lineStartOf(src: string, offset: number): number {
  return src.lastIndexOf("\n", offset - 1) + 1;
}

export interface Statement {
  tokens: Token[];
  /** Where the statement starts (its first token). */
  line: number;
  col: number;
  /** A PL/SQL unit (or anonymous block) taken whole, up to its `/` line. */
  plsql: boolean;
  /** A PL/SQL unit that had no `/` line: it was cut at the next line-leading CREATE. */
  unterminated?: boolean;
  /** SQL*Plus command line (SET, PROMPT, …), kept only so the converter can say it skipped it. */
  sqlplus?: boolean;
}

const SQLPLUS = new Set([
  "SET",
  "PROMPT",
  "REM",
  "REMARK",
  "SPOOL",
  "WHENEVER",
  "EXIT",
  "QUIT",
  "CONNECT",
  "CONN",
  "DEFINE",
  "UNDEFINE",
  "SHOW",
  "COLUMN",
  "TTITLE",
  "BTITLE",
  "PAUSE",
  "ACCEPT",
  "HOST",
  "EXEC",
  "EXECUTE",
  "START",
  "@",
  "@@",
]);

const PLSQL_UNITS = new Set(["TRIGGER", "PACKAGE", "PROCEDURE", "FUNCTION", "TYPE", "LIBRARY"]);
const CREATE_MODIFIERS = new Set(["OR", "REPLACE", "EDITIONABLE", "NONEDITIONABLE", "EDITIONING"]);

/**
 * Whether the statement starting at tokens[k] is a PL/SQL unit (runs to its `/` line); undefined
 * while the tokens so far can't tell.
 */
function classify(tokens: Token[], k: number): boolean | undefined {
  const first = tokens[k]!;
  if (first.kind !== "word") return false;
  if (first.value === "DECLARE" || first.value === "BEGIN") return true;
  if (first.value !== "CREATE") return false;
  let j = k + 1;
  while (tokens[j]?.kind === "word" && CREATE_MODIFIERS.has(tokens[j]!.value)) j++;
  const t = tokens[j];
  if (!t) return undefined;
  if (t.kind !== "word") return false;
  // CREATE [OR REPLACE] AND COMPILE JAVA SOURCE, CREATE JAVA …
  return PLSQL_UNITS.has(t.value) || t.value === "JAVA" || t.value === "AND";
}

/** Splits tokens into statements the way SQL*Plus runs them. */
export function splitStatements(tokens: Token[]): Statement[] {
  const out: Statement[] = [];
  let k = 0;
  while (k < tokens.length) {
    const first = tokens[k]!;
    if (isSemicolon(first) || first.slashLine) {
      k++;
      continue;
    }
    if (first.kind === "sqlplus") {
      out.push({ tokens: [first], line: first.line, col: first.col, plsql: false, sqlplus: true });
      k++;
      continue;
    }
    if (classify(tokens, k)) {
      let j = k;
      while (j < tokens.length && !tokens[j]!.slashLine) j++;
      let unterminated = false;
      if (j >= tokens.length) {
        // No `/`: end before the next CREATE that starts a line after an `END …;`.
        for (let m = k + 1; m < tokens.length; m++) {
          const t = tokens[m]!;
          if (t.kind === "word" && t.value === "CREATE" && t.col === 1 && afterEnd(tokens, m)) {
            j = m;
            unterminated = true;
            break;
          }
        }
        if (!unterminated) unterminated = true;
      }
      out.push({
        tokens: tokens.slice(k, j),
        line: first.line,
        col: first.col,
        plsql: true,
        unterminated,
      });
      k = j < tokens.length && tokens[j]!.slashLine ? j + 1 : j;
      continue;
    }
    let j = k;
    let depth = 0;
    while (j < tokens.length && !isSemicolon(tokens[j]!) && !tokens[j]!.slashLine) {
      const t = tokens[j]!;
      if (t.kind === "punct" && t.value === "(") depth++;
      else if (t.kind === "punct" && t.value === ")") depth--;
      // DBMS_METADATA.GET_DDL without SQLTERMINATOR writes no `;`: a statement word at depth 0
      // (they are reserved in Oracle, so never a bare name) starts the next statement.
      else if (j > k && depth <= 0 && startsStatement(tokens, j)) break;
      j++;
    }
    out.push({ tokens: tokens.slice(k, j), line: first.line, col: first.col, plsql: false });
    k = j < tokens.length && (isSemicolon(tokens[j]!) || tokens[j]!.slashLine) ? j + 1 : j;
  }
  return out;
}

function startsStatement(tokens: Token[], j: number): boolean {
  const t = tokens[j]!;
  if (t.kind !== "word") return false;
  if (t.value === "CREATE" || t.value === "ALTER" || t.value === "GRANT") return true;
  return t.value === "COMMENT" && tokens[j + 1]?.value === "ON";
}

function isSemicolon(t: Token): boolean {
  return t.kind === "punct" && t.value === ";";
}

function afterEnd(tokens: Token[], m: number): boolean {
  // … END [name] ; CREATE
  const semi = tokens[m - 1];
  if (!semi || !isSemicolon(semi)) return false;
  const a = tokens[m - 2];
  const b = tokens[m - 3];
  return a?.value === "END" || b?.value === "END";
}
