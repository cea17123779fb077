// The one door for identifiers that come from data (CSV headers, DMS columns, table names, rule names):
// names are normalised to lower snake case, then validated and double-quoted. Nothing else builds
// an identifier into SQL.
import { VisibleError } from "../util/error";
import type { Dialect } from "./warehouse";

/** PostgreSQL truncates identifiers at 63 bytes; Redshift allows 127. We keep to the smaller. */
export const MAX_IDENT_BYTES = 63;

const VALID = /^[\p{Ll}\p{Lo}\p{Lm}\p{Nd}_]+$/u;

/** Lower snake case; Unicode letters and digits kept; anything else folds into one `_`. */
export function normalizeName(raw: string): string {
  const folded = raw
    .normalize("NFC")
    .trim()
    .replace(/([\p{Ll}\p{Nd}])(\p{Lu})/gu, "$1_$2")
    .toLowerCase()
    // Exactly what `ident` accepts survives; anything else (², ⅓, punctuation) folds into `_`.
    .replace(/[^\p{Ll}\p{Lo}\p{Lm}\p{Nd}]+/gu, "_")
    .replace(/^_+|_+$/g, "");
  return truncateBytes(folded, MAX_IDENT_BYTES).replace(/_+$/, "");
}

function truncateBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = "";
  for (const ch of s) {
    if (Buffer.byteLength(out + ch) > max) break;
    out += ch;
  }
  return out;
}

export function isValidIdent(name: string): boolean {
  return name.length > 0 && Buffer.byteLength(name) <= MAX_IDENT_BYTES && VALID.test(name);
}

/** Validate a normalised name and quote it. Throws a clear error rather than ever emitting SQL. */
export function ident(name: string): string {
  if (!isValidIdent(name)) {
    throw new VisibleError(
      "input",
      "sql.bad_identifier",
      `"${name.slice(0, 80)}" is not a usable name: use lower-case letters, digits and _ (at most ${MAX_IDENT_BYTES} bytes)`,
    );
  }
  return `"${name}"`;
}

/** A schema-qualified name, both parts validated. */
export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/**
 * A SQL string literal, for values we embed in generated SQL (rule names, patterns, descriptions,
 * S3 locations), written for the dialect that reads it:
 *   postgres  standard_conforming_strings (on since PostgreSQL 9.1): only `'` is special, as `''`.
 *   redshift  a backslash in a literal starts an escape ('\\.' is the regex `\.`, per "POSIX
 *             operators" in the Redshift Database Developer Guide), so `\` is doubled as well as
 *             `'`; a trailing backslash can then never swallow the closing quote.
 */
export function literal(value: string, dialect: Dialect): string {
  if (value.includes("\0")) throw new VisibleError("input", "sql.bad_literal", "NUL byte in text");
  const quoted = value.replace(/'/g, "''");
  return `'${dialect === "redshift" ? quoted.replace(/\\/g, "\\\\") : quoted}'`;
}
