// Reading small CSV files (the rejects file a warehouse UNLOADs) with csv-parse, record by record.
// The ingest hot path has its own reader (ingest/csv-reader.ts); this one is for files where a
// well-kept library matters more than speed. Writing is in csv.ts.
import type { Readable } from "node:stream";
import { pipeline } from "node:stream";
import { CsvError, parse } from "csv-parse";

/** A CSV file that csv-parse refused: an unclosed quote, bytes after a closing quote, … */
export class CsvReadError extends Error {
  constructor(
    /** csv-parse's code, e.g. CSV_QUOTE_NOT_CLOSED. */
    public readonly code: string,
    /** The physical line (from 1) where csv-parse gave up: for an unclosed quote, the last. */
    public readonly line: number | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "CsvReadError";
  }
}

/**
 * RFC 4180 records from a stream: quoted fields may hold commas, quotes and line breaks; records
 * end at LF or CRLF. An unquoted empty field is null and a quoted one is "", because that is how
 * both writers of these files tell NULL from an empty string: Redshift's UNLOAD … FORMAT AS CSV
 * (no NULL AS) and csvLine in csv.ts write NULL as nothing. Records may differ in length. Empty
 * lines are not records; a leading UTF-8 BOM is dropped. A file that is not valid CSV throws a
 * CsvReadError; `name` goes into its message.
 */
export async function* csvRecords(
  source: Readable | AsyncIterable<Uint8Array | string>,
  name = "CSV file",
): AsyncGenerator<(string | null)[]> {
  // Not csv-parse's `cast` to tell the empties apart: it builds a context object per field and
  // reads about ten times slower than this (bench/csv-reader.bench.ts), and a rejects file is as
  // big as the rows a run rejected. `raw` costs little: each record comes with its own text.
  const parser = parse({
    bom: true,
    raw: true,
    // Pinned rather than discovered from the first line break, so one file may mix LF and CRLF.
    record_delimiter: ["\r\n", "\n"],
    relax_column_count: true,
    // Empty lines are dropped below instead: when csv-parse skips them, their line breaks stay
    // at the front of the next record's raw text, and withNulls would misread it.
    skip_empty_lines: false,
  });
  // pipeline, not pipe: a failing source must fail the loop below, and a consumer that stops
  // early must release the source.
  pipeline(source, parser, () => {});
  try {
    for await (const { record, raw } of parser as AsyncIterable<RawRecord>) {
      if (!record.includes("")) yield record;
      else if (!(record.length === 1 && raw.charCodeAt(0) !== QUOTE)) yield withNulls(record, raw);
    }
  } catch (err) {
    if (err instanceof CsvError) {
      const line = typeof err.lines === "number" ? err.lines : undefined;
      throw new CsvReadError(err.code, line, `${name} is not valid CSV: ${err.message}`, {
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * The record with its unquoted empty fields as null, found in the record's text. csv-parse read
 * it strictly (no relaxed quotes, no trimming), so each field's text is its value as is, or
 * quoted with every quote doubled, and a comma follows each field but the last.
 */
function withNulls(record: string[], raw: string): (string | null)[] {
  let at = 0;
  return record.map((value, i) => {
    const quoted = raw.charCodeAt(at) === QUOTE;
    at += value.length + 1;
    if (quoted) at += 2 + countQuotes(value);
    // Should csv-parse's `raw` ever mean something else, fail rather than misplace nulls.
    if (i < record.length - 1 && raw.charCodeAt(at - 1) !== COMMA) {
      throw new Error(`csv-parse's raw record does not match its fields: ${JSON.stringify(raw)}`);
    }
    return value === "" && !quoted ? null : value;
  });
}

type RawRecord = { record: string[]; raw: string };

const QUOTE = 0x22;
const COMMA = 0x2c;

function countQuotes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i !== -1; i = s.indexOf('"', i + 1)) n++;
  return n;
}
