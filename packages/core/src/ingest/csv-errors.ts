// File-level CSV problems: the whole file is rejected with a message an operator can act on.
// (Record-level problems — a wrong field count, an unclosed quote — are reported per record by
// the reader and do not stop the file.)
import { VisibleError } from "../util/error";

export type CsvErrorCode =
  | "csv.empty" // 0 bytes, only a BOM, or only whitespace / blank lines: there is no header
  | "csv.not_utf8" // a byte sequence that is not UTF-8 (message says where)
  | "csv.duplicate_header" // two header names that normalise to the same column name
  | "csv.bad_header" // a header that cannot be used (unclosed quote, a name no warehouse accepts)
  | "csv.too_many_columns"; // more columns than a PostgreSQL/Redshift table can hold

export class CsvFileError extends VisibleError {
  declare readonly code: CsvErrorCode;

  constructor(code: CsvErrorCode, message: string, details?: Record<string, unknown>) {
    super("input", code, message, details);
    this.name = "CsvFileError";
  }
}
