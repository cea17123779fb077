// What the sync owes Salesforce, read from the warehouse: the latest segmentation run
// (`_cdp.segment_runs`, the newest created_at; the greatest run id on a tie), its users'
// segments (`_cdp.segments`) joined with the source table on its key, each turned into the
// payload the mapping describes, with the hash of its compared fields.
import { createHash } from "node:crypto";
import { DEFAULT_TABLE_SETTINGS, TABLE_SETTINGS } from "../quality/rules";
import { canonical } from "../util/canonical";
import { VisibleError } from "../util/error";
import { sqlType } from "../value/types";
import { ident, literal, qualified } from "../warehouse/ident";
import { describeTable, tableKey, type Warehouse } from "../warehouse/warehouse";
import type { SalesforceMapping } from "./mapping";

export const SEGMENT_SCHEMA = "_cdp";

export interface SegmentRun {
  runId: string;
  /** ISO instant (UTC). */
  createdAt: string;
  /** The table the segmentation read its users from: `public.customers`. */
  source: string;
  users: number;
}

/** One record as the sync would send it. */
export interface OutRecord {
  externalId: string;
  /** Field → value, in the mapping's order; null sets the field to null in Salesforce. */
  payload: Record<string, unknown>;
  /** Hash of the compared fields: equal hashes, nothing to send. */
  hash: string;
}

/** The latest segmentation run, or null when there is none (or no segmentation ever ran). */
export async function latestSegmentRun(wh: Warehouse): Promise<SegmentRun | null> {
  if (!(await describeTable(wh, SEGMENT_SCHEMA, "segment_runs"))) return null;
  const [row] = await wh.query<Record<string, unknown>>(
    `SELECT ${["run_id", "created_at", "source", "users"].map(ident).join(", ")} FROM ${qualified(SEGMENT_SCHEMA, "segment_runs")} ORDER BY ${ident("created_at")} DESC, ${ident("run_id")} DESC LIMIT 1`,
  );
  if (!row) return null;
  return {
    runId: String(row.run_id),
    createdAt: isoInstant(row.created_at),
    source: String(row.source),
    users: Number(row.users),
  };
}

/** A TIMESTAMP as the engines return it (text without a zone, meaning UTC, or a Date) → ISO. */
export function isoInstant(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  const s = String(v).trim();
  const withZone = /[zZ]|[+-]\d\d(:?\d\d)?$/.test(s) ? s : `${s}Z`;
  const t = new Date(withZone.replace(" ", "T"));
  if (Number.isNaN(t.getTime())) throw new Error(`not a timestamp: ${s}`);
  return t.toISOString();
}

/** `public.customers` → its schema and table (a bare name is in public). */
export function splitSource(source: string): { schema: string; table: string } {
  const parts = source.split(".");
  if (parts.length === 1) return { schema: "public", table: parts[0]! };
  if (parts.length === 2) return { schema: parts[0]!, table: parts[1]! };
  throw new VisibleError("input", "sync.bad_source", `not a table name: ${source}`);
}

export function recordHash(payload: Record<string, unknown>, mapping: SalesforceMapping): string {
  const compared: Record<string, unknown> = {};
  for (const f of mapping.fields) if (f.compare !== false) compared[f.field] = payload[f.field];
  return createHash("sha256").update(canonical(compared)).digest("base64url").slice(0, 32);
}

/** Every user of the run as the record the mapping makes of them (one per key). */
export async function readRecords(
  wh: Warehouse,
  run: SegmentRun,
  mapping: SalesforceMapping,
): Promise<OutRecord[]> {
  const { schema, table } = splitSource(run.source);
  const columns = await describeTable(wh, schema, table);
  if (!columns) {
    throw new VisibleError(
      "input",
      "sync.no_source",
      `the segmentation's source table ${run.source} does not exist`,
    );
  }
  // The key the segmentation used: the mapping's, else the table's primary key (ingest and the
  // cdc apply key their tables by it), else rules.ts's, else user_id.
  const pk = await tableKey(wh, schema, table);
  const key =
    mapping.sourceKey ??
    (pk?.length === 1 ? pk[0] : undefined) ??
    TABLE_SETTINGS[`${schema}.${table}`]?.key ??
    TABLE_SETTINGS[table]?.key ??
    DEFAULT_TABLE_SETTINGS.key;
  const have = new Set(columns.map((c) => c.name));
  const userColumns = [
    ...new Set(
      mapping.fields.flatMap((f) => (f.from.startsWith("user.") ? [f.from.slice(5)] : [])),
    ),
  ];
  for (const c of [key, ...userColumns]) {
    if (!have.has(c)) {
      throw new VisibleError(
        "input",
        "sync.no_column",
        `${run.source} has no column ${c} (the sync mapping in sync/mapping.ts reads it)`,
      );
    }
  }
  const text = sqlType("text", wh.dialect);
  const select = [
    `s.${ident("user_id")} AS ${ident("k")}`,
    `s.${ident("segment")} AS ${ident("seg")}`,
    `s.${ident("label")} AS ${ident("lbl")}`,
    `s.${ident("distance")} AS ${ident("dist")}`,
    ...userColumns.map((c, i) => `u.${ident(c)} AS ${ident(`u_${i}`)}`),
  ];
  const rows = await wh.query<Record<string, unknown>>(
    `SELECT ${select.join(", ")} FROM ${qualified(SEGMENT_SCHEMA, "segments")} s LEFT JOIN ${qualified(schema, table)} u ON CAST(u.${ident(key)} AS ${text}) = s.${ident("user_id")} WHERE s.${ident("run_id")} = ${literal(run.runId, wh.dialect)}`,
  );
  const col = new Map(userColumns.map((c, i) => [c, `u_${i}`]));
  const out = new Map<string, OutRecord>();
  for (const row of rows) {
    const externalId = String(row.k);
    if (out.has(externalId)) continue;
    const payload: Record<string, unknown> = {};
    for (const f of mapping.fields) {
      let v: unknown;
      if (f.from === "key") v = externalId;
      else if (f.from === "segment.label") v = row.lbl;
      else if (f.from === "segment.number") v = Number(row.seg);
      else if (f.from === "segment.distance") v = row.dist === null ? null : Number(row.dist);
      else if (f.from === "run.created_at") v = run.createdAt;
      else v = row[col.get(f.from.slice(5))!];
      payload[f.field] = normalise(v, f.decimals);
    }
    out.set(externalId, { externalId, payload, hash: recordHash(payload, mapping) });
  }
  return [...out.values()];
}

/** One value as it is compared and sent: empty text is null, numbers rounded, dates ISO. */
function normalise(v: unknown, decimals?: number): unknown {
  if (v === undefined || v === null || v === "") return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "bigint") return Number(v);
  if (decimals !== undefined) {
    const n = typeof v === "number" ? v : Number(v);
    if (Number.isFinite(n)) return Number(n.toFixed(decimals));
  }
  return v;
}
