// Redshift's COPY fails the whole load on one value over 65,535 bytes (the VARCHAR limit) or one
// input row over 4 MB (warehouse/limits.ts), while the CSV reader accepts records up to 8 MiB. So
// on Redshift the plan step passes the staging CSV through `withoutOversized`: a record too big
// for COPY is left out of the staging file and reported like a malformed record — its row is
// quarantined with a reason naming the column and its size, the whole original record goes to the
// rejects file, and the rest of the file loads. (PostgreSQL has neither limit: nothing changes.)
import { REDSHIFT_MAX_COPY_ROW_BYTES, REDSHIFT_MAX_VARCHAR_BYTES } from "../warehouse/limits";
import type { CsvColumn, MalformedRecord } from "./csv-reader";

const LF = 0x0a;
const QUOTE = 0x22;
const COMMA = 0x2c;

export interface CopyLimits {
  /** Bytes of one value. */
  valueBytes: number;
  /** Bytes of one staged line (record number and line break included). */
  rowBytes: number;
}

export const REDSHIFT_COPY_LIMITS: CopyLimits = {
  valueBytes: REDSHIFT_MAX_VARCHAR_BYTES,
  rowBytes: REDSHIFT_MAX_COPY_ROW_BYTES,
};

/** Raw text kept of the reported records in all; past it each keeps its first 64 KiB. */
const KEEP_RAW_BYTES = 32 << 20;
const KEEP_RAW_CUT = 64 << 10;

const fmt = (n: number) => n.toLocaleString("en-US");

/**
 * The staging CSV (`<record>,<field>,…\n` lines, csv-reader.ts) without the records COPY would
 * refuse; each one left out goes to `onOversized`, in record order.
 */
export async function* withoutOversized(
  chunks: AsyncIterable<Buffer>,
  header: readonly CsvColumn[],
  onOversized: (record: MalformedRecord) => void,
  limits: CopyLimits = REDSHIFT_COPY_LIMITS,
): AsyncGenerator<Buffer> {
  let kept = 0;
  const report = (line: Buffer, problem: string) => {
    const comma = line.indexOf(COMMA);
    const recordNumber = Number(line.subarray(0, comma).toString("latin1"));
    const body = line.subarray(comma + 1, line.length - 1);
    const whole = kept + body.length <= KEEP_RAW_BYTES;
    kept += whole ? body.length : KEEP_RAW_CUT;
    onOversized({
      recordNumber,
      // The staging line does not tell the physical line of the source; 0: not known.
      line: 0,
      reason: `record ${recordNumber}: ${problem}; the row is not loaded (its whole record is in raw_record${whole ? "" : ", cut to 64 KiB here: the source file has all of it"})`,
      raw: whole ? body.toString("utf8") : `${body.subarray(0, KEEP_RAW_CUT).toString("utf8")}…`,
    });
  };
  /**
   * The whole records in b from `from`, without the ones COPY would refuse, into `keep`; returns
   * where the first incomplete record starts (b.length when none is).
   */
  const sift = (b: Buffer, from: number, keep: Buffer[]): number => {
    const scan = new RecordScanner(b);
    let run = from; // start of the run of records kept
    let start = from;
    while (start < b.length) {
      const end = scan.recordEnd(start);
      if (end === -1) break;
      const len = end + 1 - start;
      // A value is never longer than its record, so short records (nearly all) need no look.
      const problem = len > limits.valueBytes ? oversize(b, start, end, header, limits) : null;
      if (problem) {
        if (start > run) keep.push(b.subarray(run, start));
        report(b.subarray(start, end + 1), problem);
        run = end + 1;
      }
      start = end + 1;
    }
    if (start > run) keep.push(b.subarray(run, start));
    return start;
  };
  // The reader's chunks end on a record; should one not, its last record waits for the rest.
  let pending: Buffer[] = [];
  let pendingInQuotes = false;
  for await (const data of chunks) {
    const keep: Buffer[] = [];
    let from = 0;
    if (pending.length) {
      const { end, inQuotes } = lineEnd(data, 0, pendingInQuotes);
      if (end === -1) {
        pending.push(data);
        pendingInQuotes = inQuotes;
        continue;
      }
      const record = Buffer.concat([...pending, data.subarray(0, end + 1)]);
      pending = [];
      sift(record, 0, keep);
      from = end + 1;
    }
    const to = sift(data, from, keep);
    if (to < data.length) {
      pending = [data.subarray(to)];
      pendingInQuotes = lineEnd(data, to, false).inQuotes;
    }
    if (keep.length) yield keep.length === 1 ? keep[0]! : Buffer.concat(keep);
  }
  if (pending.length) yield Buffer.concat(pending);
}

/** The line break ending a record, from `from` with the quote state given (-1: not in `b`). */
function lineEnd(b: Buffer, from: number, inQuotes: boolean): { end: number; inQuotes: boolean } {
  let i = from;
  let quoted = inQuotes;
  for (;;) {
    if (quoted) {
      const close = b.indexOf(QUOTE, i);
      if (close === -1) return { end: -1, inQuotes: true };
      quoted = false;
      i = close + 1;
      continue;
    }
    const lf = b.indexOf(LF, i);
    const open = b.indexOf(QUOTE, i);
    if (open !== -1 && (lf === -1 || open < lf)) {
      quoted = true;
      i = open + 1;
      continue;
    }
    return { end: lf, inQuotes: false };
  }
}

/** Finds record ends (a line break outside quotes) with native scans, remembering the next hits. */
class RecordScanner {
  private lf = -2;
  private quote = -2;
  constructor(private readonly b: Buffer) {}

  private next(kind: number, from: number): number {
    const cached = kind === LF ? this.lf : this.quote;
    if (cached === -1 || cached >= from) return cached;
    const hit = this.b.indexOf(kind, from);
    if (kind === LF) this.lf = hit;
    else this.quote = hit;
    return hit;
  }

  /** The index of the line break ending the record that starts at `start`; -1 if incomplete. */
  recordEnd(start: number): number {
    let i = start;
    for (;;) {
      const lf = this.next(LF, i);
      if (lf === -1) return -1;
      const q = this.next(QUOTE, i);
      if (q === -1 || q > lf) return lf;
      // A quoted run: up to its closing quote (`""` inside reads as close + reopen).
      const close = this.next(QUOTE, q + 1);
      if (close === -1) return -1;
      i = close + 1;
    }
  }
}

/** What makes the staged line b[start..end] too big for COPY, or null. */
function oversize(
  b: Buffer,
  start: number,
  end: number,
  header: readonly CsvColumn[],
  limits: CopyLimits,
): string | null {
  const problems: string[] = [];
  const lineBytes = end + 1 - start;
  if (lineBytes > limits.rowBytes) {
    problems.push(
      `the record is ${fmt(lineBytes)} bytes, and Redshift's COPY loads at most ${fmt(limits.rowBytes)} bytes per row`,
    );
  }
  // Fields: the record number, then one per header column; a value's size is its unescaped bytes.
  let field = -1;
  let i = start;
  while (i < end) {
    let bytes = 0;
    if (b[i] === QUOTE) {
      i++;
      for (;;) {
        const q = b.indexOf(QUOTE, i);
        if (q === -1 || q >= end) {
          bytes += end - i;
          i = end;
          break;
        }
        bytes += q - i;
        if (b[q + 1] === QUOTE) {
          bytes++;
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      // Bytes after a closing quote stay part of the value (csv-reader.ts).
      const comma = b.indexOf(COMMA, i);
      const stop = comma === -1 || comma > end ? end : comma;
      bytes += stop - i;
      i = stop;
    } else {
      const comma = b.indexOf(COMMA, i);
      const stop = comma === -1 || comma > end ? end : comma;
      bytes = stop - i;
      i = stop;
    }
    field++;
    if (field > 0 && bytes > limits.valueBytes) {
      const name = header[field - 1]?.name ?? `column ${field}`;
      problems.push(
        `${name} is ${fmt(bytes)} bytes, and Redshift holds at most ${fmt(limits.valueBytes)} bytes in a value`,
      );
    }
    i++; // the comma (or past the end)
  }
  return problems.length ? problems.join("; ") : null;
}
