import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames, makeWarehouse } from "../../../test/support/engines";
import {
  CsvFileError,
  type CsvReadOptions,
  type MalformedRecord,
  openCsv,
  readCsv,
} from "../src/ingest/csv-reader";
import { LastOfKeyTracker } from "../src/ingest/last-of-key";
import { inferType } from "../src/value/types";
import { ident, isValidIdent } from "../src/warehouse/ident";
import type { Warehouse } from "../src/warehouse/warehouse";

/** The file as a stream of `size`-byte chunks (tiny sizes split every record, char and CRLF). */
async function* source(file: string | Buffer, size = 64 * 1024) {
  const b = typeof file === "string" ? Buffer.from(file) : file;
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

/** Read a whole file; staging output as one string plus the summary. */
async function read(file: string | Buffer, opts: CsvReadOptions & { size?: number } = {}) {
  const parts: Buffer[] = [];
  const malformed: MalformedRecord[] = [];
  const summary = await readCsv(source(file, opts.size), {
    ...opts,
    onMalformed: (m) => malformed.push(m),
    onChunk: (c) => {
      parts.push(c);
    },
  });
  return { staged: Buffer.concat(parts).toString(), parts, malformed, summary };
}

async function fileError(file: string | Buffer): Promise<CsvFileError> {
  try {
    await read(file, { size: 5 });
  } catch (err) {
    if (err instanceof CsvFileError) return err;
    throw err;
  }
  throw new Error("expected a CsvFileError");
}

/** Encode values as CSV the strict RFC 4180 way: null → empty, "" → `""`. */
function csvLine(values: (string | null)[]): string {
  return values
    .map((v) =>
      v === null ? "" : v === "" || /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v,
    )
    .join(",");
}

// ---- through a real COPY -----------------------------------------------------------------------

describe.each(engineNames)("staging output through COPY on %s", (engine) => {
  let wh: Warehouse;
  let n = 0;
  beforeAll(async () => {
    wh = await makeWarehouse(engine);
  });
  afterAll(() => wh.close());

  /** Stage a file into a fresh text table the way the ingest plan does; rows by record number. */
  async function stage(file: string | Buffer, size = 7) {
    const csv = await openCsv(source(file, size), { chunkRows: 3 });
    const table = `stg_${++n}`;
    const cols = csv.header.map((h) => `${ident(h.name)} text`).join(", ");
    await wh.query(`create table ${ident(table)} (_record bigint, ${cols})`);
    await wh.copyCsv(
      ident(table),
      [ident("_record"), ...csv.header.map((h) => ident(h.name))],
      csv.chunks(),
    );
    const rows = await wh.query<Record<string, string | null>>(
      `select * from ${ident(table)} order by _record`,
    );
    return { rows, summary: csv.summary() };
  }

  test("quoted commas, quotes and line breaks are kept byte for byte; an empty field is NULL, quoted or not", async () => {
    const values: (string | null)[][] = [
      ["a,b", 'say "hi"', "line1\nline2"],
      ["crlf\r\ninside", "", null],
      ['"starts with a quote', 'ends with a quote"', '""'],
      ["\\.", "a\n\\.\nb", " spaced "],
      ["ümlaut, 日本語 😀", "tab\there", "cr\ronly"],
      [",", "\n", "\r\n"],
    ];
    const file = `${["a", "b", "c"].join(",")}\r\n${values.map(csvLine).join("\r\n")}\r\n`;
    const { rows, summary } = await stage(file);
    // `""` (the empty string csvLine writes) stages as NULL, like an unquoted empty field.
    const expected = values.map((r) => r.map((v) => (v === "" ? null : v)));
    expect(rows.map((r) => [r.a, r.b, r.c])).toEqual(expected);
    expect(rows.map((r) => Number(r._record))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(summary.rowsRead).toBe(6);
    expect(summary.malformed).toEqual([]);
  });

  test("the reader's counts of blank values and operations are what the warehouse finds in the rows it staged, for every value shape", async () => {
    // Generated files (seeded): value and Op shapes that stage differently — quoted, escaped,
    // bytes after a closing quote, lone CR, spaces, tabs, no-break spaces — and malformed records.
    let seed = 20261202;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)]!;
    const values = [
      ...["", '""', " ", "   ", "\t", " \t ", "abc", " abc", "abc ", '"a""b"', '"a,b"'],
      ...['"a\nb"', '"x"trailing', '"" ', '"  " ', '""x', '" "', '"   "', 'a"b', '  "', "a\rb"],
      ...[" \r", '""""', '"\t"', "D", "\u00a0", '" "  ', '"" ""', '"  "x', '" \n "', '""\r'],
    ];
    const ops = ["I", "U", "D", "d", "DD", "", '""', " D", "D ", '"D"', '"I"', '""D', '"D"x'];
    const opsMore = ['"D" ', "X", '"D"""', "D\r", '""I', '"U" ', "U\r", '""U'];
    for (let f = 0; f < 40; f++) {
      const width = 1 + Math.floor(rnd() * 3);
      const at = Math.floor(rnd() * (width + 1));
      const header = Array.from({ length: width }, (_, i) => `c${i}`);
      header.splice(at, 0, "Op");
      const lines = [header.join(",")];
      for (let r = 0; r < 2 + Math.floor(rnd() * 30); r++) {
        const fields = header.map((_, i) => (i === at ? pick([...ops, ...opsMore]) : pick(values)));
        if (rnd() < 0.05) fields.pop(); // malformed: staged nowhere, counted nowhere
        lines.push(fields.join(","));
      }
      const file = lines.join(rnd() < 0.5 ? "\n" : "\r\n");
      const csv = await openCsv(source(file, 1 + Math.floor(rnd() * 7)), { op: "op" });
      const table = ident(`cnt_${++n}`);
      const cols = csv.header.map((h) => ident(h.name));
      await wh.query(`create table ${table} (_record bigint, ${cols.map((c) => `${c} text`)})`);
      await wh.copyCsv(table, [ident("_record"), ...cols], csv.chunks());
      const summary = csv.summary();
      const blank = (c: string) => `(${c} IS NULL OR trim(${c}) = '')`;
      const [row] = await wh.query<Record<string, unknown>>(
        `select ${cols
          .flatMap((c, i) => [
            `count(*) filter (where ${blank(c)}) as b${i}`,
            `count(*) filter (where ${blank(c)} and COALESCE("op", '') <> 'D') as l${i}`,
          ])
          .join(", ")}, ${["I", "U", "D"]
          .map((o) => `count(*) filter (where "op" = '${o}') as "${o}"`)
          .join(
            ", ",
          )}, count(*) filter (where "op" is null or "op" not in ('I', 'U', 'D')) as other from ${table}`,
      );
      const got = Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
      const want = Object.fromEntries([
        ...summary.stats.flatMap((st, i) => [
          [`b${i}`, st.blank],
          [`l${i}`, st.blankLive],
        ]),
        ...Object.entries(summary.ops!),
      ]);
      expect({ file, counts: want }).toEqual({ file, counts: got });
    }
  });

  test("a quote inside an unquoted field is literal; text after a closing quote continues the field", async () => {
    const file = 'size,label,n\n5" screen,"ab"c,"12"3\nx"y"z,"q"""r"s",plain\n';
    const { rows } = await stage(file);
    expect(rows.map((r) => [r.size, r.label, r.n])).toEqual([
      ['5" screen', "abc", "123"],
      ['x"y"z', 'q"r"s"', "plain"], // `"q"""r` closes at the quote before r; the rest is literal
    ]);
  });
});

// ---- parsing -----------------------------------------------------------------------------------

describe("CSV reader", () => {
  test("a leading UTF-8 BOM is dropped", async () => {
    const { summary, staged } = await read("\uFEFFid,name\n1,Zoë\n", { size: 1 });
    expect(summary.header).toEqual([
      { name: "id", original: "id" },
      { name: "name", original: "name" },
    ]);
    expect(staged).toBe("1,1,Zoë\n");
  });

  test("CRLF line endings are removed from values, a lone CR is kept as content", async () => {
    const { staged, summary } = await read("a,b\r\n1,x\r\n2,y\rz\r\n", { size: 2 });
    expect(staged).toBe('1,1,x\n2,2,"y\rz"\n');
    expect(summary.rowsRead).toBe(2);
  });

  test("a last record without a line break is read", async () => {
    expect((await read("a,b\n1,2\n3,4")).staged).toBe("1,1,2\n2,3,4\n");
    expect((await read("a,b\r\n1,2\r\n3,")).staged).toBe("1,1,2\n2,3,\n");
    expect((await read('a,b\n1,"x""y"')).staged).toBe('1,1,"x""y"\n');
  });

  test("completely empty lines are skipped and get no record number", async () => {
    const { staged, summary } = await read("\n\na,b\n\n1,2\r\n\r\n\n3,4\n\n");
    expect(staged).toBe("1,1,2\n2,3,4\n");
    expect(summary.rowsRead).toBe(2);
  });

  test("a header-only file is not an error", async () => {
    for (const file of ["a,b", "a,b\n", "a,b\r\n\r\n"]) {
      const { staged, summary } = await read(file);
      expect(staged).toBe("");
      expect(summary.header.map((h) => h.name)).toEqual(["a", "b"]);
      expect(summary.rowsRead).toBe(0);
      expect(summary.stats).toHaveLength(2);
    }
  });

  test("header names are normalised: trimmed, lower snake case, Unicode letters kept, safe", async () => {
    const header = csvLine([
      " Customer ID ",
      "Prénom",
      "",
      "E-mail Address",
      'x"; DROP TABLE customers; --',
      "lastName",
      "%%%",
    ]);
    const { summary } = await read(`${header}\n1,2,3,4,5,6,7\n`);
    expect(summary.header).toEqual([
      { name: "customer_id", original: " Customer ID " },
      { name: "prénom", original: "Prénom" },
      { name: "column_3", original: "" },
      { name: "e_mail_address", original: "E-mail Address" },
      { name: "x_drop_table_customers", original: 'x"; DROP TABLE customers; --' },
      { name: "last_name", original: "lastName" },
      { name: "column_7", original: "%%%" },
    ]);
    for (const h of summary.header) expect(isValidIdent(h.name)).toBe(true);
  });

  test("type counts and byte lengths per column", async () => {
    const file = [
      "id,amount,active,born,seen,note,big",
      "1,12.50,yes,1990-02-28,2023-01-05 10:00:00,hello,9223372036854775807",
      '2,-3,No,2000-02-29,2023-01-05T10:00Z,"a ""quoted"" é",1',
      "3,,TRUE,1999-02-29,2023-01-05,,2147483648",
      '4,"7",n,,,"",x',
    ].join("\n");
    const { summary } = await read(file, { size: 3 });
    const [id, amount, active, born, seen, note, big] = summary.stats;
    expect(id).toEqual({
      nonEmpty: 4,
      integer: 4,
      bigint: 4,
      numeric: 4,
      boolean: 0,
      date: 0,
      timestamp: 0,
      maxBytes: 1,
      inexact: 0,
      digits: 4,
      blank: 0,
    });
    expect(amount).toMatchObject({ nonEmpty: 3, integer: 2, bigint: 2, numeric: 3, maxBytes: 5 });
    expect(amount!.digits).toBe(1); // "7" (quoted); not 12.50 nor -3
    expect(active).toMatchObject({ nonEmpty: 4, boolean: 4, integer: 0, maxBytes: 4 });
    expect(born).toMatchObject({ nonEmpty: 3, date: 2, timestamp: 2, maxBytes: 10 });
    expect(seen).toMatchObject({ nonEmpty: 3, date: 1, timestamp: 3, maxBytes: 19 });
    expect(note).toMatchObject({ nonEmpty: 2, integer: 0, boolean: 0, maxBytes: 13 }); // a "quoted" é
    expect(big).toMatchObject({ nonEmpty: 4, integer: 1, bigint: 3, numeric: 3 });
    expect(summary.stats.map((s) => inferType(s))).toEqual([
      "integer",
      "numeric",
      "boolean",
      "text",
      "timestamp",
      "text",
      "text",
    ]);
  });

  test("blank values are counted per column: missing, quoted empty or spaces only (what trim() empties); a tab, or spaces around text, is not blank", async () => {
    const file = [
      "a,b",
      ",x", // a missing
      '"",', // both missing, one quoted
      '"   ", y ', // a spaces only; b text with spaces around it
      '\t," "  ', // a tab; b a quoted space then two more: three spaces
      'z,  "', // b two spaces and a quote
    ].join("\n");
    for (const size of [1, 2, 3, 64]) {
      const { summary } = await read(file, { size });
      expect(summary.stats.map((s) => s.blank)).toEqual([3, 2]);
      expect(summary.stats.map((s) => s.blankLive)).toEqual([undefined, undefined]);
      expect(summary.ops).toBeUndefined();
    }
  });

  test("with an op column, staged records are counted by operation (exactly I, U or D, quoted or not) and blank values outside deletes are counted apart", async () => {
    const file = [
      "Op,id,email",
      "I,1,a@x",
      '"U",2,',
      "D,3,",
      '"D",4,   ',
      "d,5,e@x", // lower case: not an operation
      ",6,", // no operation
      "DD,7,f@x",
      "I,8", // malformed: not staged, not counted
      'U,9,"  "',
    ].join("\n");
    for (const size of [1, 4, 64]) {
      const { summary } = await read(file, { size, op: "op" });
      expect(summary.rowsStaged).toBe(8);
      expect(summary.ops).toEqual({ I: 1, U: 2, D: 2, other: 3 });
      const [op, id, email] = summary.stats;
      expect(email).toMatchObject({ blank: 5, blankLive: 3 }); // rows 2, 6 and 9 are not deletes
      expect(id).toMatchObject({ blank: 0, blankLive: 0 });
      expect(op).toMatchObject({ blank: 1, blankLive: 1 });
    }
    // A file without that column: nothing counted by operation.
    const { summary } = await read("id,email\n1,a@x\n", { op: "op" });
    expect(summary.ops).toBeUndefined();
    expect(summary.stats[1]!.blankLive).toBeUndefined();
  });

  test("plain-digit values are counted: a 35-digit sequence and a zero-led code are, a sign, point, space or letter is not", async () => {
    const file = [
      "seq,code",
      "20261101090000020000000000000000001,00501",
      '"00000000000000000000000000000000012",0',
      "-20261101090000020000000000000000001,+5",
      "2026110109000002000000000000000000.1, 7",
      "2026110109000002000000000000000000x,1e5",
      ",",
    ].join("\n");
    const { summary } = await read(file, { size: 7 });
    const [seq, code] = summary.stats;
    expect(seq).toMatchObject({ nonEmpty: 5, digits: 2, maxBytes: 36 });
    expect(code).toMatchObject({ nonEmpty: 5, digits: 2 });
  });

  test("every chunking of the input, down to one byte, gives the same records and numbers", async () => {
    const file = Buffer.from(
      "\uFEFFnom,ville,note\r\n" +
        'Zoë,Zürich,"multi\r\nline, with ""quotes"""\r\n' +
        "\r\n" +
        "日本,東京,😀😀\r\n" +
        "short\r\n" +
        '"a","b","c"\r\n' +
        'x,y,"open\r\n' +
        "é,è,ê\n" +
        "last,row,€",
    );
    const reference = await read(file, { size: file.length });
    expect(reference.staged).toBe(
      '1,Zoë,Zürich,"multi\r\nline, with ""quotes"""\n' +
        "2,日本,東京,😀😀\n" +
        '4,"a","b","c"\n' +
        "6,é,è,ê\n" +
        "7,last,row,€\n",
    );
    expect(reference.malformed.map((m) => [m.recordNumber, m.line])).toEqual([
      [3, 6],
      [5, 8],
    ]);
    for (let size = 1; size <= 7; size++) {
      const got = await read(file, { size, chunkRows: 1 });
      expect(got.staged, `chunks of ${size} bytes`).toBe(reference.staged);
      expect(got.malformed).toEqual(reference.malformed);
      expect(got.summary).toEqual(reference.summary);
      // every staging chunk ends on a record boundary (chunkRows: 1 → one record each)
      expect(got.parts.map((p) => p.toString().split(",")[0])).toEqual(["1", "2", "4", "6", "7"]);
    }
  });

  test("staging chunks are bounded and end on record boundaries", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i},"v\n${i}",${"x".repeat(i % 50)}`);
    const { parts, summary } = await read(`a,b,c\n${rows.join("\n")}\n`, { chunkBytes: 4096 });
    expect(summary.rowsStaged).toBe(5000);
    expect(parts.length).toBeGreaterThan(10);
    let next = 1;
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(4096);
      expect(p.at(-1)).toBe(0x0a);
      const text = p.toString();
      expect(text.startsWith(`${next},`)).toBe(true);
      next += text.split("\n").length / 2 - 0.5; // each record spans two lines
    }
  });
});

// ---- malformed records -------------------------------------------------------------------------

describe("malformed records", () => {
  test("too few and too many fields are reported with their record number; the rest streams", async () => {
    const file = "a,b,c\n1,2,3\n4,5\n6,7,8,9\n\n10,11,12\n";
    const { staged, malformed, summary } = await read(file, { size: 4 });
    expect(staged).toBe("1,1,2,3\n4,10,11,12\n");
    expect(malformed).toEqual([
      {
        recordNumber: 2,
        line: 3,
        reason: "record 2 has 2 fields, the header has 3 (line 3)",
        raw: "4,5",
      },
      {
        recordNumber: 3,
        line: 4,
        reason: "record 3 has 4 fields, the header has 3 (line 4)",
        raw: "6,7,8,9",
      },
    ]);
    expect(summary).toMatchObject({ rowsRead: 4, rowsStaged: 2, malformedCount: 2 });
    expect(summary.malformed).toEqual(malformed);
  });

  test("an unterminated quote at the end of the file names the record and the line it opened on", async () => {
    const file = 'a,b\n1,"ok\nstill ok"\n2,"never closed\n3,x\n4,y';
    const { staged, malformed, summary } = await read(file, { size: 3 });
    expect(malformed).toEqual([
      {
        recordNumber: 2,
        line: 4,
        reason:
          "record 2: the quote that opens field 2 on line 4 is not closed before the end of the file",
        raw: '2,"never closed',
      },
    ]);
    // reading resumes on the line after the one where the quote opened
    expect(staged).toBe('1,1,"ok\nstill ok"\n3,3,x\n4,4,y\n');
    expect(summary.rowsRead).toBe(4);
  });

  test("a runaway quote is cut at maxRecordBytes, so memory stays bounded", async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `${i},row ${i}`);
    const file = `a,b\n0,"stray quote\n${rows.join("\n")}\n`;
    const { malformed, summary } = await read(file, { maxRecordBytes: 4096 });
    expect(malformed).toHaveLength(1);
    expect(malformed[0]).toMatchObject({ recordNumber: 1, line: 2, raw: '0,"stray quote' });
    expect(malformed[0]!.reason).toMatch(/line 2 is not closed within 4 KiB/);
    expect(summary).toMatchObject({ rowsRead: 3001, rowsStaged: 3000 });
  });

  test("an over-long line is reported and skipped", async () => {
    const file = `a,b\n1,${"x".repeat(10_000)}\n2,ok\n`;
    const { staged, malformed } = await read(file, { maxRecordBytes: 2048, size: 1000 });
    expect(malformed.map((m) => m.reason)).toEqual(["record 1 (line 2) is longer than 2 KiB"]);
    expect(staged).toBe("2,2,ok\n");
  });

  test("a NUL byte makes the record malformed", async () => {
    const { staged, malformed } = await read("a,b\n1,x\0y\n2,z\n");
    expect(malformed.map((m) => m.reason)).toEqual([
      "record 1 contains a NUL byte (0x00) in field 2 (line 2)",
    ]);
    expect(staged).toBe("2,2,z\n");
  });

  test("summary() keeps the first maxMalformedKept records but counts them all", async () => {
    const file = `a,b\n${Array.from({ length: 50 }, (_, i) => `${i}`).join("\n")}\n`;
    const { summary, malformed } = await read(file, { maxMalformedKept: 10 });
    expect(malformed).toHaveLength(50);
    expect(summary.malformed).toHaveLength(10);
    expect(summary.malformedCount).toBe(50);
  });
});

// ---- file errors -------------------------------------------------------------------------------

describe("file errors", () => {
  test("an empty file: 0 bytes, only a BOM, only whitespace", async () => {
    for (const file of ["", "\uFEFF", " \n\t\r\n\n", "\uFEFF\r\n"]) {
      const err = await fileError(file);
      expect(err).toMatchObject({ kind: "input", code: "csv.empty" });
      expect(err.message).toMatch(/^The file is empty/);
    }
    expect((await fileError("")).message).toBe(
      "The file is empty (0 bytes): expected a header line, then records",
    );
  });

  test("bytes that are not UTF-8: says the byte offset, record and line", async () => {
    const latin1 = Buffer.concat([
      Buffer.from("name,city\nAna,Lisboa\nJos"),
      Buffer.from([0xe9]), // é in Latin-1
      Buffer.from(",Porto\n"),
    ]);
    const err = await fileError(latin1);
    expect(err).toMatchObject({ kind: "input", code: "csv.not_utf8" });
    expect(err.message).toBe(
      'The file is not UTF-8: byte 0xE9 at offset 24 is not valid UTF-8 (record 2, line 3, after "Jos"). Export or save the file as UTF-8 and load it again.',
    );
    expect(err.details).toEqual({ offset: 24, line: 3, record: 2 });

    const inHeader = await fileError(Buffer.from([0x61, 0xff, 0x2c, 0x62, 0x0a]));
    expect(inHeader.message).toMatch(/byte 0xFF at offset 1 .*the header, line 1/);

    const truncated = await fileError(
      Buffer.concat([Buffer.from("a\nx"), Buffer.from("€").subarray(0, 2)]),
    );
    expect(truncated.message).toMatch(
      /ends in the middle of a UTF-8 character \(byte 0xE2 at offset 3\)/,
    );

    const surrogate = await fileError(Buffer.from([0x61, 0x0a, 0xed, 0xa0, 0x80, 0x0a]));
    expect(surrogate.message).toMatch(/byte 0xED at offset 2 .*record 1, line 2/);
  });

  test("a not-UTF-8 error can come after staging chunks were produced", async () => {
    const good = Array.from({ length: 100 }, (_, i) => `${i},ok`).join("\n");
    const file = Buffer.concat([Buffer.from(`a,b\n${good}\n`), Buffer.from([0xc3, 0x28, 0x0a])]);
    const csv = await openCsv(source(file, 64), { chunkRows: 10 });
    const seen: Buffer[] = [];
    await expect(
      (async () => {
        for await (const c of csv.chunks()) seen.push(c);
      })(),
    ).rejects.toMatchObject({ code: "csv.not_utf8", details: { record: 101, line: 102 } });
    expect(seen.length).toBeGreaterThan(0);
    expect(() => csv.summary()).toThrow(/once chunks\(\) has ended/);
  });

  test("duplicate header names, also after normalisation, name both columns", async () => {
    const err = await fileError("id,Email,name,phone,email \n");
    expect(err).toMatchObject({ kind: "input", code: "csv.duplicate_header" });
    expect(err.message).toBe(
      'Duplicate column names in the header: columns 2 ("Email") and 5 ("email ") both become "email"',
    );
    expect((await fileError("column_2,,x\n")).message).toMatch(
      /columns 1 \("column_2"\) and 2 \(""\) both become "column_2"/,
    );
  });

  test("a header whose quote never closes is a bad header", async () => {
    expect(await fileError('a,"b\n1,2\n')).toMatchObject({ code: "csv.bad_header" });
  });

  test("characters no warehouse accepts in a name fold away; a collision they cause is named", async () => {
    const csv = await openCsv(source("a,x²,½ price\n1,2,3\n"));
    expect(csv.header.map((h) => h.name)).toEqual(["a", "x", "price"]);
    for await (const _ of csv.chunks());
    const err = await fileError("x,x²\n");
    expect(err).toMatchObject({ code: "csv.duplicate_header" });
    expect(err.message).toMatch(/"x²"/);
  });
});

// ---- scale -------------------------------------------------------------------------------------

describe("large files", () => {
  test("200k generated rows stream with bounded read-ahead and memory", async () => {
    const ROWS = 200_000;
    let generated = 0;
    async function* big() {
      yield Buffer.from("id,email,amount,signup,active,notes\n");
      let batch = "";
      for (let i = 1; i <= ROWS; i++) {
        batch += `${i},user${i}@example.com,${(i % 9973) / 100},2023-${String((i % 12) + 1).padStart(2, "0")}-15,${i % 2 ? "yes" : "no"},${i % 10 ? "" : '"multi\nline, ""note"""'}\n`;
        if (batch.length > 16_000 || i === ROWS) {
          generated = i;
          yield Buffer.from(batch);
          batch = "";
        }
      }
    }
    // What the reader keeps, not garbage a busy machine's GC has not reached yet (Node 24's young
    // generation alone can hold tens of MB): collect before each sample.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let maxLag = 0;
    let maxHeapGrowth = 0;
    let chunks = 0;
    const csv = await openCsv(big(), { chunkBytes: 256 * 1024 });
    for await (const chunk of csv.chunks()) {
      chunks++;
      // The last record number in this chunk vs. rows the source has produced so far.
      const text = chunk.toString("latin1", Math.max(0, chunk.length - 200));
      const lines = text.trimEnd().split("\n");
      const last = Number(lines.findLast((l) => /^\d+,\d+,/.test(l))!.split(",")[0]);
      maxLag = Math.max(maxLag, generated - last);
      if (chunks % 4 === 0) {
        gc();
        maxHeapGrowth = Math.max(maxHeapGrowth, process.memoryUsage().heapUsed - heapBefore);
      }
    }
    const s = csv.summary();
    expect(s.rowsRead).toBe(ROWS);
    expect(s.rowsStaged).toBe(ROWS);
    expect(s.stats.map((c) => inferType(c))).toEqual([
      "integer",
      "text",
      "numeric",
      "date",
      "boolean",
      "text",
    ]);
    expect(chunks).toBeGreaterThan(20);
    // The reader never runs far ahead of its consumer: at most one staging chunk plus one source
    // chunk of rows (~5k rows here) are in flight, whatever the file size.
    expect(maxLag).toBeLessThan(10_000);
    // Well under the ~20 MB file (heap only; buffers live outside it), sampled after a collection
    // every fourth chunk: what the reader holds on to (about 0.5 MB), whatever the machine's load.
    expect(maxHeapGrowth).toBeLessThan(8 * 1024 * 1024);
  });
});

describe("key order", () => {
  const order = async (lines: string[]) => {
    const csv = await openCsv(source(`${lines.join("\n")}\n`), { key: "id" });
    for await (const _ of csv.chunks());
    return csv.summary().keyIncreasing;
  };

  test("keys that strictly increase prove no key repeats: as numbers for digits, bytewise for text", async () => {
    expect(await order(["id,v", "1,a", "2,b", "10,c"])).toEqual({ digits: true, bytes: false });
    expect(await order(["id,v", "a,1", "b,2", "c,3"])).toEqual({ digits: false, bytes: true });
    expect(await order(["id,v", "001,a", "02,b", "3,c"])).toEqual({ digits: true, bytes: true });
  });

  test("a repeat, a step back, or the same number spelled twice breaks the proof", async () => {
    expect(await order(["id,v", "1,a", "2,b", "2,c"])).toEqual({ digits: false, bytes: false });
    expect(await order(["id,v", "2,a", "1,b"])).toEqual({ digits: false, bytes: false });
    expect((await order(["id,v", "1,a", "01,b"]))?.digits).toBe(false);
    expect((await order(["id,v", "+1,a", "2,b"]))?.digits).toBe(false);
    // empty keys are not keys (the key check rejects them); they do not break the order
    expect(await order(["id,v", "1,a", ",b", "2,c"])).toEqual({ digits: true, bytes: true });
  });
});

describe("sequence order", () => {
  const ordered = async (lines: string[], chunk?: number) => {
    const csv = await openCsv(source(`${lines.join("\n")}\n`, chunk), { sequence: "seq" });
    for await (const _ of csv.chunks());
    return csv.summary().sequenceOrdered;
  };

  test("sequences that never decrease, as numbers, prove each key's last record is its last change", async () => {
    const dms = (n: number) => String(n).padStart(35, "0");
    expect(
      await ordered(["op,seq", `I,${dms(1)}`, `U,${dms(2)}`, `U,${dms(2)}`, `D,${dms(10)}`]),
    ).toBe(true);
    // Leading zeros do not count; a quoted value is its digits; an empty one is zero.
    expect(await ordered(["op,seq", "I,", "I,7", "U,08", 'U,"9"', "U,0010"])).toBe(true);
    // Across the reader's input chunks.
    const many = ["op,seq", ...Array.from({ length: 2000 }, (_, i) => `U,${dms(i)}`)];
    expect(await ordered(many, 7)).toBe(true);
  });

  test("a step back, a value read shorter, a quote or CR in it, or a missing column proves nothing", async () => {
    expect(await ordered(["op,seq", "I,2", "U,10", "U,9"])).toBe(false);
    expect(await ordered(["op,seq", "I,5", "U,"])).toBe(false);
    expect(await ordered(["op,seq", "I,12", "U,13", "U,12"])).toBe(false);
    expect(await ordered(["op,seq", "I,1", 'U,"2"x'])).toBe(false);
    expect(await ordered(["op,other", "I,1"])).toBeUndefined();
    // A malformed record is not staged, so it does not count.
    expect(await ordered(["op,seq", "I,1", "U,0,extra", "U,2"])).toBe(true);
    // Values that are not digits (quarantined by the sequence check) are ordered like the rest:
    // by length, then bytes — an order the digits around them keep.
    expect(await ordered(["op,seq", "I,1", "U,2a", "U,30"])).toBe(true);
    expect(await ordered(["op,seq", "I,1", "U,2a", "U,3"])).toBe(false);
  });
});

describe("each key's last record", () => {
  const lastOf = async (lines: string[], column = "id", chunk?: number) => {
    const csv = await openCsv(source(`${lines.join("\n")}\n`, chunk));
    csv.trackLastOfKey(column);
    for await (const _ of csv.chunks());
    const found = csv.summary().lastOfKey;
    if (!found) return found;
    const rows: number[] = [];
    for (let r = 0; r < found.bitmap.length * 8; r++)
      if ((found.bitmap[r >> 3]! >> (r & 7)) & 1) rows.push(r);
    return { rows, canonicalInteger: found.canonicalInteger };
  };

  test("marks the last record of each key by its record number (as the staged _cdp_row), across input chunks", async () => {
    expect(await lastOf(["op,id", "I,1", "I,2", "U,1", "D,3", "U,2", "I,4"])).toEqual({
      rows: [3, 4, 5, 6],
      canonicalInteger: true,
    });
    // Quoted values are their text (`"a""b"` is `a"b`); an empty key (NULL) is one key, as GROUP BY makes it; a
    // malformed record is not staged, so never marked, but still numbered.
    expect(
      await lastOf(["op,id", 'I,"a""b"', "I,", 'U,a"b', "U,x,extra", 'U,""', "I,1"], "id", 3),
    ).toEqual({ rows: [3, 5, 6], canonicalInteger: false });
    const many = ["op,id", ...Array.from({ length: 3000 }, (_, i) => `U,${i % 1000}`)];
    const found = await lastOf(many, "id", 5);
    expect(found?.rows).toEqual(Array.from({ length: 1000 }, (_, i) => 2001 + i));
  });

  test("says whether every key is a canonical integer (byte equality is then integer equality)", async () => {
    expect((await lastOf(["id", "0", "-12", "7"]))?.canonicalInteger).toBe(true);
    // Negative, and past a double's exact digits: still told apart.
    expect(await lastOf(["id", "-1", "1", "12345678901234567", "12345678901234568", "-1"])).toEqual(
      { rows: [2, 3, 4, 5], canonicalInteger: true },
    );
    for (const bad of ["007", "-0", "+7", " 7", "7.0", "1e3", "-"])
      expect((await lastOf(["id", "5", `"${bad}"`]))?.canonicalInteger, bad).toBe(false);
  });

  test("gives up past its limits (memory stays bounded); a column the file lacks is not tracked", async () => {
    const t = new LastOfKeyTracker("id", { maxKeys: 2, maxRows: 100 });
    const b = Buffer.from("abc");
    t.add(b, 0, 1, 1);
    t.add(b, 1, 2, 2);
    t.add(b, 0, 1, 3);
    expect(t.result()?.bitmap).toEqual(Buffer.from([0b1100]));
    t.add(b, 2, 3, 4);
    expect(t.result()).toBeNull();
    const rows = new LastOfKeyTracker("id", { maxKeys: 10, maxRows: 3 });
    rows.add(b, 0, 1, 4);
    expect(rows.result()).toBeNull();
    expect(await lastOf(["op,id", "I,1"], "other")).toBeUndefined();
  });
});

describe("pattern proofs", () => {
  const email = "^[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+$";
  const stats = async (text: string, patterns: Record<string, string>) => {
    const csv = await openCsv(source(text, 5), { patterns });
    for await (const _ of csv.chunks());
    return csv.summary().stats;
  };

  test("a column's values the rule's pattern is proven to match are counted beside its non-empty ones", async () => {
    const text = [
      "id,email,note",
      "1,a@b.co,x",
      '2,"c@d.org",y',
      "3,,z", // empty: not counted either way
      "4,not-an-email,w",
      '5,"say""hi""@x.io",v', // quotes in the value: proven on the value read, `say"hi"@x.io`
      "6,é@b.co,u", // beyond ASCII: not proven (a locale could call it a space)
    ].join("\n");
    const [, e, n] = await stats(`${text}\n`, { email, note: "^[a-z]$" });
    expect(e!.nonEmpty).toBe(5);
    expect(e!.pattern).toEqual({ source: email, matched: 3 });
    expect(n!.pattern).toEqual({ source: "^[a-z]$", matched: 6 });
  });

  test("a pattern outside the provable subset, or on a column the file lacks, counts nothing", async () => {
    const [, e] = await stats("id,email\n1,a@b.co\n", { email: "(a)\\1", other: "^x$" });
    expect(e!.pattern).toBeUndefined();
    const [, plain] = await stats("id,email\n1,a@b.co\n", {});
    expect(plain!.pattern).toBeUndefined();
  });
});
