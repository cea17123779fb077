// Proves, in one pass over a value's bytes, that a quality rule's pattern matches it the way the
// warehouse's `~` does (PostgreSQL's and Redshift's POSIX regular expressions), so the reader can
// count the values a pattern check would pass and the plan can leave out a check that cannot fail.
//
// Only patterns whose meaning is the same on every engine and in every locale (C, libc and ICU
// collations) are compiled: ASCII literals, `.`, bracket expressions (ranges, [:alpha:] [:digit:]
// [:alnum:] [:upper:] [:lower:] [:space:] [:blank:] [:xdigit:]), \d \s \w \D \S \W, escaped
// punctuation, groups `( )` and `(?: )`, `|`, the quantifiers * + ? {m} {m,} {m,n} (and their
// non-greedy forms), `^` first and `$` last. Anything else (back references, lookaround,
// [:punct:] — ICU and libc disagree on it —, embedded options, `***` directors) compiles to null:
// not proven, the SQL check runs. Every construct matches ASCII bytes only, so a value whose
// match would need a non-ASCII character is "not proven" too (a locale may call it a space or a
// letter), and so is one whose match needs U+001C–U+001F in or out of the space class (ICU calls
// them spaces).
//
// The matcher is a DFA built lazily from a Thompson NFA: linear in the value, whatever the
// pattern (no backtracking), with a bounded number of states; past the bound it stops proving.

type CharSet = Uint8Array; // 256 flags, one per byte

type Node =
  | { t: "set"; set: CharSet }
  | { t: "cat"; items: Node[] }
  | { t: "alt"; items: Node[] }
  | { t: "rep"; item: Node; min: number; max: number } // max -1: no limit
  | { t: "empty" };

/** True only when the pattern certainly matches b[s, e); false means "not proven". */
export type PatternMatcher = (b: Uint8Array, s: number, e: number) => boolean;

class Unsupported extends Error {}

const MAX_REPEAT = 255; // RE_DUP_MAX: a larger bound is an error in the warehouse
const MAX_NFA_STATES = 4096;
const MAX_DFA_STATES = 256;
const MAX_DEPTH = 100; // groups within groups

function charSet(pred: (c: number) => boolean): CharSet {
  const s = new Uint8Array(256);
  for (let c = 0; c < 128; c++) if (pred(c)) s[c] = 1;
  return s;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isUpper = (c: number) => c >= 0x41 && c <= 0x5a;
const isLower = (c: number) => c >= 0x61 && c <= 0x7a;
const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
/**
 * Control characters ICU calls spaces and the C library does not (U+001C–U+001F): a set built
 * with the space class proves nothing about them, whether it includes spaces or excludes them.
 */
const certain = (set: CharSet, usesSpace: boolean): CharSet => {
  if (usesSpace) for (let c = 0x1c; c <= 0x1f; c++) set[c] = 0;
  return set;
};
const isAlnum = (c: number) => isUpper(c) || isLower(c) || isDigit(c);
const CLASSES: Record<string, (c: number) => boolean> = {
  alpha: (c) => isUpper(c) || isLower(c),
  digit: isDigit,
  alnum: isAlnum,
  upper: isUpper,
  lower: isLower,
  space: isSpace,
  blank: (c) => c === 0x20 || c === 0x09,
  xdigit: (c) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66),
};
const ESCAPES: Record<string, (c: number) => boolean> = {
  d: isDigit,
  s: isSpace,
  w: (c) => isAlnum(c) || c === 0x5f,
};
const printable = (c: number | undefined) => c !== undefined && c >= 0x20 && c <= 0x7e;

function parse(src: string): { node: Node; bol: boolean; eol: boolean } {
  if (src.startsWith("***")) throw new Unsupported();
  let i = 0;
  let depth = 0;
  let bol = false;
  let eol = false;
  const code = (k: number) => src.charCodeAt(k);

  const quantifier = (): { min: number; max: number } | null => {
    const c = src[i];
    const simple = { "*": { min: 0, max: -1 }, "+": { min: 1, max: -1 }, "?": { min: 0, max: 1 } };
    if (c === "*" || c === "+" || c === "?") {
      i++;
      return simple[c];
    }
    if (c !== "{") return null;
    const m = /^\{(\d{1,3})(,(\d{0,3}))?\}/.exec(src.slice(i));
    if (!m) throw new Unsupported();
    i += m[0].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? -1 : Number(m[3]);
    if (min > MAX_REPEAT || max > MAX_REPEAT || (max !== -1 && max < min)) throw new Unsupported();
    return { min, max };
  };

  const bracket = (): Node => {
    i++; // [
    const negate = src[i] === "^";
    if (negate) i++;
    if (src[i] === "]") throw new Unsupported(); // a literal ] first: rare, and read differently
    const first = i;
    const set = new Uint8Array(256);
    let usesSpace = false;
    for (;;) {
      const c = src[i];
      if (c === undefined) throw new Unsupported();
      if (c === "]") {
        i++;
        break;
      }
      if (c === "\\") throw new Unsupported();
      if (c === "[" && src[i + 1] === ":") {
        const end = src.indexOf(":]", i + 2);
        const name = end < 0 ? "" : src.slice(i + 2, end);
        const pred = Object.hasOwn(CLASSES, name) ? CLASSES[name] : undefined;
        if (!pred) throw new Unsupported();
        if (pred === isSpace) usesSpace = true;
        for (let x = 0; x < 128; x++) if (pred(x)) set[x] = 1;
        i = end + 2;
        continue;
      }
      if (c === "[" && (src[i + 1] === "." || src[i + 1] === "=")) throw new Unsupported();
      const lo = code(i);
      if (!printable(lo)) throw new Unsupported();
      // A literal - only first or last: anywhere else engines differ (`[a-c-e]`).
      if (c === "-" && i !== first && src[i + 1] !== "]") throw new Unsupported();
      if (src[i + 1] === "-" && src[i + 2] !== undefined && src[i + 2] !== "]") {
        const hi = code(i + 2);
        if (!printable(hi) || hi < lo || src[i + 2] === "[" || src[i + 2] === "\\")
          throw new Unsupported();
        for (let x = lo; x <= hi; x++) set[x] = 1;
        i += 3;
      } else {
        set[lo] = 1;
        i++;
      }
    }
    return { t: "set", set: certain(negate ? charSet((x) => set[x] === 0) : set, usesSpace) };
  };

  const atom = (): Node => {
    const c = src[i]!;
    if (c === "(") {
      if (src.startsWith("(?:", i)) i += 3;
      else if (src[i + 1] === "?") throw new Unsupported();
      else i++;
      if (++depth > MAX_DEPTH) throw new Unsupported();
      const inner = alternation();
      if (src[i] !== ")") throw new Unsupported();
      i++;
      depth--;
      return inner;
    }
    if (c === "[") return bracket();
    if (c === ".") {
      i++;
      return { t: "set", set: charSet(() => true) };
    }
    if (c === "\\") {
      const d = src[i + 1];
      if (d === undefined) throw new Unsupported();
      i += 2;
      const lower = d.toLowerCase();
      const pred = ESCAPES[lower];
      if (pred) {
        const set = charSet(d === lower ? pred : (x) => !pred(x));
        return { t: "set", set: certain(set, pred === isSpace) };
      }
      const dc = d.charCodeAt(0);
      if (!printable(dc) || isAlnum(dc)) throw new Unsupported(); // \n, \b, \m, \1, …
      return { t: "set", set: charSet((x) => x === dc) };
    }
    if (c === "^" && i === 0) {
      bol = true;
      i++;
      return { t: "empty" };
    }
    if (c === "$" && i === src.length - 1 && depth === 0) {
      eol = true;
      i++;
      return { t: "empty" };
    }
    if ("^$*+?{}])".includes(c)) throw new Unsupported();
    const lit = code(i);
    if (!printable(lit)) throw new Unsupported();
    i++;
    return { t: "set", set: charSet((x) => x === lit) };
  };

  const piece = (): Node => {
    const item = atom();
    const q = quantifier();
    if (!q) return item;
    if (item.t === "empty") throw new Unsupported(); // `^*`
    if (src[i] === "?") i++; // non-greedy: the same values match
    if (src[i] !== undefined && "*+?{".includes(src[i]!)) throw new Unsupported();
    return { t: "rep", item, min: q.min, max: q.max };
  };

  const concatenation = (): Node => {
    const items: Node[] = [];
    while (i < src.length && src[i] !== "|" && src[i] !== ")") items.push(piece());
    return items.length === 1 ? items[0]! : { t: "cat", items };
  };

  // An empty branch or group (`a|`, `()`) is left to the warehouse, which may refuse it.
  const nonEmpty = (n: Node) => {
    if (n.t === "cat" && n.items.length === 0) throw new Unsupported();
    return n;
  };

  const alternation = (): Node => {
    const items = [concatenation()];
    while (src[i] === "|") {
      i++;
      items.push(concatenation());
    }
    if (items.length === 1) return depth > 0 ? nonEmpty(items[0]!) : items[0]!;
    return { t: "alt", items: items.map(nonEmpty) };
  };

  const node = alternation();
  if (i !== src.length) throw new Unsupported(); // an unmatched )
  // `^a|b$` anchors one branch only: not in the subset.
  if ((bol || eol) && node.t === "alt") throw new Unsupported();
  return { node, bol, eol };
}

/** A Thompson NFA: each state has at most one byte-set edge and any number of empty ones. */
class Nfa {
  readonly set: (CharSet | null)[] = [];
  readonly to: number[] = [];
  readonly eps: number[][] = [];

  state(): number {
    if (this.set.length >= MAX_NFA_STATES) throw new Unsupported();
    this.set.push(null);
    this.to.push(-1);
    this.eps.push([]);
    return this.set.length - 1;
  }

  /** The fragment for `node`: its start state and its end state (no edges out yet). */
  build(node: Node): { s: number; e: number } {
    switch (node.t) {
      case "set": {
        const s = this.state();
        const e = this.state();
        this.set[s] = node.set;
        this.to[s] = e;
        return { s, e };
      }
      case "empty": {
        const s = this.state();
        return { s, e: s };
      }
      case "cat": {
        const s = this.state();
        let e = s;
        for (const item of node.items) {
          const f = this.build(item);
          this.eps[e]!.push(f.s);
          e = f.e;
        }
        return { s, e };
      }
      case "alt": {
        const s = this.state();
        const e = this.state();
        for (const item of node.items) {
          const f = this.build(item);
          this.eps[s]!.push(f.s);
          this.eps[f.e]!.push(e);
        }
        return { s, e };
      }
      case "rep": {
        const s = this.state();
        let e = s;
        for (let k = 0; k < node.min; k++) {
          const f = this.build(node.item);
          this.eps[e]!.push(f.s);
          e = f.e;
        }
        if (node.max === -1) {
          const f = this.build(node.item);
          const end = this.state();
          this.eps[e]!.push(f.s, end);
          this.eps[f.e]!.push(f.s, end);
          return { s, e: end };
        }
        const end = this.state();
        for (let k = node.min; k < node.max; k++) {
          const f = this.build(node.item);
          this.eps[e]!.push(f.s, end);
          e = f.e;
        }
        this.eps[e]!.push(end);
        return { s, e: end };
      }
    }
  }

  closure(states: Iterable<number>): number[] {
    const seen = new Set<number>();
    const stack = [...states];
    while (stack.length) {
      const st = stack.pop()!;
      if (seen.has(st)) continue;
      seen.add(st);
      for (const n of this.eps[st]!) if (!seen.has(n)) stack.push(n);
    }
    return [...seen].sort((a, b) => a - b);
  }
}

const UNKNOWN = -1;
const DEAD = -2;

/**
 * A matcher that proves `pattern` (as the warehouse's `~` reads it) matches a value, or null
 * when the pattern is outside the subset this can prove.
 */
export function asciiPatternMatcher(pattern: string): PatternMatcher | null {
  let parsed: ReturnType<typeof parse>;
  const nfa = new Nfa();
  let start: number;
  let final: number;
  try {
    parsed = parse(pattern);
    const f = nfa.build(parsed.node);
    final = f.e;
    if (parsed.bol) start = f.s;
    else {
      // Unanchored: any bytes before the match (a self-loop on every byte).
      start = nfa.state();
      nfa.set[start] = new Uint8Array(256).fill(1);
      nfa.to[start] = start;
      nfa.eps[start]!.push(f.s);
    }
  } catch {
    // Outside the subset (or beyond what this parser handles): not proven, the warehouse checks.
    return null;
  }
  const eol = parsed.eol;
  // DFA states are numbered by their row in the table: state k's row starts at k * 256.
  const sets: number[][] = [];
  const accepting = new Uint8Array(MAX_DFA_STATES);
  const ids = new Map<string, number>();
  const trans = new Int32Array(MAX_DFA_STATES * 256).fill(UNKNOWN);
  let full = false;
  const dfaState = (states: number[]): number => {
    const key = states.join(",");
    const known = ids.get(key);
    if (known !== undefined) return known;
    if (sets.length >= MAX_DFA_STATES) {
      full = true;
      return DEAD;
    }
    const row = sets.length * 256;
    ids.set(key, row);
    accepting[sets.length] = states.includes(final) ? 1 : 0;
    sets.push(states);
    return row;
  };
  const step = (row: number, byte: number): number => {
    const next: number[] = [];
    for (const st of sets[row >> 8]!) if (nfa.set[st]?.[byte]) next.push(nfa.to[st]!);
    const n = next.length ? dfaState(nfa.closure(next)) : DEAD;
    if (!full || n !== DEAD) trans[row + byte] = n; // a DEAD from a full table is not cached
    return n;
  };
  const initial = dfaState(nfa.closure([start]));
  // Without `$`, a match may end anywhere: reaching the end state proves it.
  const early = !eol;
  return (b, s, e) => {
    let row = initial;
    for (let j = s; j < e; j++) {
      if (early && accepting[row >> 8] === 1) return true;
      const byte = b[j]!;
      let n = trans[row + byte]!;
      if (n < 0) n = n === UNKNOWN ? step(row, byte) : DEAD;
      if (n === DEAD) return false;
      row = n;
    }
    return accepting[row >> 8] === 1;
  };
}
