// A stand-in for AWS DMS writing to its S3 target (there is no DMS here): given the endpoint's
// settings and the table mappings infra hands DMS (packages/core/src/cdc/dms-settings.ts), it
// writes what DMS writes for a source table's full load and change batches — the key (BucketFolder,
// date partitions), the file name (LOAD<8 hex digits>, or the batch time), the header, the `Op`
// column, the timestamp column, the columns the mappings add, CSV quoting and compression — so a
// test can prove the apply reads the layout the infra asks for. Modelled on the DMS User Guide's
// "Using Amazon S3 as a target" (file names, "Indicating source DB operations", Rfc4180,
// TimestampColumnName's `yyyy-MM-dd HH:mm:ss.SSSSSS`) and "Using transformation rule expressions"
// ($AR_H_CHANGE_SEQ: 16 digits of time, then a 19-digit change number). A setting it does not
// model throws, so a new one cannot pass unexamined.
import { gzipSync } from "node:zlib";
import {
  DMS_OP_HEADER,
  type DmsS3Settings,
  type TableMappings,
} from "../../packages/core/src/cdc/dms-settings";

export type Value = string | null;

export interface SourceTable {
  schema: string;
  table: string;
  columns: string[];
  /** Its primary key's columns: what a delete carries (PK supplemental logging). */
  key: string[];
}

export interface SourceChange {
  op: "I" | "U" | "D";
  /** The row after the change, in column order (a delete: its key values; the rest ignored). */
  row: Value[];
}

/** One committed transaction: its changes, in the order they were made. */
export interface Transaction {
  commit: Date;
  changes: SourceChange[];
}

export interface WrittenFile {
  key: string;
  body: Buffer;
}

/** Settings that change nothing in a file's name or bytes. */
const CONTENT_NEUTRAL = new Set([
  "encryptionMode",
  "cdcMaxBatchInterval",
  "cdcMinFileSize",
  "glueCatalogGeneration",
]);
const MODELLED = new Set([
  ...CONTENT_NEUTRAL,
  "bucketFolder",
  "dataFormat",
  "compressionType",
  "csvDelimiter",
  "csvRowDelimiter",
  "rfc4180",
  "addColumnName",
  "includeOpForFullLoad",
  "cdcInsertsOnly",
  "cdcInsertsAndUpdates",
  "timestampColumnName",
  "useTaskStartTimeForFullLoadTimestamp",
  "datePartitionEnabled",
  "preserveTransactions",
  "maxFileSize",
  "addTrailingPaddingCharacter",
]);

const p = (n: number, w = 2) => String(n).padStart(w, "0");
const ymd = (t: Date) => `${t.getUTCFullYear()}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}`;
const hms = (t: Date) => `${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}`;
/** TimestampColumnName's format: `yyyy-MM-dd HH:mm:ss.SSSSSS`. */
const stamp = (t: Date) =>
  `${t.toISOString().slice(0, 10)} ${t.toISOString().slice(11, 19)}.${p(t.getUTCMilliseconds(), 3)}000`;

/** DMS's table-mapping wildcards: `%` any run of characters, `_` one character. */
function matches(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replace(/%/g, ".*")
    .replace(/_/g, ".");
  return new RegExp(`^${re}$`).test(name);
}

export function dmsS3Target(
  settings: DmsS3Settings,
  mappings: TableMappings,
  opts: { taskStart: Date },
) {
  const s = settings as DmsS3Settings & Record<string, unknown>;
  for (const [name, value] of Object.entries(s)) {
    if (!MODELLED.has(name)) throw new Error(`dms-target: setting ${name} is not modelled`);
    if (value !== undefined && name === "addTrailingPaddingCharacter" && value !== false) {
      throw new Error("dms-target: addTrailingPaddingCharacter is not modelled");
    }
  }
  if (s.dataFormat !== "csv") throw new Error("dms-target: only CSV is modelled");
  if (s.preserveTransactions) {
    throw new Error("DMS refuses PreserveTransactions/CdcPath with AddColumnName (CHAP_Target.S3)");
  }
  const rowEnd = s.csvRowDelimiter === "\\n" || s.csvRowDelimiter === "\n" ? "\n" : null;
  if (!rowEnd) throw new Error(`dms-target: row delimiter ${s.csvRowDelimiter} is not modelled`);
  const delimiter = s.csvDelimiter;
  const gzip = s.compressionType === "GZIP";
  let changeNumber = 0;
  const loadCounters = new Map<string, number>();

  const field = (v: Value) => {
    if (v === null) return "";
    const special = v.includes('"') || v.includes(delimiter) || /[\r\n]/.test(v);
    return s.rfc4180 && special ? `"${v.replace(/"/g, '""')}"` : v;
  };
  const selected = (t: SourceTable) =>
    mappings.rules.some(
      (r) =>
        r["rule-type"] === "selection" &&
        matches(r["object-locator"]["schema-name"], t.schema) &&
        matches(r["object-locator"]["table-name"], t.table),
    );
  /** The columns the mappings add to this table, and how each is filled. */
  const added = (t: SourceTable) =>
    mappings.rules.flatMap((r) => {
      if (r["rule-type"] !== "transformation") return [];
      if (r["rule-action"] !== "add-column") throw new Error(`dms-target: ${r["rule-action"]}`);
      const l = r["object-locator"];
      if (!matches(l["schema-name"], t.schema) || !matches(l["table-name"], t.table)) return [];
      if (r.expression !== "$AR_H_CHANGE_SEQ") throw new Error(`dms-target: ${r.expression}`);
      // A string column holds at most its length: a shorter one would cut the sequence.
      return [{ name: r.value, fill: (seq: string) => seq.slice(0, r["data-type"].length) }];
    });
  const withOp = (load: boolean) =>
    load
      ? s.includeOpForFullLoad
      : s.includeOpForFullLoad || !(s.cdcInsertsOnly || s.cdcInsertsAndUpdates);
  const header = (t: SourceTable, load: boolean) => [
    ...(withOp(load) ? [DMS_OP_HEADER] : []),
    ...(s.timestampColumnName ? [s.timestampColumnName] : []),
    ...t.columns,
    ...added(t).map((a) => a.name),
  ];
  const record = (t: SourceTable, load: boolean, op: string, ts: Date, row: Value[], seq: string) =>
    [
      ...(withOp(load) ? [op] : []),
      ...(s.timestampColumnName ? [stamp(ts)] : []),
      ...row,
      ...added(t).map((a) => a.fill(seq)),
    ]
      .map(field)
      .join(delimiter) + rowEnd;
  const keyOf = (t: SourceTable, name: string, at: Date) => {
    const dated = s.datePartitionEnabled
      ? `${at.getUTCFullYear()}/${p(at.getUTCMonth() + 1)}/${p(at.getUTCDate())}/`
      : "";
    return `${s.bucketFolder}/${t.schema}/${t.table}/${dated}${name}${gzip ? ".gz" : ""}`;
  };
  const file = (key: string, lines: string[]): WrittenFile => {
    const body = Buffer.from(lines.join(""), "utf8");
    return { key, body: gzip ? gzipSync(body) : body };
  };

  return {
    /** The full load of a table's rows: LOAD files of at most maxFileSize KB each. */
    fullLoad(t: SourceTable, rows: Value[][]): WrittenFile[] {
      if (!selected(t)) return [];
      const head = s.addColumnName ? [header(t, true).map(field).join(delimiter) + rowEnd] : [];
      const limit = s.maxFileSize * 1024;
      const ts = s.useTaskStartTimeForFullLoadTimestamp
        ? opts.taskStart
        : new Date(opts.taskStart.getTime() + 1000);
      const files: WrittenFile[] = [];
      let lines = [...head];
      let size = head.join("").length;
      const flush = () => {
        const n = (loadCounters.get(`${t.schema}.${t.table}`) ?? 0) + 1;
        loadCounters.set(`${t.schema}.${t.table}`, n);
        const name = `LOAD${n.toString(16).toUpperCase().padStart(8, "0")}.csv`;
        files.push(file(keyOf(t, name, opts.taskStart), lines));
        lines = [...head];
        size = head.join("").length;
      };
      for (const row of rows) {
        const line = record(t, true, "I", ts, row, "");
        if (lines.length > head.length && size + Buffer.byteLength(line) > limit) flush();
        lines.push(line);
        size += Buffer.byteLength(line);
      }
      if (lines.length > head.length) flush();
      return files;
    },

    /** One change file of a table, written at `at`: its changes in commit order. */
    changes(t: SourceTable, at: Date, transactions: Transaction[]): WrittenFile[] {
      if (!selected(t)) return [];
      const lines = s.addColumnName ? [header(t, false).map(field).join(delimiter) + rowEnd] : [];
      for (const tx of [...transactions].sort((a, b) => a.commit.getTime() - b.commit.getTime())) {
        const time = `${ymd(tx.commit)}${hms(tx.commit)}${p(Math.floor(tx.commit.getUTCMilliseconds() / 10))}`;
        for (const c of tx.changes) {
          const seq = `${time}${String(++changeNumber).padStart(19, "0")}`;
          if (s.cdcInsertsOnly && c.op !== "I") continue;
          if (s.cdcInsertsAndUpdates && c.op === "D") continue;
          // A delete is logged by its primary key only: the other columns are empty.
          const row =
            c.op === "D"
              ? t.columns.map((col, i) => (t.key.includes(col) ? c.row[i]! : null))
              : c.row;
          lines.push(record(t, false, c.op, tx.commit, row, seq));
        }
      }
      const name = `${ymd(at)}-${hms(at)}${p(at.getUTCMilliseconds(), 3)}0.csv`;
      return [file(keyOf(t, name, at), lines)];
    },
  };
}
