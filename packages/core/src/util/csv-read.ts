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
    /** The record (from 1, the header included) that is not valid. */
    public readonly record: number,
    /** The physical line (from 1) where the parser stopped: for an unclosed quote, the end. */
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
 * CsvReadError (the previous hand-written reader guessed instead); `name` goes into its message.
 */
export async function* csvRecords(
  source: Readable | AsyncIterable<Uint8Array | string>,
  name = "CSV file",
): AsyncGenerator<(string | null)[]> {
  // Where the last good record ended, counted as the parser goes (it reads ahead of the loop):
  // csv-parse names the line where it gave up, which for an unclosed quote is the end of the file.
  let records = 0;
  let endLine = 0;
  const parser = parse({
    bom: true,
    // Pinned rather than discovered from the first line break, so one file may mix LF and CRLF.
    record_delimiter: ["\r\n", "\n"],
    relax_column_count: true,
    skip_empty_lines: true,
    cast: (value, context) => (value === "" && !context.quoting ? null : value),
    on_record: (record, context) => {
      records++;
      endLine = context.lines;
      return record;
    },
  });
  // pipeline, not pipe: a failing source must fail the loop below, and a consumer that stops
  // early must release the source.
  pipeline(source, parser, () => {});
  try {
    for await (const record of parser) yield record as (string | null)[];
  } catch (err) {
    if (err instanceof CsvError) {
      const line = typeof err.lines === "number" ? err.lines : undefined;
      const where = records ? `record ${records + 1} (after line ${endLine})` : "record 1";
      throw new CsvReadError(
        err.code,
        records + 1,
        line,
        `${name} is not valid CSV, ${where}: ${err.message}`,
        { cause: err },
      );
    }
    throw err;
  }
}
