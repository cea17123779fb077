// Redshift's hard limits that shape the plans we send it. PostgreSQL has none of them; the tests
// run PostgreSQL, so the Redshift plans are checked against these numbers instead
// (test/redshift-dialect.test.ts). Sources, from the AWS documentation:
//   - Redshift Data API reference, BatchExecuteStatement: `Sqls` holds 1 to 40 statements (the
//     service model's SqlList has max 40), run in order as ONE transaction.
//   - Redshift Management Guide, "Considerations when calling the Amazon Redshift Data API": "The
//     maximum query statement size is 100 KB."
//   - Redshift Database Developer Guide, COPY "Data sources": "The maximum size of a single input
//     row from any source is 4 MB"; "Preparing your input data": VARCHAR lengths count bytes, and
//     a VARCHAR holds at most 65,535 of them (CREATE TABLE, "VARCHAR(MAX)").
//   - ALTER TABLE: ADD COLUMN adds one column per statement.

/** Statements in one Data API BatchExecuteStatement (one transaction). */
export const REDSHIFT_MAX_BATCH_STATEMENTS = 40;

/**
 * Bytes (UTF-8) of one statement sent through the Data API. "100 KB" is read as 100,000 bytes, the
 * stricter of the two readings.
 */
export const REDSHIFT_MAX_STATEMENT_BYTES = 100_000;

/** Bytes of one VARCHAR value: a longer value makes COPY fail ("String length exceeds DDL length"). */
export const REDSHIFT_MAX_VARCHAR_BYTES = 65535;

/** Bytes of one input row of COPY (the staged line, record number and line break included). */
export const REDSHIFT_MAX_COPY_ROW_BYTES = 4 * 1000 * 1000;

/** UTF-8 bytes of a statement, as the Data API counts its size. */
export function statementBytes(sql: string): number {
  return Buffer.byteLength(sql, "utf8");
}
