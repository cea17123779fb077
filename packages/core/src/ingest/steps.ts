// The steps of an ingest that both executors take: the local one (ingest.ts, in one process) and
// the state machine's (plan-step.ts → Glue job → report-step.ts): which table a file loads into,
// reading and staging the file once, running the checks, selecting and merging the good rows.
// What the checks found is findings.ts; where the file goes, lake-files.ts; the rejected rows,
// rejects.ts.
import type { ObjectStore } from "../lake/lake";
import { errorMessage, VisibleError } from "../util/error";
import { faultPoint } from "../util/fault";
import { normalizeName } from "../warehouse/ident";
import { type SqlRunner, tableKey, type Warehouse } from "../warehouse/warehouse";
import { type CsvColumn, type CsvSummary, type MalformedRecord, openCsv } from "./csv-reader";
import type { QualityConfig } from "./model";
import { checkTable, fileName, tableFromKey } from "./naming";
import type { Plan } from "./plan";

const n = (v: unknown) => Number(v ?? 0);

/** The table a source file loads into, its upsert key, and the table's quality settings. */
export function resolveTarget(
  args: { sourceKey: string; table?: string; key?: string },
  quality: QualityConfig,
) {
  const table = args.table
    ? checkTable(normalizeName(args.table), args.table)
    : tableFromKey(args.sourceKey);
  const settings = { ...quality.defaults, ...quality.tables[table] };
  const key = normalizeName(args.key ?? settings.key);
  /** The key was asked for (`--key`, or the table's entry in rules.ts), not the default. */
  const keyAsked = args.key !== undefined || quality.tables[table]?.key !== undefined;
  return { table, key, keyAsked, settings };
}

/**
 * The key to upsert by, settled against the table before anything is staged: an existing table is
 * upserted by its own primary key. A key asked for (`--key`, or the table's key in rules.ts) that
 * differs is a plain error; the default key gives way to the table's.
 */
export async function settleKey(
  sql: SqlRunner,
  t: { schema: string; table: string; key: string; asked: boolean },
): Promise<string> {
  const pk = await tableKey(sql, t.schema, t.table);
  if (!pk) return t.key;
  if (pk.length !== 1) {
    throw new VisibleError(
      "input",
      "ingest.composite_key",
      `table ${t.table} is keyed by (${pk.join(", ")}); CDP upserts by one key column, so it cannot load into it`,
    );
  }
  const [own] = pk as [string];
  if (own === t.key || !t.asked) return own;
  throw new VisibleError(
    "input",
    "ingest.key_mismatch",
    `table ${t.table} is keyed by ${own}, not ${t.key}: its rows are upserted by ${own}. Leave out --key (or pass --key ${own}); to key rows by ${t.key}, load them into a new table with --table`,
  );
}

/**
 * Staging chunk size. Each chunk is copied on its way into the warehouse (PGlite: Buffer → Blob →
 * wasm); 1 MiB keeps those copies from piling up faster than V8 collects them, at no cost in speed.
 */
export const STAGING_CHUNK_BYTES = 1 << 20;

export type Staged =
  | { ok: true; header: readonly CsvColumn[]; summary: CsvSummary; malformed: MalformedRecord[] }
  | { ok: false; reason: string };

/**
 * Read the source file once: check the header has the key column, then hand the staging chunks
 * to `stage` (locally: COPY into the staging table; on AWS: write the staging CSV to the lake for
 * Redshift's COPY). A file-level problem (not CSV, not UTF-8, no key column) is a reason the
 * file cannot be loaded, not an error.
 */
export async function readAndStage(
  lake: ObjectStore,
  sourceKey: string,
  key: string,
  hooks: {
    onHeader?: (header: readonly CsvColumn[]) => Promise<void>;
    stage: (header: readonly CsvColumn[], chunks: AsyncGenerator<Buffer>) => Promise<void>;
    /** The rules' patterns the reader proves per column (quality/compile.ts rulePatterns). */
    patterns?: Record<string, string>;
  },
): Promise<Staged> {
  const malformed: MalformedRecord[] = [];
  const unusable = (err: unknown) =>
    err instanceof VisibleError && err.kind === "input"
      ? { ok: false as const, reason: `${fileName(sourceKey)}: ${err.message}` }
      : null;
  let csv: Awaited<ReturnType<typeof openCsv>>;
  try {
    csv = await openCsv(await lake.get(sourceKey), {
      onMalformed: (m) => malformed.push(m),
      chunkBytes: STAGING_CHUNK_BYTES,
      key,
      patterns: hooks.patterns,
    });
  } catch (err) {
    const r = unusable(err);
    if (r) return r;
    throw err;
  }
  if (!csv.header.some((h) => h.name === key)) {
    return {
      ok: false,
      reason: `${fileName(sourceKey)} has no key column "${key}" (its columns: ${csv.header.map((h) => h.name).join(", ")}); ingest it with --key, or set the table's key in rules.ts`,
    };
  }
  await hooks.onHeader?.(csv.header);
  try {
    await hooks.stage(csv.header, csv.chunks());
  } catch (err) {
    const r = unusable(err);
    if (r) return r;
    throw err;
  }
  return { ok: true, header: csv.header, summary: csv.summary(), malformed };
}

/**
 * Run the plan's checks — the independent scans at once (separate connections on PostgreSQL),
 * then the rest in order — and count repeated keys alongside (unless the reader already proved
 * none repeats). A rule that cannot run names itself. Returns how many staged rows repeat a key.
 */
export async function runChecks(
  sql: SqlRunner,
  plan: Pick<Plan, "check" | "duplicateKeys">,
): Promise<number> {
  const run = async (c: Plan["check"][number]) => {
    try {
      await sql.query(c.sql);
    } catch (err) {
      throw new VisibleError(
        "input",
        "quality.rule_failed",
        `quality rule ${c.rule} could not run: ${errorMessage(err)}`,
      );
    }
  };
  const [, duplicates] = await Promise.all([
    Promise.all(plan.check.filter((c) => c.concurrent).map(run)),
    plan.duplicateKeys === null ? [{ n: 0 }] : sql.query<{ n: unknown }>(plan.duplicateKeys),
  ]);
  for (const c of plan.check.filter((c) => !c.concurrent)) await run(c);
  return n(duplicates[0]?.n);
}

/**
 * Materialise the good rows and merge them in one transaction; returns the rows merged. With no
 * repeated key the plan's `unique` variant does the same without sorting the file by key.
 */
/** What a merge did: rows merged, and how they split (null: not counted, see `changesQuery`). */
export interface Merged {
  loaded: number;
  inserted: number;
  updated: number | null;
  unchanged: number | null;
}

/** `loaded` and the plan's `changes` row as counts (a new table: every row inserted). */
export function mergedCounts(
  loaded: number,
  changes: { inserted?: unknown; updated?: unknown } | null,
): Merged {
  if (!changes) return { loaded, inserted: loaded, updated: 0, unchanged: 0 };
  const inserted = n(changes.inserted);
  const updated =
    changes.updated === null || changes.updated === undefined ? null : n(changes.updated);
  return {
    loaded,
    inserted,
    updated,
    unchanged: updated === null ? null : loaded - inserted - updated,
  };
}

export async function selectAndMerge(
  wh: Warehouse,
  plan: Plan,
  duplicateKeys: number,
): Promise<Merged> {
  const variant = duplicateKeys === 0 ? plan.unique : plan;
  for (const sql of variant.select) await wh.query(sql);
  return wh.transaction(async (tx) => {
    let changes: Record<string, unknown> | null = null;
    for (const sql of variant.merge) {
      const rows = await tx.query<Record<string, unknown>>(sql);
      if (sql === plan.report.changes) changes = rows[0] ?? null;
    }
    const [row] = await tx.query<{ n: unknown }>(plan.report.loaded);
    await faultPoint("ingest.merge");
    return mergedCounts(n(row?.n), changes);
  });
}

export function schemaChanges(plan: Pick<Plan, "columns">) {
  return {
    columnsAdded: plan.columns
      .filter((c) => c.change === "create" || c.change === "add")
      .map((c) => c.name),
    columnsWidened: plan.columns.filter((c) => c.change === "widen").map((c) => c.name),
  };
}
