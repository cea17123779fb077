// Streaming CSV reader: one pass over a CRM export of any size, memory flat in the file size.
// It yields the header first, then staging CSV chunks for `warehouse.copyCsv`, and at the end
// per-column type counts (for types.ts `inferType`), the row count and the malformed records.
//
// Parsing rules
// - RFC 4180: a field that starts with `"` is quoted; `""` inside it is one quote; commas, CR and
//   LF inside it are content. Records end at LF or CRLF; the last record may lack a line break.
// - Lenient where real exports stray:
//   * a `"` inside an UNQUOTED field (`5" screen`) is a literal character;
//   * bytes after a closing quote and before the next delimiter (`"ab"c,`) continue the field
//     literally, and the closing quote is dropped: the value is `abc` (what PostgreSQL COPY and
//     Python's csv module read too). Quotes among those trailing bytes are literal;
//   * a lone CR (not followed by LF) outside quotes is content, not a line break.
// - A completely empty line (nothing between two line breaks, LF or CRLF) is skipped: it is not a
//   record and gets no record number. A line of spaces is a record like any other. Before the
//   header, whitespace-only lines are skipped too.
// - UTF-8 only, with or without a BOM (a leading BOM is dropped).
// - Record numbers count data records from 1 (the header is not a record); malformed records
//   keep their number, so staged record numbers can have gaps. Line numbers are physical lines
//   of the file from 1, header and blank lines included.
//
// Malformed records (reported, not staged, reading goes on): wrong field count; a quote still
// open at the end of the file or after `maxRecordBytes` (the reader then resumes at the line after
// the one where the quote opened, so one stray quote costs one record, not the rest of the file);
// a record longer than `maxRecordBytes`; a NUL byte (PostgreSQL text cannot hold one).
//
// File errors (CsvFileError) are thrown: empty file, not UTF-8, duplicate or unusable header
// names, too many columns. UTF-8 is checked as bytes arrive, so a csv.not_utf8 error can be thrown
// by `chunks()` after some staging chunks were produced: the caller drops the staging table.
import { isUtf8 } from "node:buffer";
import { asciiPatternMatcher, type PatternMatcher } from "../value/ascii-pattern";
import { classifyBytes, INEXACT_NUMBER, TYPE_BIT, type TypeCounts } from "../value/types";
import { isValidIdent, MAX_IDENT_BYTES, normalizeName } from "../warehouse/ident";
import { CsvFileError } from "./csv-errors";
import { type LastOfKey, LastOfKeyTracker } from "./last-of-key";

export { CsvFileError } from "./csv-errors";

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export type CsvSource = AsyncIterable<Uint8Array | string> | NodeJS.ReadableStream;

export interface CsvReadOptions {
  /** Target size of a staging chunk in bytes (default 4 MiB); a chunk always ends on a record. */
  chunkBytes?: number;
  /** Also end a staging chunk after this many records (default: no limit). */
  chunkRows?: number;
  /** A record longer than this is malformed (default 8 MiB); bounds memory on a runaway quote. */
  maxRecordBytes?: number;
  /** How many malformed records `summary().malformed` keeps (default 1000); all are counted. */
  maxMalformedKept?: number;
  /** Called for every malformed record, in file order, with its complete original text. */
  onMalformed?: (record: MalformedRecord) => void;
  /** The key column (normalised name): the summary then says whether its values strictly increase. */
  key?: string;
  /**
   * A column of change sequences (normalised name): the summary then says whether they never
   * decrease through the file, read as numbers (an empty value is zero).
   */
  sequence?: string;
  /**
   * A quality rule's pattern per column (normalised name → pattern): each column's stats then
   * count the values the pattern is proven to match (value/ascii-pattern.ts), so a check that
   * cannot fail can be left out. A pattern outside the provable subset is not counted.
   */
  patterns?: Record<string, string>;
  /**
   * A column of change operations (normalised name; DMS's `Op`): the summary then counts the
   * records by operation, and each column's stats count its blank values outside deletes
   * (`blankLive`), for the checks that look only at inserts and updates.
   */
  op?: string;
}

/** With the `op` option: staged records by operation (`other`: anything but exactly I, U or D). */
export interface OpCounts {
  I: number;
  U: number;
  D: number;
  other: number;
}

export interface CsvColumn {
  /** Column name: `normalizeName(original)`, or `column_N` (1-based position) when that is empty. */
  name: string;
  /** The header cell as written (quotes removed). */
  original: string;
}

export interface MalformedRecord {
  /** 1-based data-record number (header excluded). */
  recordNumber: number;
  /** Physical line (1-based, header included) where the record starts. */
  line: number;
  reason: string;
  /** The record's original text, without its line break. */
  raw: string;
}

/** Type counts of one column (see types.ts `inferType`), plus the longest value in bytes. */
export interface ColumnStats extends TypeCounts {
  maxBytes: number;
  /** Values of ASCII digits only: no sign, point or space (a DMS change sequence, a zip code). */
  digits?: number;
  /** With the `patterns` option: the column's pattern and how many values it is proven to match. */
  pattern?: { source: string; matched: number };
  /** Values that are empty or only spaces (what `trim(v) = ''` finds, a missing value included). */
  blank: number;
  /** With the `op` option: `blank` among the records whose operation is not D. */
  blankLive?: number;
}

export interface CsvSummary {
  header: CsvColumn[];
  /** Data records read: staged + malformed. */
  rowsRead: number;
  /** Records written to the staging chunks. */
  rowsStaged: number;
  malformedCount: number;
  /** The first `maxMalformedKept` malformed records (raw cut to 64 KiB); use onMalformed for all. */
  malformed: MalformedRecord[];
  /** One entry per header column, over staged records only. */
  stats: ColumnStats[];
  /** Bytes read from the source, BOM included. */
  bytesRead: number;
  /**
   * With the `key` option: whether the key's non-empty values strictly increase through the file,
   * which proves no key repeats — `digits` when every value is plain ASCII digits and increases as
   * a number (for an integer key, where "01" and "1" are the same key), `bytes` bytewise (for a
   * text key). Either is false once a value breaks it.
   */
  keyIncreasing?: { digits: boolean; bytes: boolean };
  /**
   * With the `sequence` option, when the file has that column: true when no value is smaller than
   * the one before it, compared by length once leading zeros are dropped, then byte by byte (for
   * plain digits, as numbers; an empty value is zero). A value that is not plain digits is compared
   * the same way: the plan quarantines it (its sequence check) and the rest keep their order.
   */
  sequenceOrdered?: boolean;
  /** After `trackLastOfKey(column)`: each key's last record, or null when there were too many. */
  lastOfKey?: LastOfKey | null;
  /** With the `op` option, when the file has that column. */
  ops?: OpCounts;
}

export interface CsvReader {
  /** Known before the first staging chunk: create the staging table from it. */
  readonly header: readonly CsvColumn[];
  /**
   * Staging CSV for `COPY … WITH (FORMAT csv)`, in bounded chunks that end on a record boundary.
   * Each line is `<recordNumber>,<field1>,…,<fieldN>\n`: the staging table needs one column for
   * the record number, then one text column per header column, in header order. An unquoted empty
   * field stays unquoted (NULL), and so does `""`: an empty field is NULL, quoted or not. Iterate once, to the end; may
   * throw CsvFileError("csv.not_utf8").
   */
  chunks(): AsyncGenerator<Buffer, void, undefined>;
  /** Counts, stats and malformed records; available once `chunks()` has been read to the end. */
  summary(): CsvSummary;
  /**
   * Before `chunks()`: find each value of `column`'s last staged record (the summary's
   * `lastOfKey`; ingest/last-of-key.ts). A column the header does not have is ignored.
   */
  trackLastOfKey(column: string): void;
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

/**
 * Open a CSV stream: reads up to the end of the header (throwing CsvFileError for an empty file,
 * a bad header, or bytes before it that are not UTF-8) and returns the header with the rest still
 * to stream.
 *
 * ```ts
 * const csv = await openCsv(stream);
 * await createStaging(csv.header);                       // record number + one text column each
 * await warehouse.copyCsv(table, columns, csv.chunks());  // the one pass over the file
 * const { rowsRead, stats, malformed } = csv.summary();
 * ```
 */
export async function openCsv(source: CsvSource, opts: CsvReadOptions = {}): Promise<CsvReader> {
  const it = (source as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  const parser = new CsvParser(opts);
  let sourceDone = false;
  try {
    while (!parser.header) {
      const next = await it.next();
      if (next.done) {
        sourceDone = true;
        parser.end();
      } else parser.push(toBuffer(next.value));
    }
  } catch (err) {
    if (!sourceDone) await it.return?.();
    throw err;
  }
  const header = parser.header;
  let started = false;
  let finished = false;
  return {
    header,
    async *chunks() {
      if (started) throw new Error("CsvReader.chunks() can be iterated only once");
      started = true;
      try {
        parser.releaseHeader();
        if (sourceDone) parser.end();
        yield* parser.drain();
        while (!sourceDone) {
          const next = await it.next();
          if (next.done) {
            sourceDone = true;
            parser.end();
          } else parser.push(toBuffer(next.value));
          yield* parser.drain();
        }
        finished = true;
      } finally {
        if (!sourceDone) await it.return?.();
      }
    },
    summary() {
      if (!finished) throw new Error("CsvReader.summary() is available once chunks() has ended");
      return parser.summary();
    },
    trackLastOfKey(column: string) {
      if (started) throw new Error("CsvReader.trackLastOfKey() must be called before chunks()");
      parser.trackLastOfKey(column);
    },
  };
}

/**
 * The whole file in one call: `onChunk` receives each staging chunk (awaited, so it can write to
 * a warehouse or a file); returns the summary.
 */
export async function readCsv(
  source: CsvSource,
  opts: CsvReadOptions & { onChunk?: (chunk: Buffer) => unknown } = {},
): Promise<CsvSummary> {
  const csv = await openCsv(source, opts);
  for await (const chunk of csv.chunks()) await opts.onChunk?.(chunk);
  return csv.summary();
}

function toBuffer(v: Uint8Array | string): Buffer {
  if (typeof v === "string") return Buffer.from(v, "utf8");
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

// ---------------------------------------------------------------------------------------------
// The parser
// ---------------------------------------------------------------------------------------------

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const SPACE = 0x20;
const OP_D = 2; // countOp(): 0 I, 1 U, 2 D, 3 anything else
const OP_OTHER = 3;

// Field flags
const QUOTED = 1; // started with a quote
const ESCAPED = 2; // quoted and contains `""`
const NEEDS_QUOTE = 4; // unquoted but holds `"` or a lone CR: must be quoted for COPY
const TRAILING = 8; // bytes after the closing quote
const HAS_NUL = 16;

// scan() results besides a position
const INCOMPLETE = -1;
const UNTERMINATED = -2;

/** PostgreSQL and Redshift allow 1600 columns; one goes to the record number. */
const MAX_COLUMNS = 1599;
// nonEmpty, integer, bigint, numeric, boolean, date, timestamp, maxBytes, inexact, digits, matched,
// blank, blank outside deletes
const STATS_WIDTH = 13;
const MAX_KEPT_RAW = 64 * 1024;

class CsvParser {
  private readonly chunkBytes: number;
  private readonly chunkRows: number;
  private readonly maxRecordBytes: number;
  private readonly maxKept: number;
  private readonly onMalformed?: (m: MalformedRecord) => void;

  // Input: work[pos, len) is not yet parsed; work[0] is byte `base` of the file.
  private work = Buffer.allocUnsafe(1 << 16);
  private len = 0;
  private pos = 0;
  private base = 0;
  private validEnd = 0; // work[..validEnd) is checked UTF-8
  private badAt = -1; // work index of the first byte that is not UTF-8
  private eof = false;
  private truncated = false; // the file ends inside a multi-byte character
  private bomChecked = false;
  private retryAt = 0; // pending record was incomplete at this size: wait for twice as much
  private skipping = false; // discarding the rest of an over-long line
  private lines = 0; // line breaks before `pos`
  private records = 0;

  // The header
  header: CsvColumn[] | null = null;
  private ncols = 0;
  private holdAfterHeader = true;

  // The record scan() just read
  private cap = 64;
  private growable = true;
  private fs = new Int32Array(this.cap);
  private fe = new Int32Array(this.cap);
  private fq = new Int32Array(this.cap); // closing quote of a quoted field
  private ff = new Uint8Array(this.cap);
  private nf = 0;
  private recEnd = 0;
  private recLines = 0;
  private qOpen = -1; // open quote of an incomplete/unterminated field
  private qField = 0;

  // Results
  private counts = new Float64Array(0);
  private staged = 0;
  private malformedCount = 0;
  private readonly malformed: MalformedRecord[] = [];

  // Output
  private out: Buffer;
  private o = 0;
  private outRows = 0;
  private readonly queue: Buffer[] = [];
  private scratch = Buffer.allocUnsafe(256);

  private readonly keyName?: string;
  private keyIndex = -1;
  private prevKey = Buffer.alloc(64);
  private prevKeyLen = -1;
  private keyDigits = true;
  private keyBytes = true;

  private readonly patterns?: Record<string, string>;
  /** Per column, its pattern and matcher (null: none); null when no column has one. */
  private matchers: ({ source: string; match: PatternMatcher } | null)[] | null = null;

  private lastIndex = -1;
  private lastOfKey: LastOfKeyTracker | null = null;

  private readonly seqName?: string;
  private seqIndex = -1;
  /** The previous sequence's significant digits (none: zero). */
  private prevSeq = Buffer.alloc(64);
  private prevSeqLen = 0;
  private seqOrdered = true;

  private readonly opName?: string;
  private opIndex = -1;
  private readonly ops = new Float64Array(4); // by countOp()'s answer

  constructor(opts: CsvReadOptions) {
    this.keyName = opts.key;
    this.seqName = opts.sequence;
    this.opName = opts.op;
    this.patterns = opts.patterns;
    this.chunkBytes = Math.max(1024, opts.chunkBytes ?? 4 * 1024 * 1024);
    this.chunkRows = opts.chunkRows && opts.chunkRows > 0 ? opts.chunkRows : Infinity;
    this.maxRecordBytes = Math.max(1024, opts.maxRecordBytes ?? 8 * 1024 * 1024);
    this.maxKept = opts.maxMalformedKept ?? 1000;
    this.onMalformed = opts.onMalformed;
    this.out = Buffer.allocUnsafe(this.chunkBytes);
  }

  trackLastOfKey(column: string): void {
    this.lastIndex = this.header?.findIndex((h) => h.name === column) ?? -1;
    this.lastOfKey = this.lastIndex >= 0 ? new LastOfKeyTracker(column) : null;
  }

  // ---- input ------------------------------------------------------------------------------

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.append(chunk);
    this.parse();
  }

  end(): void {
    if (!this.eof) {
      this.eof = true;
      // Bytes still unchecked at the end are a truncated multi-byte character.
      if (this.badAt < 0 && this.validEnd < this.len) {
        this.badAt = this.validEnd;
        this.truncated = true;
      }
    }
    this.parse();
    if (!this.header && this.badAt < 0) {
      throw new CsvFileError(
        "csv.empty",
        this.base + this.len === 0
          ? "The file is empty (0 bytes): expected a header line, then records"
          : "The file is empty: it holds only a byte-order mark, whitespace or blank lines, no header",
      );
    }
  }

  /** Let parsing go past the header (openCsv holds it there until chunks() is read). */
  releaseHeader(): void {
    this.holdAfterHeader = false;
    this.parse();
  }

  *drain(): Generator<Buffer> {
    while (this.queue.length) yield this.queue.shift()!;
  }

  private append(chunk: Buffer): void {
    if (this.pos > 0) {
      const keep = this.len - this.pos;
      if (keep > 0) this.work.copyWithin(0, this.pos, this.len);
      this.base += this.pos;
      this.validEnd -= this.pos;
      this.len = keep;
      this.pos = 0;
    }
    const need = this.len + chunk.length;
    if (need > this.work.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.work.length * 2));
      this.work.copy(bigger, 0, 0, this.len);
      this.work = bigger;
    }
    chunk.copy(this.work, this.len);
    this.len = need;
    if (this.badAt >= 0) return;
    // Check UTF-8 up to the last complete character; an incomplete one waits for the next chunk.
    const w = this.work;
    let boundary = need;
    for (let i = need - 1; i >= Math.max(this.validEnd, need - 4); i--) {
      const c = w[i]!;
      if (c < 0x80) break;
      if (c >= 0xc0) {
        const width = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (i + width > need) boundary = i;
        break;
      }
    }
    if (isUtf8(w.subarray(this.validEnd, boundary))) this.validEnd = boundary;
    else this.badAt = firstInvalidUtf8(w, this.validEnd, boundary);
  }

  // ---- the record loop --------------------------------------------------------------------

  private parse(): void {
    if (this.header && this.holdAfterHeader) return;
    const w = this.work;
    const bad = this.badAt >= 0;
    const end = bad ? this.badAt : this.len;
    const eof = this.eof && !bad;
    let p = this.pos;
    if (!this.bomChecked) {
      if (end - p < 3 && !eof && !bad) return;
      if (w[p] === 0xef && w[p + 1] === 0xbb && w[p + 2] === 0xbf && end - p >= 3) p += 3;
      this.bomChecked = true;
    }
    for (;;) {
      if (this.skipping) {
        const lf = w.indexOf(LF, p);
        if (lf < 0 || lf >= end) {
          p = Math.max(p, Math.min(end, this.validEnd));
          break;
        }
        this.skipping = false;
        this.lines++;
        p = lf + 1;
        continue;
      }
      if (p >= end) break;
      const c = w[p];
      if (c === LF) {
        this.lines++;
        p++;
        continue;
      }
      if (c === CR) {
        if (p + 1 >= end) {
          if (!eof) break;
          p++;
          continue;
        }
        if (w[p + 1] === LF) {
          this.lines++;
          p += 2;
          continue;
        }
      }
      const pending = end - p;
      if (!eof && !bad && pending < this.retryAt && pending <= this.maxRecordBytes) break;
      const r = this.scan(p, end, eof);
      if (r === INCOMPLETE) {
        if (pending > this.maxRecordBytes) {
          p = this.overlong(p, end);
          continue;
        }
        this.retryAt = pending * 2;
        break;
      }
      this.retryAt = 0;
      if (r === UNTERMINATED) {
        p = this.unterminated(p, end, "before the end of the file");
        continue;
      }
      if (!this.header) {
        if (this.isBlankHeaderLine(p)) {
          this.lines += this.recLines;
          p = r;
          continue;
        }
        this.setHeader();
        this.lines += this.recLines;
        p = r;
        if (this.holdAfterHeader) break;
        continue;
      }
      this.record(p);
      this.lines += this.recLines;
      p = r;
    }
    this.pos = p;
    if (bad && (this.header === null || !this.holdAfterHeader)) this.throwNotUtf8();
    if (this.eof && this.header && !this.holdAfterHeader && p >= this.len) this.flush();
  }

  /**
   * Read one record starting at `p`. Returns the position after its line break (fields in
   * fs/fe/ff/fq, count in nf), INCOMPLETE when the data ends inside it before EOF, or
   * UNTERMINATED at EOF inside a quoted field.
   */
  private scan(p: number, end: number, eof: boolean): number {
    const b = this.work;
    let fs = this.fs;
    let fe = this.fe;
    let ff = this.ff;
    let fq = this.fq;
    let f = 0;
    let lines = 0;
    this.qOpen = -1;
    for (;;) {
      const start = p;
      let flags = 0;
      let closeQ = -1;
      if (p < end && b[p] === QUOTE) {
        flags = QUOTED;
        p++;
        for (;;) {
          while (p < end) {
            const c = b[p]!;
            if (c === QUOTE) break;
            if (c === LF) lines++;
            else if (c === 0) flags |= HAS_NUL;
            p++;
          }
          if (p + 1 >= end && !eof) {
            this.qOpen = start;
            this.qField = f;
            return INCOMPLETE;
          }
          if (p >= end) {
            this.qOpen = start;
            this.qField = f;
            return UNTERMINATED;
          }
          if (p + 1 < end && b[p + 1] === QUOTE) {
            flags |= ESCAPED;
            p += 2;
            continue;
          }
          closeQ = p++;
          break;
        }
        // Bytes after the closing quote continue the field literally.
        while (p < end) {
          const c = b[p]!;
          if (c === COMMA || c === LF) break;
          if (c === CR) {
            if (p + 1 >= end) {
              if (!eof) return INCOMPLETE;
              break;
            }
            if (b[p + 1] === LF) break;
          } else if (c === 0) flags |= HAS_NUL;
          flags |= TRAILING;
          p++;
        }
      } else {
        while (p < end) {
          const c = b[p]!;
          if (c > COMMA) {
            p++;
            continue;
          }
          if (c === COMMA || c === LF) break;
          if (c === CR) {
            if (p + 1 >= end) {
              if (!eof) return INCOMPLETE;
              break;
            }
            if (b[p + 1] === LF) break;
            flags |= NEEDS_QUOTE; // a lone CR is content
          } else if (c === QUOTE) flags |= NEEDS_QUOTE;
          else if (c === 0) flags |= HAS_NUL;
          p++;
        }
      }
      if (f >= this.cap && this.growable) {
        this.grow();
        ({ fs, fe, ff, fq } = this);
      }
      if (f < this.cap) {
        fs[f] = start;
        fe[f] = p;
        ff[f] = flags;
        fq[f] = closeQ;
      }
      f++;
      if (p >= end) {
        if (!eof) return INCOMPLETE;
        this.nf = f;
        this.recEnd = p;
        this.recLines = lines;
        return p;
      }
      const c = b[p];
      if (c === COMMA) {
        p++;
        continue;
      }
      this.nf = f;
      this.recEnd = p;
      this.recLines = lines + 1;
      return c === CR && b[p + 1] === LF && p + 1 < end ? p + 2 : p + 1;
    }
  }

  private grow(): void {
    const cap = this.cap * 2;
    const fs = new Int32Array(cap);
    fs.set(this.fs);
    const fe = new Int32Array(cap);
    fe.set(this.fe);
    const fq = new Int32Array(cap);
    fq.set(this.fq);
    const ff = new Uint8Array(cap);
    ff.set(this.ff);
    Object.assign(this, { cap, fs, fe, fq, ff });
  }

  // ---- header -----------------------------------------------------------------------------

  private fieldText(i: number): string {
    const w = this.work;
    const s = this.fs[i]!;
    const e = this.fe[i]!;
    const fl = this.ff[i]!;
    if (!(fl & QUOTED)) return w.toString("utf8", s, e);
    const q = this.fq[i]!;
    let text = w.toString("utf8", s + 1, q);
    if (fl & ESCAPED) text = text.replaceAll('""', '"');
    return fl & TRAILING ? text + w.toString("utf8", q + 1, e) : text;
  }

  private isBlankHeaderLine(p: number): boolean {
    return (
      this.nf === 1 &&
      !(this.ff[0]! & QUOTED) &&
      this.work.toString("utf8", p, this.recEnd).trim() === ""
    );
  }

  private setHeader(): void {
    const n = this.nf;
    const line = this.lines + 1;
    if (n > MAX_COLUMNS) {
      throw new CsvFileError(
        "csv.too_many_columns",
        `The header (line ${line}) has ${n} columns; a warehouse table holds at most ${MAX_COLUMNS} plus the record number`,
      );
    }
    const header: CsvColumn[] = [];
    const seen = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const original = this.fieldText(i);
      if (original.includes("\0")) {
        throw new CsvFileError("csv.bad_header", `Header column ${i + 1} contains a NUL byte`);
      }
      const name = normalizeName(original) || `column_${i + 1}`;
      if (!isValidIdent(name)) {
        throw new CsvFileError(
          "csv.bad_header",
          `Header column ${i + 1} ("${original}") becomes "${name}", which is not a usable column name: use letters, digits and _ (at most ${MAX_IDENT_BYTES} bytes)`,
          { column: i + 1, original, name },
        );
      }
      const prev = seen.get(name);
      if (prev !== undefined) {
        const a = header[prev]!.original;
        throw new CsvFileError(
          "csv.duplicate_header",
          `Duplicate column names in the header: columns ${prev + 1} ("${a}") and ${i + 1} ("${original}") both become "${name}"`,
          { columns: [prev + 1, i + 1], originals: [a, original], name },
        );
      }
      seen.set(name, i);
      header.push({ name, original });
    }
    this.header = header;
    this.ncols = n;
    if (this.keyName) this.keyIndex = header.findIndex((h) => h.name === this.keyName);
    if (this.seqName) this.seqIndex = header.findIndex((h) => h.name === this.seqName);
    if (this.opName) this.opIndex = header.findIndex((h) => h.name === this.opName);
    const patterns = this.patterns;
    if (patterns) {
      const matchers = header.map((h) => {
        const source = Object.hasOwn(patterns, h.name) ? patterns[h.name] : undefined;
        const match = source === undefined ? null : asciiPatternMatcher(source);
        return match && source !== undefined ? { source, match } : null;
      });
      if (matchers.some((m) => m !== null)) this.matchers = matchers;
    }
    this.growable = false;
    // Keep room for one field more than the header, to tell "too many" apart.
    if (this.cap < n + 1) {
      this.cap = n + 1;
      this.fs = new Int32Array(this.cap);
      this.fe = new Int32Array(this.cap);
      this.fq = new Int32Array(this.cap);
      this.ff = new Uint8Array(this.cap);
    }
    this.counts = new Float64Array(n * STATS_WIDTH);
  }

  // ---- data records -----------------------------------------------------------------------

  private record(p: number): void {
    const n = ++this.records;
    const ncols = this.ncols;
    if (this.nf !== ncols) {
      this.reject(
        n,
        this.lines + 1,
        `record ${n} has ${this.nf} field${this.nf === 1 ? "" : "s"}, the header has ${ncols} (line ${this.lines + 1})`,
        p,
        this.recEnd,
      );
      return;
    }
    const w = this.work;
    const fs = this.fs;
    const fe = this.fe;
    const ff = this.ff;
    const fq = this.fq;
    const counts = this.counts;
    let any = 0;
    for (let i = 0; i < ncols; i++) any |= ff[i]!;
    if (any & HAS_NUL) {
      let k = 0;
      while (!(ff[k]! & HAS_NUL)) k++;
      this.reject(
        n,
        this.lines + 1,
        `record ${n} contains a NUL byte (0x00) in field ${k + 1} (line ${this.lines + 1})`,
        p,
        this.recEnd,
      );
      return;
    }
    // Stats
    const matchers = this.matchers;
    // A blank value counts in `blank`, and in `blankLive` unless the record is a delete.
    const live = this.opIndex < 0 || this.countOp() !== OP_D ? 1 : 0;
    let emptyQuoted = false;
    for (let i = 0; i < ncols; i++) {
      const fl = ff[i]!;
      let s = fs[i]!;
      let e = fe[i]!;
      const k = i * STATS_WIDTH;
      let vb: Uint8Array = w;
      if (fl === QUOTED) {
        s++;
        e = fq[i]!;
        if (s === e) emptyQuoted = true; // `""` is staged unquoted: empty is NULL on every engine
      } else if (fl !== 0) {
        // Rare shapes: value holds a quote or CR (text only), or has bytes after its quote.
        vb = this.valueOf(i);
        s = 0;
        e = vb.length;
      }
      const len = e - s;
      if (len === 0 || (vb[s] === SPACE && allSpaces(vb, s, e))) {
        counts[k + 11]!++;
        counts[k + 12]! += live;
        if (len === 0) continue;
      }
      const bits = classifyBytes(vb, s, e);
      if (i === this.keyIndex && (this.keyDigits || this.keyBytes)) this.trackKey(vb, s, e);
      counts[k]!++;
      if (len > counts[k + 7]!) counts[k + 7] = len;
      if (bits !== 0) {
        if (bits & TYPE_BIT.integer) counts[k + 1]!++;
        if (bits & TYPE_BIT.bigint) counts[k + 2]!++;
        if (bits & TYPE_BIT.numeric) counts[k + 3]!++;
        if (bits & TYPE_BIT.boolean) counts[k + 4]!++;
        if (bits & TYPE_BIT.date) counts[k + 5]!++;
        if (bits & TYPE_BIT.timestamp) counts[k + 6]!++;
        if (bits & INEXACT_NUMBER) counts[k + 8]!++;
        // Plain digits: an integer's bits say so unless it is negative; any other number shape is
        // walked to its first non-digit (a decimal point, a sign: a few bytes).
        if (
          bits & TYPE_BIT.bigint
            ? vb[s] !== MINUS
            : (bits & (TYPE_BIT.numeric | INEXACT_NUMBER)) !== 0 && allDigits(vb, s, e)
        )
          counts[k + 9]!++;
      }
      if (matchers !== null) {
        const m = matchers[i];
        if (m?.match(vb, s, e)) counts[k + 10]!++;
      }
    }
    if (this.seqIndex >= 0 && this.seqOrdered) this.trackSeq();
    if (this.lastOfKey !== null) this.trackLast(n);
    // Staging line
    const rawLen = this.recEnd - p;
    if (!(any & (NEEDS_QUOTE | TRAILING)) && !emptyQuoted) {
      this.reserve(rawLen + 18);
      let o = writeUint(this.out, this.o, n);
      this.out[o++] = COMMA;
      o += w.copy(this.out, o, p, this.recEnd);
      this.out[o++] = LF;
      this.o = o;
    } else {
      this.reserve(2 * rawLen + 3 * ncols + 18);
      const out = this.out;
      let o = writeUint(out, this.o, n);
      for (let i = 0; i < ncols; i++) {
        out[o++] = COMMA;
        const fl = ff[i]!;
        const s = fs[i]!;
        const e = fe[i]!;
        if (fl & NEEDS_QUOTE) {
          out[o++] = QUOTE;
          o = copyQuoted(w, s, e, out, o);
          out[o++] = QUOTE;
        } else if (fl & TRAILING) {
          const q = fq[i]!;
          out[o++] = QUOTE;
          o += w.copy(out, o, s + 1, q); // already `""`-escaped
          o = copyQuoted(w, q + 1, e, out, o);
          out[o++] = QUOTE;
        } else if (fl === QUOTED && fq[i] === s + 1) {
          // `""`: nothing, so the staged field is NULL like an unquoted empty one
        } else {
          o += w.copy(out, o, s, e);
        }
      }
      out[o++] = LF;
      this.o = o;
    }
    this.staged++;
    if (++this.outRows >= this.chunkRows) this.flush();
  }

  /** The unescaped value of field i, in a scratch buffer (rare shapes only). */
  private valueOf(i: number): Buffer {
    const w = this.work;
    const fl = this.ff[i]!;
    const s = this.fs[i]!;
    const e = this.fe[i]!;
    if (this.scratch.length < e - s) this.scratch = Buffer.allocUnsafe(2 * (e - s));
    const v = this.scratch;
    let o = 0;
    if (!(fl & QUOTED)) {
      o = w.copy(v, 0, s, e);
    } else {
      const q = this.fq[i]!;
      for (let k = s + 1; k < q; k++) {
        v[o++] = w[k]!;
        if (w[k] === QUOTE) k++;
      }
      o += w.copy(v, o, q + 1, e);
    }
    return v.subarray(0, o);
  }

  private reject(n: number, line: number, reason: string, s: number, e: number): void {
    const raw = this.work.toString("utf8", s, e);
    this.malformedCount++;
    this.onMalformed?.({ recordNumber: n, line, reason, raw });
    if (this.malformed.length < this.maxKept) {
      this.malformed.push({
        recordNumber: n,
        line,
        reason,
        raw: raw.length > MAX_KEPT_RAW ? `${raw.slice(0, MAX_KEPT_RAW)}…` : raw,
      });
    }
  }

  /** A quote left open: the record is the text up to the end of the line where it opened. */
  private unterminated(p: number, end: number, where: string): number {
    const w = this.work;
    const q = this.qOpen;
    const quoteLine = this.lines + 1 + countLf(w, p, q);
    const lf = w.indexOf(LF, q);
    const stop = lf >= 0 && lf < end ? lf : end;
    const rawEnd = stop > q + 1 && w[stop - 1] === CR && stop === lf ? stop - 1 : stop;
    const what = `the quote that opens field ${this.qField + 1} on line ${quoteLine} is not closed ${where}`;
    if (!this.header) {
      throw new CsvFileError("csv.bad_header", `The header is unusable: ${what}`);
    }
    const n = ++this.records;
    this.reject(n, this.lines + 1, `record ${n}: ${what}`, p, rawEnd);
    if (stop === end) {
      if (this.eof || this.badAt >= 0) {
        this.lines += countLf(w, p, end);
        return end;
      }
      this.skipping = true;
      const next = Math.min(end, this.validEnd);
      this.lines += countLf(w, p, next);
      return next;
    }
    this.lines += countLf(w, p, lf + 1);
    return lf + 1;
  }

  /** The pending record passed maxRecordBytes without ending. */
  private overlong(p: number, end: number): number {
    const w = this.work;
    this.retryAt = 0;
    const limit = `within ${formatBytes(this.maxRecordBytes)}`;
    if (this.qOpen >= 0) return this.unterminated(p, end, limit);
    // No line break at all in this much data: one over-long line. Skip to the next line break.
    if (!this.header) {
      throw new CsvFileError(
        "csv.bad_header",
        `The header line is longer than ${formatBytes(this.maxRecordBytes)}`,
      );
    }
    const n = ++this.records;
    this.reject(
      n,
      this.lines + 1,
      `record ${n} (line ${this.lines + 1}) is longer than ${formatBytes(this.maxRecordBytes)}`,
      p,
      Math.min(end, p + this.maxRecordBytes),
    );
    this.skipping = true;
    const next = Math.min(end, this.validEnd);
    this.lines += countLf(w, p, next);
    return next;
  }

  private throwNotUtf8(): never {
    const w = this.work;
    const at = this.badAt;
    const offset = this.base + at;
    const line = this.lines + 1 + countLf(w, this.pos, at);
    const where = this.header
      ? `record ${this.records + 1}, line ${line}`
      : `the header, line ${line}`;
    // A little of the text before the bad byte, from the same line, cut on a character boundary.
    let from = Math.max(at > 0 ? w.lastIndexOf(LF, at - 1) + 1 : 0, at - 40, this.pos);
    while (from < at && (w[from]! & 0xc0) === 0x80) from++;
    const before = w.toString("utf8", from, at);
    const hex = `0x${w[at]!.toString(16).toUpperCase().padStart(2, "0")}`;
    const what = this.truncated
      ? `the file ends in the middle of a UTF-8 character (byte ${hex} at offset ${offset})`
      : `byte ${hex} at offset ${offset} is not valid UTF-8`;
    throw new CsvFileError(
      "csv.not_utf8",
      `The file is not UTF-8: ${what} (${where}${before ? `, after "${before}"` : ""}). Export or save the file as UTF-8 and load it again.`,
      { offset, line, record: this.header ? this.records + 1 : 0 },
    );
  }

  // ---- output -----------------------------------------------------------------------------

  private reserve(bytes: number): void {
    if (this.o + bytes <= this.out.length) return;
    this.flush();
    if (bytes > this.out.length) this.out = Buffer.allocUnsafe(Math.max(bytes, this.chunkBytes));
  }

  private flush(): void {
    if (this.o === 0) return;
    // Hand out an exact-size copy; the working buffer is reused.
    const chunk = Buffer.allocUnsafeSlow(this.o);
    this.out.copy(chunk, 0, 0, this.o);
    this.queue.push(chunk);
    this.o = 0;
    this.outRows = 0;
  }

  /** Compare a key value with the previous one; keep the proof that keys strictly increase. */
  private trackKey(b: Uint8Array, s: number, e: number): void {
    const len = e - s;
    let digits = true;
    for (let j = s; j < e; j++) {
      const ch = b[j]!;
      if (ch < 0x30 || ch > 0x39) {
        digits = false;
        break;
      }
    }
    if (!digits) this.keyDigits = false;
    if (this.prevKeyLen >= 0) {
      const prev = this.prevKey.subarray(0, this.prevKeyLen);
      const cur = b.subarray(s, e);
      if (this.keyBytes && Buffer.compare(cur, prev) <= 0) this.keyBytes = false;
      if (this.keyDigits) {
        // Both plain digits: compare as numbers (leading zeros do not count).
        let a = 0;
        while (a < cur.length - 1 && cur[a] === 0x30) a++;
        let z = 0;
        while (z < prev.length - 1 && prev[z] === 0x30) z++;
        const x = cur.subarray(a);
        const y = prev.subarray(z);
        if (x.length < y.length || (x.length === y.length && Buffer.compare(x, y) <= 0))
          this.keyDigits = false;
      }
    }
    if (!this.keyDigits && !this.keyBytes) return;
    if (this.prevKey.length < len)
      this.prevKey = Buffer.alloc(Math.max(len, this.prevKey.length * 2));
    this.prevKey.set(b.subarray(s, e), 0);
    this.prevKeyLen = len;
  }

  /** Count this record's operation (the `op` column): 0 I, 1 U, 2 D, 3 anything else. */
  private countOp(): number {
    const i = this.opIndex;
    const fl = this.ff[i]!;
    // The staged value is exactly one byte I, U or D: what `op IN ('I', 'U', 'D')` finds.
    let b: Uint8Array = this.work;
    let s = this.fs[i]!;
    let e = this.fe[i]!;
    if (fl === QUOTED) {
      s++;
      e = this.fq[i]!;
    } else if (fl !== 0) {
      b = this.valueOf(i); // rare shapes: `""D` is staged as D
      s = 0;
      e = b.length;
    }
    let op = OP_OTHER;
    if (e - s === 1) {
      const ch = b[s];
      op = ch === 0x49 ? 0 : ch === 0x55 ? 1 : ch === 0x44 ? OP_D : OP_OTHER;
    }
    this.ops[op]!++;
    return op;
  }

  /** Note this record as its key's last so far. */
  private trackLast(row: number): void {
    const i = this.lastIndex;
    const fl = this.ff[i]!;
    if (fl === 0) this.lastOfKey!.add(this.work, this.fs[i]!, this.fe[i]!, row);
    else if (fl === QUOTED) this.lastOfKey!.add(this.work, this.fs[i]! + 1, this.fq[i]!, row);
    else {
      const v = this.valueOf(i);
      this.lastOfKey!.add(v, 0, v.length, row);
    }
  }

  /** Compare this record's sequence with the previous one; keep the proof that none decreases. */
  private trackSeq(): void {
    const i = this.seqIndex;
    const fl = this.ff[i]!;
    let s = this.fs[i]!;
    let e = this.fe[i]!;
    if (fl === QUOTED) {
      s++;
      e = this.fq[i]!;
    } else if (fl !== 0) {
      this.seqOrdered = false; // holds a quote or a CR: not a sequence
      return;
    }
    const w = this.work;
    while (s < e && w[s] === 0x30) s++; // as a number: leading zeros do not count
    const len = e - s;
    const pl = this.prevSeqLen;
    // Shorter after its leading zeros is smaller; of the same length, the first byte that differs
    // decides (for digits, the number's order). Values are short: plain loops, no native calls.
    if (len < pl) {
      this.seqOrdered = false;
      return;
    }
    let prev = this.prevSeq;
    let j = 0;
    if (len === pl) {
      while (j < len && w[s + j] === prev[j]) j++;
      if (j < len && w[s + j]! < prev[j]!) {
        this.seqOrdered = false;
        return;
      }
    } else if (prev.length < len) {
      prev = Buffer.alloc(2 * len);
      this.prevSeq = prev;
    }
    for (; j < len; j++) prev[j] = w[s + j]!;
    this.prevSeqLen = len;
  }

  summary(): CsvSummary {
    const c = this.counts;
    const o = this.ops;
    const stats: ColumnStats[] = [];
    for (let i = 0; i < this.ncols; i++) {
      const k = i * STATS_WIDTH;
      stats.push({
        nonEmpty: c[k]!,
        integer: c[k + 1]!,
        bigint: c[k + 2]!,
        numeric: c[k + 3]!,
        boolean: c[k + 4]!,
        date: c[k + 5]!,
        timestamp: c[k + 6]!,
        maxBytes: c[k + 7]!,
        inexact: c[k + 8]!,
        digits: c[k + 9]!,
        blank: c[k + 11]!,
      });
      if (this.opIndex >= 0) stats[i]!.blankLive = c[k + 12]!;
      const m = this.matchers?.[i];
      if (m) stats[i]!.pattern = { source: m.source, matched: c[k + 10]! };
    }
    return {
      header: this.header ?? [],
      rowsRead: this.records,
      rowsStaged: this.staged,
      malformedCount: this.malformedCount,
      malformed: this.malformed,
      stats,
      bytesRead: this.base + this.len,
      ...(this.keyIndex >= 0
        ? { keyIncreasing: { digits: this.keyDigits, bytes: this.keyBytes } }
        : {}),
      ...(this.seqIndex >= 0 ? { sequenceOrdered: this.seqOrdered } : {}),
      ...(this.lastIndex >= 0 ? { lastOfKey: this.lastOfKey?.result() ?? null } : {}),
      ...(this.opIndex >= 0 ? { ops: { I: o[0]!, U: o[1]!, D: o[2]!, other: o[3]! } } : {}),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function allSpaces(b: Uint8Array, s: number, e: number): boolean {
  for (let j = s; j < e; j++) if (b[j] !== SPACE) return false;
  return true;
}

function allDigits(b: Uint8Array, s: number, e: number): boolean {
  for (let j = s; j < e; j++) {
    const c = b[j]!;
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Write `n` (a non-negative integer) as ASCII digits; returns the new offset. */
function writeUint(out: Buffer, o: number, n: number): number {
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  let i = o + digits;
  while (n >= 10) {
    const q = Math.floor(n / 10);
    out[--i] = 0x30 + n - q * 10;
    n = q;
  }
  out[--i] = 0x30 + n;
  return o + digits;
}

/** Copy src[s, e) doubling every quote; returns the new offset. */
function copyQuoted(src: Buffer, s: number, e: number, out: Buffer, o: number): number {
  for (let k = s; k < e; k++) {
    const c = src[k]!;
    out[o++] = c;
    if (c === QUOTE) out[o++] = QUOTE;
  }
  return o;
}

function countLf(b: Buffer, s: number, e: number): number {
  let n = 0;
  for (let i = b.indexOf(LF, s); i >= 0 && i < e; i = b.indexOf(LF, i + 1)) n++;
  return n;
}

function formatBytes(n: number): string {
  if (n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** Index of the first byte in b[s, e) that does not start a valid UTF-8 sequence (e if none). */
export function firstInvalidUtf8(b: Uint8Array, s: number, e: number): number {
  let i = s;
  while (i < e) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let width: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) width = 2;
    else if (c >= 0xe0 && c <= 0xef) {
      width = 3;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      width = 4;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return i;
    if (i + width > e) return i;
    const c1 = b[i + 1]!;
    if (c1 < lo || c1 > hi) return i;
    for (let k = 2; k < width; k++) {
      const ck = b[i + k]!;
      if (ck < 0x80 || ck > 0xbf) return i;
    }
    i += width;
  }
  return e;
}
