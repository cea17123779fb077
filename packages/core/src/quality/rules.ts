// ─────────────────────────────────────────────────────────────────────────────────────────────
// Data-quality rules: THE file to edit to add, change or remove rules (see README "Data quality").
//
// Every rule runs as SQL on the staged rows of each file, before anything is loaded, on Redshift
// when deployed and on PGlite/PostgreSQL locally. Rows failing an `error` rule are quarantined:
// recorded in the ops store and in error/<table>/<file>.rejects.csv, and not loaded. `warn` rules
// are recorded but the row still loads. When the rejected share of a file passes its table's
// threshold (default 20 %), the whole file fails and moves to error/.
//
// A check on a column the file does not have is skipped. Every typed column (integer, numeric,
// date, …) also gets a "parses as its type" check automatically.
// ─────────────────────────────────────────────────────────────────────────────────────────────
import { type ColumnCheck, check, type SqlRule, type TableSettings } from "./check";

/** SQL rules: a query selecting the BAD rows from `temp_data`, with an error type and description. */
export const SQL_DATA_QUALITY_RULES: Record<string, SqlRule> = {
  negative_total_spend: {
    query: "SELECT * FROM temp_data WHERE total_spend < 0",
    error_type: "out_of_range",
    description: "total_spend must not be negative",
    requires: { total_spend: "numeric" },
  },
};

/** Column checks, declared in TypeScript and compiled to SQL. */
export const COLUMN_CHECKS: ColumnCheck[] = [
  check.notNull("email", { errorType: "missing_value", description: "email is required" }),
  check.pattern("email", "^[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+$", {
    name: "email_format",
    errorType: "invalid_format",
    description: "email is not a well-formed address",
  }),
];

/** Key and reject threshold per table; a table not listed uses DEFAULT_TABLE_SETTINGS. */
export const TABLE_SETTINGS: Record<string, TableSettings> = {
  customers: { key: "user_id", rejectThreshold: 0.2 },
};

export const DEFAULT_TABLE_SETTINGS: Required<TableSettings> = {
  key: "user_id",
  rejectThreshold: 0.2,
};
