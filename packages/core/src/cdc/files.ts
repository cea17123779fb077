// Where DMS files are and what they apply to: `dms/<SCHEMA>/<TABLE>/<file>` in the lake (the
// layout of the DMS S3 target, BucketFolder `dms`), the order a table's files apply in, the
// warehouse names they map to, and where a file goes once it has been applied or has failed.
import { createHash } from "node:crypto";
import type { ObjectInfo, ObjectStore } from "../lake/lake";
import { VisibleError } from "../util/error";
import { isValidIdent, MAX_IDENT_BYTES, normalizeName } from "../warehouse/ident";

/** The warehouse schema of the platform's own CDC tables (tombstones, the file ledger). */
export const CDC_SCHEMA = "_cdp";
export const LEDGER_TABLE = "cdc_files";

/** A source table as DMS lays it out, and the warehouse table its changes apply to. */
export interface DmsTable {
  /** The folder below dms/: `CRM/CUSTOMERS`. */
  source: string;
  /** `crm`, `customers` (normalised), and `crm.customers`. */
  schema: string;
  table: string;
  target: string;
}

export interface DmsFile {
  key: string;
  name: string;
  /** A full-load file (`LOAD<hex counter>.csv`) or a change file (`<yyyymmdd-hhmmssffff>.csv`). */
  kind: "load" | "change";
  /** Full-load files: the counter; change files: the name's stem. */
  order: number | string;
  size: number;
}

/** The source table of a lake key `dms/<SCHEMA>/<TABLE>/<file>`, or null for any other key. */
export function splitDmsKey(key: string): { source: string; name: string } | null {
  const parts = key.split("/");
  if (parts.length !== 4 || parts[0] !== "dms") return null;
  const [, schema, table, name] = parts as [string, string, string, string];
  if (!isDmsFileName(name)) return null;
  return { source: `${schema}/${table}`, name };
}

/** What DMS writes: `.csv`, or `.csv.gz` with CompressionType GZIP. Dotfiles are not files. */
export function isDmsFileName(name: string): boolean {
  return !name.startsWith(".") && /\.csv(\.gz)?$/i.test(name);
}

/** `CRM/CUSTOMERS` → `crm.customers`: lower-cased like every name CDP takes from data. */
export function dmsTable(source: string): DmsTable {
  const [rawSchema = "", rawTable = ""] = source.split("/");
  const schema = normalizeName(rawSchema);
  const table = normalizeName(rawTable);
  for (const [name, raw] of [
    [schema, rawSchema],
    [table, rawTable],
  ] as const) {
    if (!isValidIdent(name) || name === "cdp_stage") {
      throw new VisibleError(
        "input",
        "cdc.bad_name",
        `dms/${source}: "${raw}" does not make a usable warehouse name (files go in dms/<SCHEMA>/<TABLE>/)`,
      );
    }
  }
  return { source, schema, table, target: `${schema}.${table}` };
}

export function dmsFile(o: Pick<ObjectInfo, "key" | "size">): DmsFile {
  const name = o.key.split("/").at(-1)!;
  const stem = name.split(".")[0]!;
  const load = /^LOAD([0-9A-Fa-f]+)$/.exec(stem);
  return load
    ? { key: o.key, name, kind: "load", order: Number.parseInt(load[1]!, 16), size: o.size }
    : { key: o.key, name, kind: "change", order: stem, size: o.size };
}

/**
 * The order a table's files apply in: every full-load file before any change file; full-load
 * files by their hexadecimal counter (LOAD00000009 before LOAD0000000A), change files by the time
 * in their name; a name made unique by the lake (`x.<id>.csv`) right after its original.
 */
export function compareDmsFiles(a: DmsFile, b: DmsFile): number {
  if (a.kind !== b.kind) return a.kind === "load" ? -1 : 1;
  if (a.order !== b.order) return a.order < b.order ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * The DMS files under `path` (a folder key or one file's key), grouped by source table in name
 * order, each table's files in apply order.
 */
export async function listDmsFiles(
  lake: ObjectStore,
  path: string,
): Promise<{ source: string; files: DmsFile[] }[]> {
  const prefix = path === "dms" ? "dms/" : path;
  const objects = prefix.endsWith("/")
    ? await lake.list(prefix)
    : (await lake.exists(prefix))
      ? [{ key: prefix, size: 0, modified: new Date() }]
      : await lake.list(`${prefix}/`);
  const bySource = new Map<string, DmsFile[]>();
  for (const o of objects) {
    const at = splitDmsKey(o.key);
    if (!at) continue;
    const list = bySource.get(at.source) ?? [];
    list.push(dmsFile(o));
    bySource.set(at.source, list);
  }
  return [...bySource.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([source, files]) => ({ source, files: files.sort(compareDmsFiles) }));
}

/** How the ledger names a file: its key below dms/, `CRM/CUSTOMERS/LOAD00000001.csv`. */
export function ledgerKey(key: string): string {
  return key.startsWith("dms/") ? key.slice(4) : key;
}

/** Where an applied file goes (`processed/dms/…`) and where a failed one goes (`error/dms/…`). */
export function doneKey(prefix: "processed" | "error", key: string): string {
  return `${prefix}/${key}`;
}

/** The rejects file of a DMS file: `error/dms/CRM/CUSTOMERS/<stem>.rejects.csv`. */
export function cdcRejectsKey(key: string): string {
  return `error/${key.replace(/(\.csv)?(\.gz)?$/i, "")}.rejects.csv`;
}

/**
 * The tombstones of a table live beside the platform's other CDC tables, out of the user's
 * schema: `_cdp.crm__customers__tombstones` (shortened with a hash past 63 bytes).
 */
export function tombstoneTable(t: Pick<DmsTable, "schema" | "table">): string {
  const name = `${t.schema}__${t.table}__tombstones`;
  if (Buffer.byteLength(name) <= MAX_IDENT_BYTES) return name;
  const hash = createHash("sha1").update(name).digest("hex").slice(0, 8);
  let stem = "";
  for (const ch of name) {
    if (Buffer.byteLength(`${stem}${ch}`) > MAX_IDENT_BYTES - 9) break;
    stem += ch;
  }
  return `${stem}_${hash}`;
}
