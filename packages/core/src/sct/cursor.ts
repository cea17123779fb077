// A cursor over one statement's tokens, with the few moves a recursive-descent DDL parser needs.
import type { Token } from "./lexer";
import type { OraName, Pos } from "./model";

export class ParseError extends Error {
  constructor(
    message: string,
    readonly pos: Pos,
  ) {
    super(message);
  }
}

export class Cursor {
  i = 0;
  constructor(
    readonly tokens: Token[],
    readonly src: string,
    /** Where the statement ends, for errors at its end. */
    readonly endPos: Pos,
    /** ALTER SESSION SET CURRENT_SCHEMA in force: the schema of unqualified names. */
    readonly schema: string | null = null,
  ) {}

  peek(ahead = 0): Token | undefined {
    return this.tokens[this.i + ahead];
  }

  done(): boolean {
    return this.i >= this.tokens.length;
  }

  pos(): Pos {
    const t = this.peek();
    return t ? { line: t.line, col: t.col } : this.endPos;
  }

  next(): Token {
    const t = this.tokens[this.i];
    if (!t) throw new ParseError("the statement ends too early", this.endPos);
    this.i++;
    return t;
  }

  /** The next token is this keyword (or one of these punctuation marks). */
  is(...values: string[]): boolean {
    const t = this.peek();
    return !!t && (t.kind === "word" || t.kind === "punct") && values.includes(t.value);
  }

  /** Consumes a sequence of keywords when all are next; says whether it did. */
  accept(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) {
      const t = this.peek(k);
      if (!t || (t.kind !== "word" && t.kind !== "punct") || t.value !== words[k]) return false;
    }
    this.i += words.length;
    return true;
  }

  expect(...words: string[]): void {
    if (!this.accept(...words)) {
      const t = this.peek();
      throw new ParseError(
        `expected ${words.join(" ")}${t ? ` but found ${this.show(t)}` : " but the statement ends"}`,
        this.pos(),
      );
    }
  }

  show(t: Token): string {
    return t.kind === "qident" ? `"${t.value}"` : t.kind === "string" ? `'${t.value}'` : t.value;
  }

  /** An identifier: a quoted identifier or a word. */
  ident(): { value: string; quoted: boolean } {
    const t = this.next();
    if (t.kind === "qident") return { value: t.value, quoted: true };
    if (t.kind === "word") return { value: t.value, quoted: false };
    this.i--;
    throw new ParseError(`expected a name but found ${this.show(t)}`, { line: t.line, col: t.col });
  }

  isIdent(ahead = 0): boolean {
    const t = this.peek(ahead);
    return !!t && (t.kind === "qident" || t.kind === "word");
  }

  /** [schema.]name (a trailing @dblink is kept in the name). */
  name(): OraName {
    const first = this.ident();
    if (this.is(".") && this.isIdent(1)) {
      this.next();
      const second = this.ident();
      return { schema: first.value, name: second.value, quoted: second.quoted };
    }
    return { schema: this.schema, name: first.value, quoted: first.quoted };
  }

  /** `( a, b, … )` of identifiers. */
  identList(): string[] {
    this.expect("(");
    const out: string[] = [];
    do out.push(this.ident().value);
    while (this.accept(","));
    this.expect(")");
    return out;
  }

  /** Skips a balanced `( … )` group (the cursor is on its `(`); returns its source text. */
  skipGroup(): string {
    const open = this.next();
    let depth = 1;
    let last = open;
    while (depth > 0) {
      const t = this.next();
      last = t;
      if (t.kind === "punct" && t.value === "(") depth++;
      else if (t.kind === "punct" && t.value === ")") depth--;
    }
    return this.src.slice(open.start, last.end);
  }

  /** Source text from token index `from` up to (not including) the cursor. */
  textFrom(from: number): string {
    const a = this.tokens[from];
    const b = this.tokens[this.i - 1];
    if (!a || !b || this.i <= from) return "";
    return this.src.slice(a.start, b.end);
  }

  /** An integer (optionally signed). */
  int(): number {
    let sign = 1;
    if (this.accept("-")) sign = -1;
    else this.accept("+");
    const t = this.next();
    if (t.kind !== "number" || !/^\d+$/.test(t.value)) {
      this.i--;
      throw new ParseError(`expected a whole number but found ${this.show(t)}`, {
        line: t.line,
        col: t.col,
      });
    }
    return sign * Number(t.value);
  }
}
