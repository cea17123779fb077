import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames, makeWarehouse } from "../../../test/support/engines";
import {
  type ColumnType,
  castExpr,
  classifiers,
  classifyBytes,
  INEXACT_NUMBER,
  inferType,
  parsesAs,
  parsesAsValue,
  sqlType,
  TYPED_COLUMN_TYPES,
  type TypedColumnType,
  widen,
} from "../src/value/types";
import type { Dialect, Warehouse } from "../src/warehouse/warehouse";

// ---- the corpus: hand-picked edge cases plus seeded random ones ------------------------------

const nines = (n: number) => "9".repeat(n);
const TRICKY = [
  "",
  " ",
  " 1",
  "1 ",
  "\t1",
  "1\n",
  "+",
  "-",
  ".",
  "+.",
  "-.",
  "1.",
  ".5",
  "-.5",
  "+.5",
  "1.5.",
  "1..5",
  "1e5",
  "1E5",
  "1e-5",
  "0x10",
  "1_000",
  "1,000",
  "1 000",
  "١٢",
  "١",
  "１２",
  "²",
  "Ⅻ",
  "0",
  "-0",
  "+0",
  "00",
  "007",
  "-007",
  "--1",
  "+-1",
  "-+1",
  "1-",
  "1+",
  "NaN",
  "nan",
  "Infinity",
  "-Infinity",
  "inf",
  "2147483647",
  "2147483648",
  "-2147483648",
  "-2147483649",
  "+2147483647",
  "02147483647",
  "-02147483648",
  "00000000000000000000002147483647",
  "4294967296",
  "9223372036854775807",
  "9223372036854775808",
  "-9223372036854775808",
  "-9223372036854775809",
  "09223372036854775807",
  "18446744073709551616",
  nines(27),
  nines(28),
  nines(29),
  `-${nines(28)}`,
  `${nines(28)}.${nines(10)}`,
  `${nines(28)}.${nines(11)}`,
  `${nines(29)}.9`,
  `0000${nines(28)}.5`,
  "0.0000000001",
  "0.00000000001",
  "1.0000000000",
  "1.00000000000",
  `.${nines(10)}`,
  `.${nines(11)}`,
  "TRUE",
  "True",
  "true",
  "t",
  "T",
  "yes",
  "YES",
  "Yes",
  "y",
  "Y",
  "FALSE",
  "false",
  "f",
  "F",
  "no",
  "NO",
  "No",
  "n",
  "N",
  "0",
  "1",
  "on",
  "off",
  "tru",
  "fals",
  "yes ",
  " yes",
  "ye",
  "nope",
  "truee",
  "t rue",
  "ＴＲＵＥ",
  "ｔ",
  "2023-02-28",
  "2023-02-29",
  "2024-02-29",
  "1900-02-29",
  "2000-02-29",
  "2100-02-29",
  "2400-02-29",
  "2023-13-01",
  "2023-00-10",
  "2023-01-00",
  "2023-04-30",
  "2023-04-31",
  "2023-06-31",
  "2023-09-31",
  "2023-11-31",
  "2023-12-31",
  "2023-01-31",
  "2023-01-32",
  "2023-03-31",
  "0000-01-01",
  "0001-01-01",
  "9999-12-31",
  "10000-01-01",
  "2023-1-5",
  "2023-01-5",
  "2023/01/05",
  "20230105",
  "2023-01-05 ",
  " 2023-01-05",
  "2023-01-05T",
  "2023-01-05 ",
  "2023-01-05T10:00",
  "2023-01-05 10:00",
  "2023-01-05 24:00",
  "2023-01-05 23:59",
  "2023-01-05 23:60",
  "2023-01-05 23:59:59",
  "2023-01-05 23:59:60",
  "2023-01-05 00:00:00",
  "2023-01-05T23:59:59.1",
  "2023-01-05T23:59:59.123456",
  "2023-01-05T23:59:59.1234567",
  "2023-01-05T10:00Z",
  "2023-01-05 10:00:00Z",
  "2023-01-05 10:00:00.5Z",
  "2023-01-05Z",
  "2023-01-05 10:00ZZ",
  "2023-01-05t10:00",
  "2023-01-05 10:00:00+02",
  "2023-01-05 10:00:00 UTC",
  "2023-01-05 1:00",
  "2023-01-05 10:0",
  "2023-01-05 10:00:0",
  "2023-01-05 10:00:00.",
  "2023-01-05  10:00",
  "2023-01-05T10",
  "2023-01-05 10:00:00.Z",
  "2024-02-29 12:00",
  "2023-02-29 12:00",
  "0000-01-01 00:00",
  "2023-01-05\n",
  "١٢٣٤-٠١-٠١",
  "abc",
  "é",
  "null",
  "NULL",
  "-",
  "'1'",
  '"1"',
  "1;",
  "$1",
  "1%",
  "(1)",
];

/** Deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValues(count: number): string[] {
  const r = rng(42);
  const int = (n: number) => Math.floor(r() * n);
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  const digits = (n: number) => Array.from({ length: n }, () => int(10)).join("");
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    switch (i % 6) {
      case 0: {
        // numbers of every length around the int4/int8/28-digit edges, with and without a point
        const sign = ["", "-", "+"][int(3)]!;
        let v = sign + digits(1 + int(32));
        if (r() < 0.4) {
          const at = int(v.length + 1);
          v = `${v.slice(0, at)}.${digits(int(13))}${v.slice(at)}`;
        }
        out.push(v);
        break;
      }
      case 1: {
        // near the integer limits
        const base = [2147483647n, 2147483648n, 9223372036854775807n, 9223372036854775808n][
          int(4)
        ]!;
        const v = base + BigInt(int(5)) - 2n;
        out.push(`${r() < 0.5 ? "-" : ""}${r() < 0.2 ? "0" : ""}${v}`);
        break;
      }
      case 2: {
        // dates, valid and not
        const y = [0, 1, 1900, 2000, 2023, 2024, 2100, 9999][int(8)]!;
        out.push(`${pad(y, 4)}-${pad(int(14), 2)}-${pad(int(33), 2)}`);
        break;
      }
      case 3: {
        // timestamps, valid and not
        const y = [1999, 2000, 2023, 2024][int(4)]!;
        const sep = ["T", " ", "t", "  "][int(4)]!;
        let v = `${y}-${pad(1 + int(12), 2)}-${pad(1 + int(31), 2)}${sep}${pad(int(26), 2)}:${pad(int(62), 2)}`;
        if (r() < 0.7) v += `:${pad(int(62), 2)}`;
        if (r() < 0.5) v += `.${digits(int(8))}`;
        if (r() < 0.3) v += "Z";
        out.push(v);
        break;
      }
      case 4: {
        // booleans, mixed case, with near misses
        const w = ["true", "false", "t", "f", "yes", "no", "y", "n", "on", "off", "tr", "yess"][
          int(12)
        ]!;
        out.push(
          [...w].map((c) => (r() < 0.5 ? c.toUpperCase() : c)).join("") + (r() < 0.1 ? " " : ""),
        );
        break;
      }
      default: {
        // noise from the characters that matter
        const alphabet = "0123456789+-.eETtFfYyNnZ: ١";
        out.push(Array.from({ length: int(12) }, () => alphabet[int(alphabet.length)]).join(""));
      }
    }
  }
  return out;
}

const CORPUS = [...new Set([...TRICKY, ...randomValues(1200)])];

// ---- pure functions --------------------------------------------------------------------------

describe("value types in JS", () => {
  test("the corpus is large and covers every type", () => {
    expect(CORPUS.length).toBeGreaterThan(1000);
    for (const t of TYPED_COLUMN_TYPES) {
      expect(CORPUS.filter((v) => parsesAsValue(t, v)).length).toBeGreaterThan(20);
    }
  });

  test("classifies the documented spellings", () => {
    const is = (t: TypedColumnType, v: string) => parsesAsValue(t, v);
    expect(is("integer", "2147483647")).toBe(true);
    expect(is("integer", "2147483648")).toBe(false);
    expect(is("integer", "-2147483648")).toBe(true);
    expect(is("bigint", "2147483648")).toBe(true);
    expect(is("bigint", "-9223372036854775808")).toBe(true);
    expect(is("bigint", "9223372036854775808")).toBe(false);
    expect(is("numeric", "9223372036854775808")).toBe(true);
    for (const v of ["", " 1", "1 ", "+", ".", "1e5", "١٢", "1,000", "0x10"]) {
      expect(is("numeric", v), v).toBe(false);
    }
    for (const v of ["1.", ".5", "-.5", "0.25", "-0.5", `${nines(28)}.${nines(10)}`]) {
      expect(is("numeric", v), v).toBe(true);
    }
    // Spellings that would not read back as written are not numbers (a zip code, a phone number).
    for (const v of ["08123", "02095257564", "+1", "+1.25", "-0", "00.5", "-007"]) {
      for (const t of ["integer", "bigint", "numeric"] as const)
        expect(is(t, v), `${t} ${v}`).toBe(false);
      expect(classifyBytes(Buffer.from(v)), v).toBe(INEXACT_NUMBER);
    }
    expect(classifyBytes(Buffer.from(nines(29)))).toBe(INEXACT_NUMBER);
    expect(classifyBytes(Buffer.from("1.00000000000"))).toBe(INEXACT_NUMBER);
    for (const v of ["0", "0.5", "10", "-10"])
      expect(is("integer", v) || is("numeric", v), v).toBe(true);
    expect(is("numeric", `${nines(29)}`)).toBe(false);
    expect(is("numeric", "1.00000000000")).toBe(false);
    for (const v of ["TRUE", "t", "No", "y", "FaLsE"]) expect(is("boolean", v), v).toBe(true);
    for (const v of ["0", "1", "on", "yes "]) expect(is("boolean", v), v).toBe(false);
    expect(is("date", "2024-02-29")).toBe(true);
    expect(is("date", "2023-02-29")).toBe(false);
    expect(is("date", "1900-02-29")).toBe(false);
    expect(is("date", "2023-13-01")).toBe(false);
    expect(is("date", "0000-01-01")).toBe(false);
    expect(is("timestamp", "2023-01-05")).toBe(true); // date ⊂ timestamp
    expect(is("timestamp", "2023-01-05T10:00Z")).toBe(true);
    expect(is("timestamp", "2023-01-05 23:59:59.123456")).toBe(true);
    expect(is("timestamp", "2023-01-05 24:00")).toBe(false);
    expect(is("timestamp", "2023-01-05 23:59:60")).toBe(false);
    expect(is("timestamp", "2023-01-05 10:00:00.1234567")).toBe(false);
  });

  test("classifies a slice of a larger buffer without looking outside it", () => {
    const b = Buffer.from("x12345y2023-01-05 10:00z");
    expect(classifyBytes(b, 1, 6)).toBe(classifyBytes(Buffer.from("12345")));
    expect(classifiers.date(b, 7, 17)).toBe(true);
    expect(classifiers.timestamp(b, 7, 23)).toBe(true);
    expect(classifiers.timestamp(b, 7, 24)).toBe(false);
    expect(classifyBytes(b, 3, 3)).toBe(0);
  });

  test("infers the narrowest type that 98% of non-empty values parse as", () => {
    const c = (o: Partial<Record<TypedColumnType | "nonEmpty" | "inexact", number>>) => ({
      nonEmpty: 0,
      integer: 0,
      bigint: 0,
      numeric: 0,
      boolean: 0,
      date: 0,
      timestamp: 0,
      ...o,
    });
    expect(inferType(c({}))).toBe("text");
    expect(inferType(c({ nonEmpty: 100, integer: 100, bigint: 100, numeric: 100 }))).toBe(
      "integer",
    );
    expect(inferType(c({ nonEmpty: 100, integer: 97, bigint: 99, numeric: 100 }))).toBe("bigint");
    expect(inferType(c({ nonEmpty: 100, integer: 50, bigint: 50, numeric: 98 }))).toBe("numeric");
    expect(inferType(c({ nonEmpty: 100, numeric: 97 }))).toBe("text");
    expect(inferType(c({ nonEmpty: 100, boolean: 99 }))).toBe("boolean");
    expect(inferType(c({ nonEmpty: 100, date: 100, timestamp: 100 }))).toBe("date");
    expect(inferType(c({ nonEmpty: 100, date: 60, timestamp: 100 }))).toBe("timestamp");
    expect(inferType(c({ nonEmpty: 100, integer: 90, bigint: 90, numeric: 90 }), 0.9)).toBe(
      "integer",
    );
    // One zip code with its leading zero among 999 plain numbers keeps the whole column text.
    expect(
      inferType(c({ nonEmpty: 1000, integer: 999, bigint: 999, numeric: 999, inexact: 1 })),
    ).toBe("text");
  });

  test("widens only along integer → bigint → numeric", () => {
    expect(widen("integer", "bigint")).toBe("bigint");
    expect(widen("integer", "numeric")).toBe("numeric");
    expect(widen("bigint", "integer")).toBe("bigint");
    expect(widen("numeric", "numeric")).toBe("numeric");
    expect(widen("integer", "text")).toBeNull();
    expect(widen("date", "timestamp")).toBeNull();
    expect(widen("boolean", "integer")).toBeNull();
  });

  test("names the warehouse types per dialect", () => {
    const all: ColumnType[] = [...TYPED_COLUMN_TYPES, "text"];
    expect(all.map((t) => sqlType(t, "postgres"))).toEqual([
      "integer",
      "bigint",
      "numeric",
      "boolean",
      "date",
      "timestamp",
      "text",
    ]);
    expect(all.map((t) => sqlType(t, "redshift"))).toEqual([
      "integer",
      "bigint",
      "numeric(38,10)",
      "boolean",
      "date",
      "timestamp",
      "varchar(65535)",
    ]);
  });
});

// ---- JS and SQL agree, and the SQL guard makes the cast safe -----------------------------------

describe.each(engineNames)("value types in SQL on %s", (engine) => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await makeWarehouse(engine);
    await wh.query("create table corpus (id int primary key, v text)");
    await wh.query("insert into corpus (id, v) select * from unnest($1::int[], $2::text[])", [
      CORPUS.map((_, i) => i),
      CORPUS,
    ]);
  });
  afterAll(() => wh.close());

  test("the corpus arrived intact", async () => {
    const rows = await wh.query<{ v: string }>("select v from corpus order by id");
    expect(rows.map((r) => r.v)).toEqual(CORPUS);
  });

  test.each(TYPED_COLUMN_TYPES)("the %s predicate agrees with the JS classifier", async (type) => {
    for (const dialect of ["postgres", "redshift"] as Dialect[]) {
      const rows = await wh.query<{ id: number; ok: boolean }>(
        `select id, ${parsesAs(type, "v", dialect)} as ok from corpus order by id`,
      );
      const disagree = rows
        .filter((r) => r.ok !== parsesAsValue(type, CORPUS[r.id]!))
        .map((r) => ({ value: CORPUS[r.id], sql: r.ok }));
      expect(disagree, `${type} on ${dialect}`).toEqual([]);
    }
  });

  test("NULL input is never accepted", async () => {
    const preds = [...TYPED_COLUMN_TYPES, "text" as const].map(
      (t, i) => `${parsesAs(t, "v", "postgres")} as p${i}`,
    );
    const [row] = await wh.query<Record<string, boolean | null>>(
      `select ${preds.join(", ")} from (select cast(null as text) as v) x`,
    );
    for (const v of Object.values(row!)) expect(v === null || v === false).toBe(true);
  });

  test.each(TYPED_COLUMN_TYPES)(
    "every value the %s predicate accepts casts without error, to the value the JS reads",
    async (type) => {
      for (const dialect of ["postgres", "redshift"] as Dialect[]) {
        const sql = `select id, case when ${parsesAs(type, "v", dialect)} then cast(${castExpr(type, "v", dialect)} as text) end as c from corpus order by id`;
        let rows: { id: number; c: string | null }[];
        try {
          rows = await wh.query(sql);
        } catch (err) {
          // Find the value that broke the cast, for a useful failure.
          for (const [i, v] of CORPUS.entries()) {
            if (!parsesAsValue(type, v)) continue;
            await wh
              .query(
                `select cast(${castExpr(type, "v", dialect)} as text) from corpus where id = $1`,
                [i],
              )
              .catch((e: Error) => {
                throw new Error(
                  `${type}/${dialect}: casting ${JSON.stringify(v)} failed: ${e.message}`,
                );
              });
          }
          throw err;
        }
        for (const { id, c } of rows) {
          const v = CORPUS[id]!;
          if (!parsesAsValue(type, v)) {
            expect(c, v).toBeNull();
            continue;
          }
          expect(c, `${type}/${dialect} ${v}`).not.toBeNull();
          if (type === "integer" || type === "bigint") expect(c).toBe(BigInt(v).toString());
          if (type === "numeric") expect(Number(c)).toBeCloseTo(Number(v), 6);
          if (type === "boolean") expect(c).toBe(/^[ty]/i.test(v) ? "true" : "false");
          if (type === "date") expect(c).toBe(v);
          if (type === "timestamp") expect(c!.slice(0, 10)).toBe(v.slice(0, 10));
        }
      }
    },
  );

  test("the text predicate on Redshift keeps within varchar(65535) bytes", async () => {
    const [row] = await wh.query<{ a: boolean; b: boolean }>(
      `select ${parsesAs("text", "x", "redshift")} as a, ${parsesAs("text", "y", "redshift")} as b
         from (select repeat('é', 32767) as x, repeat('é', 32768) as y) s`,
    );
    expect(row).toEqual({ a: true, b: false });
  });
});
