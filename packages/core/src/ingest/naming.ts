// Where a file's table and lake keys come from.
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { VisibleError } from "../util/error";
import { isValidIdent, normalizeName } from "../warehouse/ident";

/** `inbox/<table>/<file>` → its folder; else the file name's stem without a trailing date or number. */
export function tableFromKey(key: string): string {
  const parts = key.split("/");
  if (parts[0] === "inbox" && parts.length >= 3)
    return checkTable(normalizeName(parts[1]!), parts[1]!);
  return tableFromFileName(parts.at(-1)!);
}

export function tableFromFileName(fileName: string): string {
  const stem = fileName.replace(/(\.[a-z0-9]{1,4})+$/i, "");
  const name = normalizeName(stem)
    .replace(/(_?\d+)+$/, "")
    .replace(/_+$/, "");
  return checkTable(name, fileName);
}

export function checkTable(name: string, from: string): string {
  if (!isValidIdent(name)) {
    throw new VisibleError(
      "input",
      "ingest.no_table",
      `cannot tell the table from "${from}": pass --table`,
    );
  }
  return name;
}

export function fileName(key: string): string {
  return posix.basename(key);
}

/** Control and bidirectional-override characters: they forge log lines and disguise a name. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it replaces
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The longest file name (in bytes) the lake keeps. Names made from it add a run id (31), then
 * `.rejects.csv` or `.reason.txt`, and must stay under the file system's 255 bytes.
 */
export const MAX_NAME_BYTES = 150;

/**
 * A file name as the lake keeps it: unsafe characters replaced by `_`, and a name over
 * MAX_NAME_BYTES shortened, keeping its extension, with a hash of the whole name so that two long
 * names stay apart (`<start>~<hash8>.csv`).
 */
export function safeFileName(name: string): string {
  const clean = name.replace(UNSAFE, "_");
  if (Buffer.byteLength(clean) <= MAX_NAME_BYTES) return clean;
  const ext = posix.extname(clean).slice(0, 12);
  const hash = createHash("sha1").update(clean).digest("hex").slice(0, 8);
  let stem = "";
  for (const ch of clean.slice(0, clean.length - posix.extname(clean).length)) {
    if (Buffer.byteLength(stem + ch) > MAX_NAME_BYTES - ext.length - 9) break;
    stem += ch;
  }
  return `${stem}~${hash}${ext}`;
}

/** `error/<table>/<file>` (or `processed/…`), for a source key wherever it is now. */
export function destinationKey(prefix: "processed" | "error", table: string, key: string): string {
  return `${prefix}/${table}/${safeFileName(fileName(key))}`;
}

/** `x.csv` → `x.<runId>.csv`: a second file of the same name never overwrites the first. */
export function withRunId(key: string, runId: string): string {
  const ext = posix.extname(key);
  return `${key.slice(0, key.length - ext.length)}.${runId}${ext}`;
}

/** The rejects file of a source: `error/<table>/<stem>.rejects.csv`. */
export function rejectsKey(table: string, key: string): string {
  const stem = safeFileName(fileName(key)).replace(/\.[^.]*$/, "");
  return `error/${table}/${stem}.rejects.csv`;
}
