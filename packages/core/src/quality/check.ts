// The vocabulary of data-quality rules. Users write rules in rules.ts with these builders; both
// kinds compile to SQL that runs on the staged rows (compile.ts), on Redshift and locally alike.
import type { ColumnType } from "../value/types";

export type Severity = "warn" | "error";

/**
 * A SQL rule, as in the original quality_rules.py: a query that selects the BAD rows from
 * `temp_data` (the file's staged rows, each column already typed — a value that does not parse
 * as its column's type is NULL there and caught by the type check). Select whole rows
 * (`SELECT * FROM temp_data WHERE …`) or at least `_cdp_row`.
 */
export interface SqlRule {
  query: string;
  error_type: string;
  description: string;
  /** error (default): the row is quarantined. warn: recorded, still loaded. */
  severity?: Severity;
  /** Only for these tables (default: every table). */
  tables?: string[];
  /**
   * Only when the file has these columns — as a list, or with the type each must have in this
   * file (`{ total_spend: "numeric" }`; "numeric" accepts integer and bigint too, "timestamp"
   * accepts date). A rule whose requirement is not met is skipped, and the run says why.
   */
  requires?: string[] | Record<string, ColumnType>;
}

interface CheckBase {
  column: string;
  severity: Severity;
  /** Default: `<kind>_<column>`. */
  name?: string;
  errorType?: string;
  description?: string;
  tables?: string[];
}

export type ColumnCheck = CheckBase &
  (
    | { kind: "not_null" }
    | { kind: "unique" }
    | { kind: "pattern"; pattern: string }
    | { kind: "between"; min?: number | string; max?: number | string }
    | { kind: "one_of"; values: string[] }
    | { kind: "max_length"; max: number }
    | { kind: "parses" }
  );

type Opts = Partial<Omit<CheckBase, "column">>;

const make = <K extends ColumnCheck["kind"]>(
  kind: K,
  column: string,
  extra: Omit<Extract<ColumnCheck, { kind: K }>, keyof CheckBase | "kind">,
  opts: Opts = {},
) => ({ kind, column, severity: "error", ...extra, ...opts }) as Extract<ColumnCheck, { kind: K }>;

/** Column checks declared in TypeScript; each compiles to one SQL statement. */
export const check = {
  /** The value is present (not NULL, not only spaces). */
  notNull: (column: string, opts?: Opts) => make("not_null", column, {}, opts),
  /** No other row of the same file has this value. */
  unique: (column: string, opts?: Opts) => make("unique", column, {}, opts),
  /** The value matches a POSIX regular expression (PostgreSQL and Redshift `~`). */
  pattern: (column: string, pattern: string, opts?: Opts) =>
    make("pattern", column, { pattern }, opts),
  /** The typed value lies within [min, max] (either bound may be left out). */
  between: (
    column: string,
    min: number | string | undefined,
    max: number | string | undefined,
    opts?: Opts,
  ) => make("between", column, { min, max }, opts),
  /** The value is one of these (exact text). */
  oneOf: (column: string, values: string[], opts?: Opts) =>
    make("one_of", column, { values }, opts),
  /** At most `max` characters. */
  maxLength: (column: string, max: number, opts?: Opts) =>
    make("max_length", column, { max }, opts),
  /** The value parses as its column's type (added for every typed column automatically). */
  parses: (column: string, opts?: Opts) => make("parses", column, {}, opts),
};

/** Per-table settings: the upsert key and how much bad data fails a whole file. */
export interface TableSettings {
  key?: string;
  /** Share of the file's records that may be rejected before the whole file fails (0–1). */
  rejectThreshold?: number;
}
