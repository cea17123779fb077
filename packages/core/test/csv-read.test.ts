// csvRecords (util/csv-read.ts): the csv-parse reader for rejects files, and its NULL convention.
import { Readable } from "node:stream";
import { describe, expect, test } from "vitest";
import { csvField, csvLine } from "../src/util/csv";
import { CsvReadError, csvRecords } from "../src/util/csv-read";

/** The file as a stream of `size`-byte chunks (size 1 splits every quote, CRLF and UTF-8 char). */
function stream(file: string | Buffer, size = 64 * 1024): Readable {
  const b = typeof file === "string" ? Buffer.from(file) : file;
  const parts: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) parts.push(b.subarray(i, i + size));
  return Readable.from(parts);
}

async function records(file: string | Buffer, size?: number) {
  const out: (string | null)[][] = [];
  for await (const r of csvRecords(stream(file, size))) out.push(r);
  return out;
}

async function failure(file: string, name?: string): Promise<CsvReadError> {
  try {
    for await (const _ of csvRecords(stream(file), name));
  } catch (err) {
    if (err instanceof CsvReadError) return err;
    throw err;
  }
  throw new Error("no error");
}

describe("csvRecords", () => {
  test("quoted fields hold commas, doubled quotes and line breaks", async () => {
    const file = 'a,b,c\n"x,y","he said ""hi""","line 1\nline 2"\n"""",plain,"crlf\r\ninside"\n';
    for (const size of [1, 3, 64 * 1024]) {
      expect(await records(file, size)).toEqual([
        ["a", "b", "c"],
        ["x,y", 'he said "hi"', "line 1\nline 2"],
        ['"', "plain", "crlf\r\ninside"],
      ]);
    }
  });

  test("records end at LF or CRLF, mixed in one file; the last may lack a line break", async () => {
    expect(await records("a,b\r\n1,2\n3,4\r\n5,6", 1)).toEqual([
      ["a", "b"],
      ["1", "2"],
      ["3", "4"],
      ["5", "6"],
    ]);
  });

  test("an unquoted empty field is null, a quoted empty one is the empty string", async () => {
    expect(await records('a,b,c\n,"",x\n"",,\n')).toEqual([
      ["a", "b", "c"],
      [null, "", "x"],
      ["", null, null],
    ]);
  });

  test("empty lines are not records; a line of one quoted empty field or of spaces is", async () => {
    for (const size of [1, 2, 64 * 1024]) {
      expect(await records('a\n\n\r\n""\n \nz\r\n\r\n\n"q\r\n",\r\n\n,"",\n', size)).toEqual([
        ["a"],
        [""],
        [" "],
        ["z"],
        ["q\r\n", null],
        [null, "", null],
      ]);
    }
    expect(await records("")).toEqual([]);
  });

  test("records may differ in length", async () => {
    expect(await records("a,b,c\n1\n1,2,3,4\n")).toEqual([
      ["a", "b", "c"],
      ["1"],
      ["1", "2", "3", "4"],
    ]);
  });

  test("a leading BOM is dropped; UTF-8 split across chunks is whole", async () => {
    const file = Buffer.from("\uFEFFrule,name\nr1,Zoë Ólafsdóttir 東京\n");
    expect(await records(file, 1)).toEqual([
      ["rule", "name"],
      ["r1", "Zoë Ólafsdóttir 東京"],
    ]);
  });

  test("reads back what csvLine writes (null and empty string both as null, as before)", async () => {
    const rows = [
      ["rule", "error_type", "_cdp_row", "email"],
      ["not_null", "missing", 7, null],
      ["format", "bad", 8, ' lead, "quoted"\r\nnext '],
      ["format", "bad", 9, ""],
    ];
    expect(await records(rows.map(csvLine).join(""), 5)).toEqual([
      ["rule", "error_type", "_cdp_row", "email"],
      ["not_null", "missing", "7", null],
      ["format", "bad", "8", ' lead, "quoted"\r\nnext '],
      ["format", "bad", "9", null],
    ]);
  });

  test("a rejects file as Redshift's UNLOAD … FORMAT AS CSV HEADER writes it", async () => {
    const file =
      "rule,error_type,severity,description,_cdp_row,email,notes\n" +
      'email_format,format,error,"email: not an address, ""x""",12,x@,\n' +
      'notes_required,missing,error,notes is empty,13,a@b.c,""\n';
    expect(await records(file)).toEqual([
      ["rule", "error_type", "severity", "description", "_cdp_row", "email", "notes"],
      ["email_format", "format", "error", 'email: not an address, "x"', "12", "x@", null],
      ["notes_required", "missing", "error", "notes is empty", "13", "a@b.c", ""],
    ]);
  });

  test("random files written as UNLOAD writes them read back exactly, however chunked", async () => {
    let seed = 7;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const pieces = ["a", "é", "東", ",", '"', "\n", "\r\n", "\r", " ", '""'];
    const value = () => {
      if (rand() < 0.2) return null;
      let v = "";
      for (let n = Math.floor(rand() * 5); n > 0; n--)
        v += pieces[Math.floor(rand() * pieces.length)];
      return v;
    };
    // NULL as nothing, "" quoted: one empty field alone on a line would be an empty line.
    const field = (v: string | null) => (v === null ? "" : v === "" ? '""' : csvField(v));
    for (let file = 0; file < 300; file++) {
      const rows = Array.from({ length: 1 + Math.floor(rand() * 6) }, () =>
        Array.from({ length: 1 + Math.floor(rand() * 5) }, value),
      ).filter((r) => !(r.length === 1 && r[0] === null));
      const text = rows.map((r) => `${r.map(field).join(",")}${rand() < 0.5 ? "\n" : "\r\n"}`);
      const size = 1 + Math.floor(rand() * 9);
      expect(await records(text.join(""), size)).toEqual(rows);
    }
  });

  test("a quote left open is a CsvReadError naming the file and where reading stopped", async () => {
    const err = await failure('a,b\n1,2\n"3,4\n5,6\n', "rejects/000");
    expect(err.code).toBe("CSV_QUOTE_NOT_CLOSED");
    expect(err.message).toMatch(/^rejects\/000 is not valid CSV: Quote Not Closed: .* line 4$/);
    expect(err.line).toBe(4);
  });

  test("bytes after a closing quote, or a quote inside an unquoted field, are errors", async () => {
    expect((await failure('a,b\n"1"x,2\n')).code).toBe("CSV_INVALID_CLOSING_QUOTE");
    expect((await failure('a,b\n1"x",2\n')).code).toBe("INVALID_OPENING_QUOTE");
    expect((await failure('"a"x\n')).message).toMatch(
      /^CSV file is not valid CSV: Invalid Closing Quote: got "x" at line 1/,
    );
  });

  test("a failing source fails the loop with its own error", async () => {
    const source = new Readable({
      read() {
        this.push("a,b\n1,2\n");
        this.destroy(new Error("connection reset"));
      },
    });
    const seen: unknown[] = [];
    await expect(
      (async () => {
        for await (const r of csvRecords(source)) seen.push(r);
      })(),
    ).rejects.toThrow("connection reset");
  });

  test("stopping early releases the source", async () => {
    const source = stream("a\n1\n2\n3\n", 2);
    for await (const r of csvRecords(source)) if (r[0] === "1") break;
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.destroyed).toBe(true);
  });
});
