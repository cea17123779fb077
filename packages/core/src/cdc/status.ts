// Where each CDC table stands: the newest change applied to it, how far it is behind the files DMS
// has delivered, what its applied files did (the file ledger), and which files wait in dms/ or
// failed into error/dms/. Read through the ports (warehouse SQL that runs on PostgreSQL and
// Redshift alike, the lake's listing), so the console's CDC page and the CLI read the same thing
// locally and deployed.
import { CDC_STATUS_PREFIXES } from "../lake/iam";
import type { ObjectInfo, ObjectStore } from "../lake/lake";
import { literal, qualified } from "../warehouse/ident";
import type { SqlRunner, Warehouse } from "../warehouse/warehouse";
import { CDC_SCHEMA, dmsFile, dmsTable, LEDGER_TABLE, splitDmsKey, tombstoneTable } from "./files";
import { BOOKKEEPING } from "./plan";

export interface CdcTableStatus {
  /** The warehouse table, `crm.customers` (a DMS folder no table can be named after: the folder). */
  table: string;
  /** Its DMS folder below dms/, `CRM/CUSTOMERS`. */
  source: string;
  /**
   * The newest change applied: the largest `_cdp_seq` over the table's rows and its tombstones,
   * with its commit time in the source (ISO, UTC). A full load's rows carry a sequence of zeros.
   * Null until something was applied.
   */
  lastChange: { seq: string; commitTs: string | null } | null;
  /**
   * Seconds the table is behind the files DMS delivered: the newest pending file's time minus the
   * last applied change's commit time (never below 0); 0 when no file is pending; null while
   * nothing was applied (or the applied changes have no commit time). A change
   * file's time is the one in its name (`yyyymmdd-hhmmssffff`, UTC), a full-load file's the time it
   * was written to the lake.
   */
  lag: number | null;
  /** The newest pending file (the one `lag` is measured to), or null when none is. */
  newestPending: { name: string; at: string | null } | null;
  /** Summed over the applied files (the ledger). */
  changes: number;
  inserted: number;
  updated: number;
  deleted: number;
  skippedStale: number;
  quarantined: number;
  /** Files in the ledger (a file applied again with the same content counts once). */
  filesApplied: number;
  /** Files waiting under dms/<SCHEMA>/<TABLE>/. */
  filesPending: number;
  /** Files that could not be applied, under error/dms/<SCHEMA>/<TABLE>/ (rejects files aside). */
  filesFailed: number;
  /** When the newest file was applied (ISO), and by which run. */
  lastAppliedAt: string | null;
  lastRunId: string | null;
}

/** The time in a DMS change file's name (`20261101-0905000000.csv`: UTC, 1/10000 s), or null. */
export function dmsNameTime(name: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(\d{4})(?:\D|$)/.exec(name);
  if (!m) return null;
  const [y, mo, d, h, mi, s, frac] = m.slice(1).map(Number) as number[];
  const t = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, Math.floor(frac! / 10));
  const at = new Date(t);
  // 20261345-… is not a time: Date.UTC would roll it over.
  return at.getUTCMonth() === mo! - 1 && at.getUTCDate() === d! && h! < 24 && mi! < 60 && s! < 60
    ? at
    : null;
}

/** A timestamp as the warehouse prints it (`2026-11-01 09:07:40.5`, UTC), as ISO; null stays null. */
export function utcIso(v: unknown): string | null {
  if (v === null || v === undefined || v === "") return null;
  if (v instanceof Date) return v.toISOString();
  const s = String(v).trim().replace(" ", "T");
  const at = new Date(/(Z|[+-]\d\d(:?\d\d)?)$/.test(s) ? s : `${s}Z`);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

const num = (v: unknown) => Number(v ?? 0) || 0;

function emptyStatus(table: string, source: string): CdcTableStatus {
  return {
    table,
    source,
    lastChange: null,
    lag: null,
    newestPending: null,
    changes: 0,
    inserted: 0,
    updated: 0,
    deleted: 0,
    skippedStale: 0,
    quarantined: 0,
    filesApplied: 0,
    filesPending: 0,
    filesFailed: 0,
    lastAppliedAt: null,
    lastRunId: null,
  };
}

/** The warehouse table a DMS folder applies to, or the folder itself when it names none. */
function targetOf(source: string): string {
  try {
    return dmsTable(source).target;
  } catch {
    return source;
  }
}

/** The time a pending file stands for: its name's for a change file, its write time for a load. */
function fileTime(o: ObjectInfo): Date | null {
  const f = dmsFile(o);
  return f.kind === "change" ? dmsNameTime(f.name) : o.modified;
}

interface LedgerRow {
  t: string;
  file_key: string;
  files: unknown;
  changes: unknown;
  inserted: unknown;
  updated: unknown;
  deleted: unknown;
  skipped_stale: unknown;
  quarantined: unknown;
  applied_at: unknown;
  run_id: string | null;
}

/** Per target table: its applied files' counts, and the newest file's time and run. */
function ledgerSql(): string {
  const ledger = qualified(CDC_SCHEMA, LEDGER_TABLE);
  const sum = (c: string) => `CAST(COALESCE(sum("${c}"), 0) AS bigint) AS "${c}"`;
  return (
    `SELECT a."t", a."file_key", a."files", a."changes", a."inserted", a."updated", a."deleted", ` +
    `a."skipped_stale", a."quarantined", a."applied_at", r."run_id" FROM (` +
    `SELECT "target_table" AS "t", max("file_key") AS "file_key", count(*) AS "files", ` +
    `${["changes", "inserted", "updated", "deleted", "skipped_stale", "quarantined"].map(sum).join(", ")}, ` +
    `max("applied_at") AS "applied_at" FROM ${ledger} GROUP BY "target_table") AS a ` +
    `LEFT JOIN (SELECT "target_table" AS "t", "run_id", ROW_NUMBER() OVER ` +
    `(PARTITION BY "target_table" ORDER BY "applied_at" DESC, "run_id" DESC) AS "n" FROM ${ledger}) AS r ` +
    `ON r."t" = a."t" AND r."n" = 1 ORDER BY a."t"`
  );
}

/**
 * The newest applied change of a table: one pass over its sequence column and its tombstones'
 * (no index on it; a top-1 sort, not a full one). Rows of one full load share a sequence of zeros:
 * the latest commit time among them.
 */
function lastChangeSql(target: string, tombstones: string | null): string {
  const [seq, ts] = [`"${BOOKKEEPING.seq}"`, `"${BOOKKEEPING.commitTs}"`];
  const from = [target, ...(tombstones ? [tombstones] : [])]
    .map((t) => `SELECT ${seq}, ${ts} FROM ${t}`)
    .join(" UNION ALL ");
  return (
    `SELECT x.${seq} AS "seq", x.${ts} AS "commit_ts" FROM (${from}) AS x ` +
    `WHERE x.${seq} IS NOT NULL ORDER BY x.${seq} DESC, x.${ts} DESC NULLS LAST LIMIT 1`
  );
}

/** Which of the warehouse's tables carry CDC bookkeeping, and whether the ledger exists. */
async function cdcTables(sql: SqlRunner, dialect: Warehouse["dialect"]) {
  // information_schema is a leader-node catalog on Redshift: asked on its own, never joined to
  // a user table in one statement.
  const rows = await sql.query<{ s: string; n: string }>(
    `SELECT DISTINCT table_schema AS "s", table_name AS "n" FROM information_schema.columns ` +
      `WHERE column_name = ${literal(BOOKKEEPING.seq, dialect)} ` +
      `OR (table_schema = ${literal(CDC_SCHEMA, dialect)} AND table_name = ${literal(LEDGER_TABLE, dialect)})`,
  );
  const names = new Set(rows.map((r) => `${r.s}.${r.n}`));
  return { has: (schema: string, table: string) => names.has(`${schema}.${table}`) };
}

/**
 * Every CDC table: the ones the ledger names, and the ones whose files wait in dms/ or failed into
 * error/dms/ before anything of theirs was applied. Sorted by table. None at all: an empty list.
 */
export async function cdcStatus(deps: {
  warehouse: Warehouse;
  lake: ObjectStore;
}): Promise<CdcTableStatus[]> {
  const { warehouse: wh, lake } = deps;
  // Deployed, the console may list exactly these prefixes (lake/iam.ts).
  const [dms, errorDms] = CDC_STATUS_PREFIXES as [string, string];
  const [pending, errored, tables] = await Promise.all([
    lake.list(dms),
    lake.list(errorDms),
    cdcTables(wh, wh.dialect),
  ]);
  const byTable = new Map<string, CdcTableStatus>();
  const slot = (table: string, source: string) => {
    const s = byTable.get(table) ?? emptyStatus(table, source);
    byTable.set(table, s);
    return s;
  };
  const entry = (source: string) => slot(targetOf(source), source);
  const newest = new Map<string, { name: string; at: Date | null }>();
  for (const o of pending) {
    const at = splitDmsKey(o.key);
    if (!at) continue;
    const s = entry(at.source);
    s.filesPending++;
    const time = fileTime(o);
    const seen = newest.get(s.table);
    if (!seen || (time && (!seen.at || time > seen.at))) {
      newest.set(s.table, { name: at.name, at: time });
    }
  }
  for (const o of errored) {
    const at = splitDmsKey(o.key.slice("error/".length));
    // Beside a failed file: its reason (.reason.txt) and, for quarantined rows, a rejects file.
    if (!at || /\.rejects\.csv$/i.test(at.name)) continue;
    entry(at.source).filesFailed++;
  }

  if (tables.has(CDC_SCHEMA, LEDGER_TABLE)) {
    for (const r of await wh.query<LedgerRow>(ledgerSql())) {
      const s = slot(r.t, r.file_key.split("/").slice(0, 2).join("/"));
      Object.assign(s, {
        changes: num(r.changes),
        inserted: num(r.inserted),
        updated: num(r.updated),
        deleted: num(r.deleted),
        skippedStale: num(r.skipped_stale),
        quarantined: num(r.quarantined),
        filesApplied: num(r.files),
        lastAppliedAt: utcIso(r.applied_at),
        lastRunId: r.run_id ?? null,
      });
      const dot = r.t.indexOf(".");
      const [schema, table] = [r.t.slice(0, dot), r.t.slice(dot + 1)];
      // A target dropped since its files were applied has no change to show.
      if (dot < 1 || !tables.has(schema, table)) continue;
      const tomb = tombstoneTable({ schema, table });
      const [last] = await wh.query<{ seq: string; commit_ts: unknown }>(
        lastChangeSql(
          qualified(schema, table),
          tables.has(CDC_SCHEMA, tomb) ? qualified(CDC_SCHEMA, tomb) : null,
        ),
      );
      if (last) s.lastChange = { seq: String(last.seq), commitTs: utcIso(last.commit_ts) };
    }
  }

  for (const s of byTable.values()) {
    const file = newest.get(s.table);
    s.newestPending = file ? { name: file.name, at: file.at?.toISOString() ?? null } : null;
    if (!s.lastChange) continue;
    if (!s.filesPending) s.lag = 0;
    else if (file?.at && s.lastChange.commitTs) {
      const behind = (file.at.getTime() - Date.parse(s.lastChange.commitTs)) / 1000;
      s.lag = Math.max(0, Math.round(behind));
    }
  }
  return [...byTable.values()].sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0));
}
