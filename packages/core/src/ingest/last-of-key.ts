// Which record is the last of its key, found while the reader passes: a file whose changes are in
// order then needs no aggregate in the warehouse to pick each key's last change (cdc/plan.ts).
// The answer is a bitmap over record numbers. Keys are compared as bytes, which is how the
// warehouse compares them when the key is text, or an integer written canonically (no sign but
// `-`, no leading zero, no space): `canonicalInteger` says whether every key was. Memory is
// bounded: past `maxKeys` distinct keys or `maxRows` records the tracker gives up (null).

/** What the reader found: bit r of `bitmap` (byte r >> 3, bit r & 7, as PostgreSQL's get_bit) is set when record r is its key's last. */
export interface LastOfKey {
  /** The column whose values are the keys (a plan made for another key must not use these). */
  column: string;
  bitmap: Buffer;
  /** Every non-empty key was a canonical integer: byte equality is integer equality. */
  canonicalInteger: boolean;
}

export const LAST_OF_KEY_LIMITS = { maxKeys: 250_000, maxRows: 4_000_000 };

export class LastOfKeyTracker {
  /**
   * Keys that are canonical integers of up to 15 digits: an open-addressing table of numbers
   * (a Map costs several times more a record, and garbage); other keys in a Map, as latin1
   * strings (one character a byte: equal strings are equal bytes).
   */
  private keys = new Float64Array(1024);
  private rows = new Int32Array(1024);
  private numbers = 0;
  private strings: Map<string, number> | null = null;
  private gaveUp = false;
  private canonical = true;
  private maxRow = 0;

  constructor(
    private readonly column: string,
    private readonly limits = LAST_OF_KEY_LIMITS,
  ) {}

  /** Record `row`'s key: bytes b[s, e) (empty: a NULL key, which the warehouse groups as one). */
  add(b: Buffer, s: number, e: number, row: number): void {
    if (this.gaveUp) return;
    if (row > this.limits.maxRows) {
      this.giveUp();
      return;
    }
    this.maxRow = row;
    const v = canonicalInteger(b, s, e);
    if (!Number.isNaN(v) && v !== BEYOND) {
      this.addNumber(v, row);
      return;
    }
    if (v !== BEYOND && e > s) this.canonical = false;
    const key = b.toString("latin1", s, e);
    if (this.strings === null) this.strings = new Map();
    if (!this.strings.has(key) && this.size() >= this.limits.maxKeys) {
      this.giveUp();
      return;
    }
    this.strings.set(key, row);
  }

  /** The bitmap, or null when the tracker gave up. */
  result(): LastOfKey | null {
    if (this.gaveUp) return null;
    const bitmap = Buffer.alloc((this.maxRow >> 3) + 1);
    const mark = (row: number) => {
      bitmap[row >> 3]! |= 1 << (row & 7);
    };
    for (const row of this.rows) if (row !== 0) mark(row);
    for (const row of this.strings?.values() ?? []) mark(row);
    return { column: this.column, bitmap, canonicalInteger: this.canonical };
  }

  private size(): number {
    return this.numbers + (this.strings?.size ?? 0);
  }

  private giveUp(): void {
    this.gaveUp = true;
    this.keys = new Float64Array(0);
    this.rows = new Int32Array(0);
    this.strings = null;
  }

  private addNumber(v: number, row: number): void {
    const mask = this.rows.length - 1;
    let i = hash(v) & mask;
    for (;;) {
      const r = this.rows[i]!;
      if (r === 0) break;
      if (this.keys[i] === v) {
        this.rows[i] = row;
        return;
      }
      i = (i + 1) & mask;
    }
    if (this.size() >= this.limits.maxKeys) {
      this.giveUp();
      return;
    }
    this.keys[i] = v;
    this.rows[i] = row;
    if (++this.numbers * 2 > this.rows.length) this.grow();
  }

  private grow(): void {
    const [keys, rows] = [this.keys, this.rows];
    this.keys = new Float64Array(keys.length * 2);
    this.rows = new Int32Array(rows.length * 2);
    const mask = this.rows.length - 1;
    for (let j = 0; j < rows.length; j++) {
      if (rows[j] === 0) continue;
      let i = hash(keys[j]!) & mask;
      while (this.rows[i] !== 0) i = (i + 1) & mask;
      this.keys[i] = keys[j]!;
      this.rows[i] = rows[j]!;
    }
  }
}

/** A 32-bit mix of an integer of up to 15 digits (its low and high words). */
function hash(v: number): number {
  const h = Math.imul((v | 0) ^ Math.floor(v / 4294967296), 0x9e3779b1);
  return h ^ (h >>> 15);
}

const BEYOND = Number.POSITIVE_INFINITY;

/**
 * The value of `0`, or of an optional `-` then a digit 1-9 then digits (`-0`, `007`, `+7`, ` 7`
 * are not canonical: NaN); BEYOND for one of more than 15 digits (no longer exact as a double).
 */
function canonicalInteger(b: Buffer, s: number, e: number): number {
  let i = s;
  const negative = b[i] === 0x2d;
  if (negative) i++;
  if (i >= e) return Number.NaN;
  if (b[i] === 0x30) return e - s === 1 ? 0 : Number.NaN;
  if (e - i > 15) {
    for (let j = i; j < e; j++) if (b[j]! < 0x30 || b[j]! > 0x39) return Number.NaN;
    return BEYOND;
  }
  let v = 0;
  for (; i < e; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) return Number.NaN;
    v = v * 10 + d;
  }
  return negative ? -v : v;
}
