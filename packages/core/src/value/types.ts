// Column types inferred from CSV values, defined once and used twice: a byte classifier the CSV
// reader runs on every value (no string allocation), and a SQL predicate the plan runs on the
// staging table before it casts. The two must agree; test/types.test.ts checks that they do on
// PGlite and PostgreSQL.
//
// Accepted spellings (strict on purpose: what we accept here must cast on Redshift and PostgreSQL
// alike; anything else stays text, or becomes a quality failure in a typed column):
//   integer    -?[0-9]+ whose value is in int4 range (-2147483648..2147483647), spelled as the
//              number reads back: no leading zero (but `0`), no `+`, no `-0`. No surrounding
//              spaces, no thousands separators, no exponent, ASCII digits only.
//              A zip code `08123` or a phone number `+4930123` is not a number: it is text.
//   bigint     the same in int8 range.
//   numeric    an integer, or one `.` with digits on at least one side (`1.`, `.5`, `-1.25`,
//              `0.5`; not `00.5`, not `+1.5`), no exponent; at most 28 significant digits before
//              the point and 10 after it (Redshift's numeric(38,10)); the same limits on
//              PostgreSQL so both agree.
// A number-shaped value that none of the numeric types keeps exactly (a leading zero or `+`, more
// digits than numeric(38,10) holds) is flagged INEXACT_NUMBER: one such value keeps the whole
// column text (`inferType`), so a file never loses a zip code's zero to a 98 % majority.
//   boolean    true/false/t/f/yes/no/y/n, ASCII case-insensitive. Not 0/1 (those are integers).
//   date       YYYY-MM-DD, a real Gregorian day (no 2023-02-29, no month 13, no year 0000).
//   timestamp  YYYY-MM-DD[T ]HH:MM[:SS[.f{1,6}]][Z], hours 00-23 (no 24:00), seconds 00-59.
//              A bare date also parses as a timestamp (date ⊂ timestamp, as integer ⊂ bigint), so a
//              column mixing dates and timestamps infers timestamp. A trailing Z is dropped by
//              the cast: timestamps are stored without a zone.
//   text       anything (on Redshift: at most 65535 bytes, the varchar limit — the plan step
//              quarantines a row with a longer value before COPY, ingest/oversize.ts).
import { REDSHIFT_MAX_VARCHAR_BYTES } from "../warehouse/limits";
import type { Dialect } from "../warehouse/warehouse";

export type ColumnType =
  | "integer"
  | "bigint"
  | "numeric"
  | "boolean"
  | "date"
  | "timestamp"
  | "text";
export type TypedColumnType = Exclude<ColumnType, "text">;

/** The non-text types, in the order `inferType` tries them (narrowest first). */
export const TYPED_COLUMN_TYPES: readonly TypedColumnType[] = [
  "integer",
  "bigint",
  "numeric",
  "boolean",
  "date",
  "timestamp",
];

/**
 * Returned by `classifyBytes` (never with a type bit) for a number-shaped value that no numeric
 * type reads back as the same text: `08123`, `+5`, `-0`, `00.5`, 29 digits, 11 decimals.
 */
export const INEXACT_NUMBER = 64;

/** Redshift's varchar limit, in bytes (warehouse/limits.ts has Redshift's limits and sources). */
export { REDSHIFT_MAX_VARCHAR_BYTES };

// ---------------------------------------------------------------------------------------------
// (a) Byte classifier
// ---------------------------------------------------------------------------------------------

/** Bits returned by `classifyBytes`; a value can parse as several types (integer ⊂ bigint ⊂ numeric). */
export const TYPE_BIT = {
  integer: 1,
  bigint: 2,
  numeric: 4,
  boolean: 8,
  date: 16,
  timestamp: 32,
} as const satisfies Record<TypedColumnType, number>;

const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const D0 = 0x30;
const COLON = 0x3a;

const INT4_MAX = Buffer.from("2147483647");
const INT4_MIN = Buffer.from("2147483648");
const INT8_MAX = Buffer.from("9223372036854775807");
const INT8_MIN = Buffer.from("9223372036854775808");

/** digits b[s..s+limit.length) <= limit, both the same length, ASCII digits. */
function digitsAtMost(b: Uint8Array, s: number, limit: Uint8Array): boolean {
  for (let i = 0; i < limit.length; i++) {
    const x = b[s + i]!;
    const y = limit[i]!;
    if (x !== y) return x < y;
  }
  return true;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= D0 && c <= 0x39;
}

function twoDigits(b: Uint8Array, i: number): number {
  const x = b[i]! - D0;
  const y = b[i + 1]! - D0;
  if (x < 0 || x > 9 || y < 0 || y > 9) return -1;
  return x * 10 + y;
}

/** Number-like values: integer/bigint/numeric bits, or a date/timestamp when it looks like one. */
function classifyNumber(b: Uint8Array, s: number, e: number): number {
  let i = s;
  const c0 = b[i]!;
  const signed = c0 === PLUS || c0 === MINUS;
  if (signed) i++;
  const intStart = i;
  while (i < e && isDigit(b[i])) i++;
  const intDigits = i - intStart;
  // A leading `+`, or a zero before another digit, does not read back: the value is not a number.
  const inexact = c0 === PLUS || (intDigits > 1 && b[intStart] === D0);
  if (i === e) {
    if (intDigits === 0) return 0;
    let z = intStart;
    while (z < e && b[z] === D0) z++;
    const sig = e - z;
    const neg = c0 === MINUS;
    if (inexact || sig > 28 || (neg && sig === 0)) return INEXACT_NUMBER;
    let bits = 0;
    if (sig < 10 || (sig === 10 && digitsAtMost(b, z, neg ? INT4_MIN : INT4_MAX))) {
      bits = TYPE_BIT.integer | TYPE_BIT.bigint;
    } else if (sig < 19 || (sig === 19 && digitsAtMost(b, z, neg ? INT8_MIN : INT8_MAX))) {
      bits = TYPE_BIT.bigint;
    }
    return sig <= 28 ? bits | TYPE_BIT.numeric : bits;
  }
  const c = b[i];
  if (c === DOT) {
    const fracStart = ++i;
    while (i < e && isDigit(b[i])) i++;
    if (i !== e) return 0;
    const fracDigits = e - fracStart;
    if (intDigits + fracDigits === 0) return 0;
    if (inexact || fracDigits > 10) return INEXACT_NUMBER;
    let z = intStart;
    while (z < fracStart - 1 && b[z] === D0) z++;
    return fracStart - 1 - z <= 28 ? TYPE_BIT.numeric : INEXACT_NUMBER;
  }
  if (c === MINUS && !signed && intDigits === 4) return classifyDateTime(b, s, e);
  return 0;
}

/** YYYY-MM-DD at b[s..s+10) is a real day (the caller checked YYYY are digits and b[s+4] is `-`). */
function isRealDay(b: Uint8Array, s: number): boolean {
  if (b[s + 7] !== MINUS) return false;
  const month = twoDigits(b, s + 5);
  const day = twoDigits(b, s + 8);
  if (month < 1 || month > 12 || day < 1) return false;
  const year =
    (b[s]! - D0) * 1000 + (b[s + 1]! - D0) * 100 + (b[s + 2]! - D0) * 10 + b[s + 3]! - D0;
  if (year === 0) return false;
  if (month === 2) {
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    return day <= (leap ? 29 : 28);
  }
  if (month === 4 || month === 6 || month === 9 || month === 11) return day <= 30;
  return day <= 31;
}

function classifyDateTime(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  if (n < 10 || !isRealDay(b, s)) return 0;
  if (n === 10) return TYPE_BIT.date | TYPE_BIT.timestamp;
  // [T ]HH:MM
  const sep = b[s + 10];
  if ((sep !== 0x54 && sep !== 0x20) || n < 16 || b[s + 13] !== COLON) return 0;
  const hh = twoDigits(b, s + 11);
  const mm = twoDigits(b, s + 14);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return 0;
  let i = s + 16;
  let end = e;
  if (b[end - 1] === 0x5a) end--; // trailing Z
  if (i < end) {
    // :SS
    if (end - i < 3 || b[i] !== COLON) return 0;
    const ss = twoDigits(b, i + 1);
    if (ss < 0 || ss > 59) return 0;
    i += 3;
    if (i < end) {
      // .f{1,6}
      if (b[i] !== DOT) return 0;
      const f = end - i - 1;
      if (f < 1 || f > 6) return 0;
      for (let k = i + 1; k < end; k++) if (!isDigit(b[k])) return 0;
    }
  }
  return TYPE_BIT.timestamp;
}

/** ASCII case-insensitive match of b[s..e) against a lower-case word. */
function wordIs(b: Uint8Array, s: number, e: number, word: string): boolean {
  if (e - s !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    if ((b[s + i]! | 0x20) !== word.charCodeAt(i)) return false;
  }
  return true;
}

function classifyBoolean(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  if (n > 5) return 0;
  switch (b[s]! | 0x20) {
    case 0x74: // t
      return n === 1 || wordIs(b, s, e, "true") ? TYPE_BIT.boolean : 0;
    case 0x66: // f
      return n === 1 || wordIs(b, s, e, "false") ? TYPE_BIT.boolean : 0;
    case 0x79: // y
      return n === 1 || wordIs(b, s, e, "yes") ? TYPE_BIT.boolean : 0;
    case 0x6e: // n
      return n === 1 || wordIs(b, s, e, "no") ? TYPE_BIT.boolean : 0;
    default:
      return 0;
  }
}

/**
 * All types the value `b[s..e)` parses as, as `TYPE_BIT` flags (0 = text only). Works on bytes;
 * allocates nothing. An empty range returns 0 (callers count empties separately).
 */
export function classifyBytes(b: Uint8Array, s = 0, e = b.length): number {
  if (e <= s) return 0;
  const c0 = b[s]!;
  if ((c0 >= D0 && c0 <= 0x39) || c0 === MINUS || c0 === PLUS || c0 === DOT) {
    return classifyNumber(b, s, e);
  }
  // t f y n, either case (0x20 folds ASCII upper to lower; non-letters never land on these)
  if (c0 < 0x80) return classifyBoolean(b, s, e);
  return 0;
}

/** Per-type classifiers over bytes; each is `classifyBytes` restricted to one type. */
export const classifiers: Record<
  TypedColumnType,
  (b: Uint8Array, s?: number, e?: number) => boolean
> = {
  integer: (b, s, e) => (classifyBytes(b, s, e) & TYPE_BIT.integer) !== 0,
  bigint: (b, s, e) => (classifyBytes(b, s, e) & TYPE_BIT.bigint) !== 0,
  numeric: (b, s, e) => (classifyBytes(b, s, e) & TYPE_BIT.numeric) !== 0,
  boolean: (b, s, e) => (classifyBytes(b, s, e) & TYPE_BIT.boolean) !== 0,
  date: (b, s, e) => (classifyBytes(b, s, e) & TYPE_BIT.date) !== 0,
  timestamp: (b, s, e) => (classifyBytes(b, s, e) & TYPE_BIT.timestamp) !== 0,
};

/** Convenience for strings (tests, one-off checks); the reader uses `classifyBytes`. */
export function parsesAsValue(type: ColumnType, value: string): boolean {
  if (type === "text") return true;
  return (classifyBytes(Buffer.from(value)) & TYPE_BIT[type]) !== 0;
}

// ---------------------------------------------------------------------------------------------
// (b) SQL: predicate, type name, cast
// ---------------------------------------------------------------------------------------------

/** The warehouse type for a column type. */
export function sqlType(type: ColumnType, dialect: Dialect): string {
  if (dialect === "redshift") {
    if (type === "numeric") return "numeric(38,10)";
    if (type === "text") return `varchar(${REDSHIFT_MAX_VARCHAR_BYTES})`;
  }
  return type;
}

// Regexes use only POSIX bracket expressions and bounds, which Redshift and PostgreSQL share; no
// backslashes, so no dependence on standard_conforming_strings.
const RE_INT = "^(0|-?[1-9][0-9]*)$";
// Bounded repetitions ({0,27}) make PostgreSQL's regex engine several times slower, so the shape
// is matched by a simple regex and the digit limits are counted with split_part/ltrim.
const RE_NUMERIC = "^(0|-?[1-9][0-9]*|-?(0|[1-9][0-9]*)[.][0-9]*|-?[.][0-9]+)$";
const RE_BOOLEAN = "^([Tt]([Rr][Uu][Ee])?|[Ff]([Aa][Ll][Ss][Ee])?|[Yy]([Ee][Ss])?|[Nn][Oo]?)$";
const RE_DAY = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])";
const RE_DATE = `^${RE_DAY}$`;
const RE_TIMESTAMP = `^${RE_DAY}([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?Z?)?$`;

/** Day-of-month check for a value already known to start with a well-formed YYYY-MM-DD. */
function realDaySql(e: string): string {
  const month = `substring(${e}, 6, 2)`;
  const day = `substring(${e}, 9, 2)`;
  const year = `CAST(substring(${e}, 1, 4) AS integer)`;
  const leap = `(MOD(${year}, 4) = 0 AND (MOD(${year}, 100) <> 0 OR MOD(${year}, 400) = 0))`;
  return (
    `(substring(${e}, 1, 4) <> '0000' AND CASE` +
    ` WHEN ${month} IN ('04', '06', '09', '11') THEN ${day} <> '31'` +
    ` WHEN ${month} = '02' THEN ${day} NOT IN ('29', '30', '31') OR (${day} = '29' AND ${leap})` +
    " ELSE TRUE END)"
  );
}

/** Range check of an integer literal (regex-guarded) against int4/int8 without ever overflowing. */
function intRangeSql(e: string, digits: number, max: string, castTo: string): string {
  // Strip the sign and leading zeros; what is left are the significant digits.
  const sig = `ltrim(${e}, '+-0')`;
  const lit = (v: string) => `CAST('${v}' AS ${castTo})`;
  const minAbs = (BigInt(max) + 1n).toString();
  return (
    `(CASE WHEN length(${sig}) < ${digits} THEN TRUE` +
    ` WHEN length(${sig}) > ${digits} THEN FALSE` +
    ` WHEN substring(${e}, 1, 1) = '-' THEN CAST(${sig} AS ${castTo}) <= ${lit(minAbs)}` +
    ` ELSE CAST(${sig} AS ${castTo}) <= ${lit(max)} END)`
  );
}

/**
 * A SQL boolean expression that is TRUE exactly when the text `expr` parses as `type`, so that
 * `castExpr(type, expr, dialect)` cannot raise. Casts appear only inside CASE branches behind the
 * regex guard. NULL input gives FALSE. Note: PostgreSQL may fold constant CASE branches at plan
 * time, so apply this to columns, not to literals.
 */
export function parsesAs(type: ColumnType, expr: string, dialect: Dialect): string {
  const e = `(${expr})`;
  const guarded = (re: string, then: string) =>
    `(CASE WHEN ${e} ~ '${re}' THEN ${then} ELSE FALSE END)`;
  switch (type) {
    case "integer":
      return guarded(RE_INT, intRangeSql(e, 10, "2147483647", "bigint"));
    case "bigint":
      return guarded(RE_INT, intRangeSql(e, 19, "9223372036854775807", "numeric(19,0)"));
    case "numeric":
      return guarded(
        RE_NUMERIC,
        `(length(ltrim(split_part(${e}, '.', 1), '+-0')) <= 28 AND length(split_part(${e}, '.', 2)) <= 10)`,
      );
    case "boolean":
      return guarded(RE_BOOLEAN, "TRUE");
    case "date":
      return guarded(RE_DATE, realDaySql(e));
    case "timestamp":
      return guarded(RE_TIMESTAMP, realDaySql(e));
    case "text":
      return dialect === "redshift"
        ? `(CASE WHEN octet_length(${e}) <= ${REDSHIFT_MAX_VARCHAR_BYTES} THEN TRUE ELSE FALSE END)`
        : `(CASE WHEN ${e} IS NOT NULL THEN TRUE ELSE FALSE END)`;
  }
}

/** The cast used on merge, from staging text to the column's type. Guard it with `parsesAs`. */
export function castExpr(type: ColumnType, expr: string, dialect: Dialect): string {
  const e = `(${expr})`;
  switch (type) {
    case "boolean":
      // Redshift cannot cast 'yes' to boolean; map every accepted spelling explicitly.
      return (
        `(CASE WHEN lower(${e}) IN ('true', 't', 'yes', 'y') THEN TRUE` +
        ` WHEN lower(${e}) IN ('false', 'f', 'no', 'n') THEN FALSE END)`
      );
    case "timestamp":
      // `T` only ever appears as the date/time separator and `Z` only at the end (parsesAs).
      // PostgreSQL reads both (ISO 8601; a zone on a timestamp without one is ignored): two
      // string copies a value spared. Redshift gets them removed.
      return dialect === "redshift"
        ? `CAST(replace(replace(${e}, 'T', ' '), 'Z', '') AS timestamp)`
        : `CAST(${e} AS timestamp)`;
    case "text":
      return e;
    default:
      return `CAST(${e} AS ${sqlType(type, dialect)})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Inference and widening
// ---------------------------------------------------------------------------------------------

const NUMERIC_RANK: Partial<Record<ColumnType, number>> = { integer: 0, bigint: 1, numeric: 2 };

/** Per-column counts: non-empty values, and how many of them parse as each type. */
export interface TypeCounts {
  nonEmpty: number;
  integer: number;
  bigint: number;
  numeric: number;
  boolean: number;
  date: number;
  timestamp: number;
  /** Number-shaped values no numeric type keeps exactly (`INEXACT_NUMBER`); any keeps it text. */
  inexact?: number;
}

/**
 * The narrowest type that at least `threshold` of the non-empty values parse as, trying
 * integer, bigint, numeric, boolean, date, timestamp in that order; text when none does or when
 * the column has no non-empty value. The numeric types only when no value is an inexact number
 * (`08123`, `+5`): those would not read back as written.
 */
export function inferType(stats: TypeCounts, threshold = 0.98): ColumnType {
  if (stats.nonEmpty <= 0) return "text";
  const exactNumbers = !stats.inexact;
  for (const t of TYPED_COLUMN_TYPES) {
    if (!exactNumbers && NUMERIC_RANK[t] !== undefined) continue;
    if (stats[t] / stats.nonEmpty >= threshold) return t;
  }
  return "text";
}

/**
 * Numeric widening only: for two types on integer → bigint → numeric, the wider of the two (the
 * existing type when it already holds `needed`); null when either is not on that chain.
 */
export function widen(existing: ColumnType, needed: ColumnType): ColumnType | null {
  const a = NUMERIC_RANK[existing];
  const b = NUMERIC_RANK[needed];
  if (a === undefined || b === undefined) return null;
  return a >= b ? existing : needed;
}
