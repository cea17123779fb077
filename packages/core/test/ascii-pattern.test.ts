import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames, makeWarehouse } from "../../../test/support/engines";
import { asciiPatternMatcher } from "../src/value/ascii-pattern";
import type { Warehouse } from "../src/warehouse/warehouse";

/** Patterns in the subset the reader proves (the default email rule first). */
const SUPPORTED = [
  "^[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+$",
  "^[0-9]{5}$",
  "^[A-Z]{2}-\\d{3,4}$",
  "^(foo|bar)+baz$",
  "colou?r",
  "^\\S+$",
  "[[:space:]]",
  "^.{3}$",
  "^[^a-c]*$",
  "\\.",
  "^a*?b$",
  "x{0,2}y",
  "^(?:ab|cd){2}$",
  "^[[:xdigit:]]+$",
  "^[[:alpha:]_][[:alnum:]_]*$",
  "^[-+]?[0-9]+([.][0-9]+)?$",
  "^\\w+\\W\\w+$",
  "b{2,}",
  "^[[:upper:]][[:lower:]]+[[:blank:]]?$",
  "@",
  "",
];

/** Patterns outside it: the SQL check runs for them. */
const UNSUPPORTED = [
  "(a)\\1", // back reference
  "a(?=b)", // lookahead
  "[[:punct:]]", // ICU and libc disagree
  "***=a.b", // director
  "(?i)abc", // embedded option
  "^a|b$", // an anchor on one branch
  "[a-c-e]",
  "a{300}",
  "\\bword", // \b is a backspace in ARE, a word boundary elsewhere
  "[]a]",
  "é",
  "a|",
  "()",
  "a**",
  "[a",
  "a)",
  "\\",
  "[[:constructor:]]", // a JavaScript object's own name, not a class
  "[[:toString:]]",
  "[[:valueOf:]]",
  "[[:__proto__:]]",
  `${"(".repeat(5000)}a${")".repeat(5000)}`, // deeper than the parser goes
];

function values(): string[] {
  const fixed = [
    "",
    " ",
    "chloe.118032@example.com",
    "a@b.c",
    "a@b",
    "a b@c.d",
    "a@@b.c",
    "@b.c",
    "a@b.",
    "a@b.c ",
    "\ta@b.c",
    "é@b.c",
    "a@é.c",
    "a@b.c\u00a0",
    "a@b.c\u2003x",
    "12345",
    "1234",
    "123456",
    "AB-123",
    "AB-12345",
    "ab-123",
    "foobarbaz",
    "foofoobaz",
    "baz",
    "color",
    "colour",
    "colouur",
    "abc",
    "ab\nc",
    "defg",
    "ab",
    "b",
    "aaab",
    "xxy",
    "xxxy",
    "abcd",
    "cdab",
    "abab",
    "ababab",
    "DEADbeef",
    "_id9",
    "9id",
    "-12.5",
    "+3",
    "1.",
    "hello world",
    "hello  world",
    "abbbc",
    "Ann",
    "Ann ",
    "Ann\t",
    "ANN",
    "\u00e9t\u00e9",
    // ICU calls U+001C–U+001F spaces, the C library does not
    "a\u001fb@c.d",
    "a\u001cb",
    "\u001e",
  ];
  // Random ASCII strings over a small alphabet that exercises the patterns.
  const alphabet = "ab@.cxyz019AZ_- \t\u001f";
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const random = Array.from({ length: 400 }, () => {
    const n = Math.floor(rand() * 12);
    let s = "";
    for (let k = 0; k < n; k++) s += alphabet[Math.floor(rand() * alphabet.length)];
    return s;
  });
  return [...fixed, ...random];
}

describe("a pattern outside the provable subset", () => {
  test.each(UNSUPPORTED)("%j compiles to null (the SQL check runs)", (p) => {
    expect(asciiPatternMatcher(p)).toBeNull();
  });
});

describe.each(engineNames)("the proof agrees with %s's ~", (engine) => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await makeWarehouse(engine);
  });
  afterAll(() => wh.close());

  test.each(SUPPORTED)(
    "%j: proven only where the warehouse matches; every ASCII match proven",
    async (p) => {
      const match = asciiPatternMatcher(p);
      expect(match).not.toBeNull();
      const vs = values();
      // Under the database's collation, and under ICU's where the server has it (PostgreSQL as
      // Debian builds it): a proof must hold under both.
      const [icu] = await wh.query<{ n: unknown }>(
        `SELECT count(*) AS n FROM pg_collation WHERE collname = 'und-x-icu'`,
      );
      const underIcu = Number(icu?.n) > 0 ? `(v COLLATE "und-x-icu") ~ $1` : "true";
      const rows = await wh.query<{ i: number; m: boolean; icu: boolean }>(
        `SELECT CAST(i AS integer) AS i, v ~ $1 AS m, ${underIcu} AS icu FROM unnest(CAST($2 AS text[])) WITH ORDINALITY AS t(v, i)`,
        [p, vs],
      );
      const warehouse = new Map(rows.map((r) => [Number(r.i) - 1, r.m && r.icu]));
      const wrong: string[] = [];
      const missed: string[] = [];
      vs.forEach((v, k) => {
        const b = Buffer.from(v, "utf8");
        const proven = match!(b, 0, b.length);
        if (proven && !warehouse.get(k)) wrong.push(v);
        // Every ASCII match is proven, but for the characters ICU and libc disagree on.
        const ascii = [...v].every((ch) => ch < "\u001c" || (ch > "\u001f" && ch < "\u0080"));
        if (!proven && warehouse.get(k) && ascii) missed.push(v);
      });
      expect(wrong).toEqual([]);
      expect(missed).toEqual([]);
      // The subset is not trivial: the pattern proves something and refuses something.
      expect(vs.some((v) => warehouse.get(vs.indexOf(v)))).toBe(true);
    },
  );

  test("a value whose match needs a character beyond ASCII is not proven", () => {
    const email = asciiPatternMatcher(SUPPORTED[0]!)!;
    for (const v of ["é@b.c", "a@é.c", "a@b.c\u2003x"]) {
      const b = Buffer.from(v, "utf8");
      expect(email(b, 0, b.length)).toBe(false);
    }
    // Outside the match, any character: `@` is found after é.
    const at = asciiPatternMatcher("@")!;
    const b = Buffer.from("é@", "utf8");
    expect(at(b, 0, b.length)).toBe(true);
  });
});
