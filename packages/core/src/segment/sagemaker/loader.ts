// Loads a run's segments into the warehouse table `segments` (one row per user per run): the run's
// rows go as one CSV — on Redshift a COPY of a staging file from the lake (a million rows through
// Data API INSERTs would be a thousand 100 KB statements; COPY reads the file in parallel), on
// PostgreSQL/PGlite the same CSV streamed through COPY FROM STDIN. A run's earlier rows are deleted
// first, so loading a run again replaces it. Lines end with LF, as COPY on both reads them.
import { Readable } from "node:stream";
import type { ObjectStore } from "../../lake/lake";
import { ident, literal, qualified } from "../../warehouse/ident";
import type { Warehouse } from "../../warehouse/warehouse";
import { s3Uri, unloadLine } from "./io";
import { runFolder } from "./machine";
import { MAX_LABEL_CHARS } from "./seams";

/** One user's segment in a run: what the transform output (or the local fit) says. */
export interface SegmentRow {
  userId: string;
  segment: number;
  /** Distance to the segment's centroid, in the fitted space. */
  distance: number;
}

export interface SegmentsTable {
  schema: string;
  table: string;
}

export const DEFAULT_SEGMENTS_TABLE: SegmentsTable = { schema: "public", table: "segments" };

const COLUMNS = ["user_id", "segment", "label", "distance", "run_id", "created_at"];

/**
 * The table, if it is not there yet. Redshift's VARCHAR length is in bytes: 320 holds 80
 * characters of any script (UTF-8 uses at most 4 bytes a character).
 */
export function segmentsTableDdl(t: SegmentsTable): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${ident(t.schema)}`,
    `CREATE TABLE IF NOT EXISTS ${qualified(t.schema, t.table)} (user_id VARCHAR(1024) NOT NULL, segment INTEGER NOT NULL, label VARCHAR(320) NOT NULL, distance DOUBLE PRECISION NOT NULL, run_id VARCHAR(256) NOT NULL, created_at TIMESTAMP NOT NULL)`,
  ];
}

export interface LoadSegmentsDeps {
  warehouse: Warehouse;
  lake: ObjectStore;
  bucket: string;
  /** Redshift: the role COPY assumes to read the staging file. */
  iamRole?: string;
}

export interface LoadSegmentsInput {
  runId: string;
  rows: Iterable<SegmentRow> | AsyncIterable<SegmentRow>;
  /** By segment; cut to 80 characters. */
  labels: readonly string[];
  createdAt?: Date;
  table?: SegmentsTable;
}

/** Rows per COPY chunk locally: bounded memory, whole records. */
const CHUNK_BYTES = 1 << 20;

export async function loadSegments(
  deps: LoadSegmentsDeps,
  input: LoadSegmentsInput,
): Promise<{ rows: number }> {
  const wh = deps.warehouse;
  const t = input.table ?? DEFAULT_SEGMENTS_TABLE;
  const table = qualified(t.schema, t.table);
  for (const sql of segmentsTableDdl(t)) await wh.query(sql);
  await wh.query(`DELETE FROM ${table} WHERE run_id = $1`, [input.runId]);

  const createdAt = (input.createdAt ?? new Date()).toISOString().replace("T", " ").slice(0, 23);
  const labels = input.labels.map((l) => [...l].slice(0, MAX_LABEL_CHARS).join(""));
  let count = 0;
  async function* chunks(): AsyncGenerator<Buffer> {
    let buf = "";
    for await (const r of input.rows) {
      const label = labels[r.segment];
      if (label === undefined) throw new Error(`segment ${r.segment} has no label`);
      buf += unloadLine([r.userId, r.segment, label, r.distance, input.runId, createdAt]);
      count++;
      if (buf.length >= CHUNK_BYTES) {
        yield Buffer.from(buf);
        buf = "";
      }
    }
    if (buf) yield Buffer.from(buf);
  }
  const cols = COLUMNS.map(ident);
  if (wh.dialect !== "redshift") {
    await wh.copyCsv(table, cols, chunks());
    return { rows: count };
  }
  if (!deps.iamRole) throw new Error("loading Redshift needs the role its COPY assumes");
  const key = `staging/segments-${runFolder(input.runId)}.csv`;
  await deps.lake.put(key, Readable.from(chunks()));
  try {
    if (count) {
      await wh.query(
        `COPY ${table} (${cols.join(", ")}) FROM ${literal(s3Uri(deps.bucket, key), "redshift")} IAM_ROLE ${literal(deps.iamRole, "redshift")} FORMAT AS CSV`,
      );
    }
  } finally {
    await deps.lake.delete(key).catch(() => {});
  }
  return { rows: count };
}
