// Where a file's table and lake keys come from.
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

/** `error/<table>/<file>` (or `processed/…`), for a source key wherever it is now. */
export function destinationKey(prefix: "processed" | "error", table: string, key: string): string {
  return `${prefix}/${table}/${fileName(key)}`;
}

/** `x.csv` → `x.<runId>.csv`: a second file of the same name never overwrites the first. */
export function withRunId(key: string, runId: string): string {
  const ext = posix.extname(key);
  return `${key.slice(0, key.length - ext.length)}.${runId}${ext}`;
}

/** The rejects file of a source: `error/<table>/<stem>.rejects.csv`. */
export function rejectsKey(table: string, key: string): string {
  const stem = fileName(key).replace(/\.[^.]*$/, "");
  return `error/${table}/${stem}.rejects.csv`;
}
