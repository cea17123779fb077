// The ML state machine's Export step (a Lambda): record the run, materialise the feature query,
// compute the scaler over the usable rows, choose k when asked for "auto" (silhouette on a sample,
// with the local k-means), and export the standardised features for SageMaker — on Redshift with
// UNLOAD through the Data API, elsewhere by running the same SELECT and writing the same CSV to
// the same keys. Answers what the SageMaker tasks need (machine.ts, ExportOutput).
//
// Why UNLOAD from a Lambda, not the Glue prep job: the features are SQL over the warehouse, so
// Redshift computes them and writes the files itself, in parallel with the data, in one statement
// per file set; a Lambda only submits statements and waits. A Glue (Spark) job would read the same
// rows out of Redshift to write them back to S3 — more moving parts, a minute of start-up and DPU
// billing for no work of its own.
import { ulid } from "ulid";
import { z } from "zod";
import { ExecutionArn } from "../../ingest/machine";
import { runIdOfExecution } from "../../run/aws/ids";
import { VisibleError } from "../../util/error";
import { describeTable } from "../../warehouse/warehouse";
import type { Missing } from "../features";
import { chooseK, type Scaler } from "../kmeans";
import {
  dropScratch,
  type FeatureColumns,
  featureColumns,
  materialise,
  readStats,
  type Scratch,
  sampleSelect,
  scoreSelect,
  scratchOf,
  statsSql,
  trainSelect,
  unloadSql,
} from "./export-sql";
import { formatNumber, mlKeys, PART_PREFIX, s3Uri, unloadLine } from "./io";
import {
  type ExportOutput,
  runFolder,
  SEGMENT_PIPELINE,
  type SegmentMachineDeps,
  SegmentMachineInput,
  segmentLifecycle,
} from "./machine";
import { pipelineFeatureSelect } from "./seams";

export const ExportStepInput = z.object({
  /** The execution's input: the run's arguments. */
  input: z.record(z.string(), z.unknown()).default({}),
  executionArn: ExecutionArn,
  /** The stage's job name prefix (its IAM grants are on names that start with it). */
  jobPrefix: z
    .string()
    .regex(/^[a-z0-9](-*[a-z0-9])*$/)
    .max(36),
});
export type ExportStepInput = z.input<typeof ExportStepInput>;

/** Rows `k auto` fits each candidate k on. */
export const AUTO_K_SAMPLE = 5000;
/** SageMaker k-means' default mini-batch (K-Means Hyperparameters). */
const MINI_BATCH = 5000;
/** What a local export writes per file, as UNLOAD's MAXFILESIZE (export-sql.ts). */
const MAX_FILE_BYTES = 100 * 1024 * 1024;

export async function exportStep(
  deps: SegmentMachineDeps,
  raw: ExportStepInput,
): Promise<ExportOutput> {
  const { input, executionArn, jobPrefix } = ExportStepInput.parse(raw);
  const runId = runIdOfExecution(executionArn);
  const life = segmentLifecycle(deps);
  await life.enter({
    id: runId,
    pipeline: SEGMENT_PIPELINE,
    engine: "sfn",
    args: input,
    workKey: SEGMENT_PIPELINE,
    owner: executionArn,
  });
  const parsed = SegmentMachineInput.safeParse(input);
  if (!parsed.success) {
    throw new VisibleError("input", "segment.bad_args", z.prettifyError(parsed.error));
  }
  const args = parsed.data;
  const work = ulid().toLowerCase();
  const jobName = `${jobPrefix}-${work}`;
  const run = runFolder(runId);
  const keys = mlKeys(run);
  const wh = deps.warehouse;
  // A retried attempt of this step starts from an empty folder.
  for (const o of await deps.lake.list(keys.features)) await deps.lake.delete(o.key);

  const scratch = scratchOf(work);
  const query = await (deps.featureSelect ?? pipelineFeatureSelect)(wh, runId, {
    ...(args.table ? { table: args.table } : {}),
    ...(args.key ? { key: args.key } : {}),
    ...(args.features ? { features: args.features } : {}),
    ...(args.missing ? { missing: args.missing as Missing } : {}),
    asOf: args.asOf ?? new Date().toISOString(),
  });
  try {
    for (const sql of materialise(scratch, query.select)) await wh.query(sql);
  } finally {
    await query.drop();
  }
  try {
    const cols = featureColumns(await describeTable(wh, scratch.schema, scratch.table));
    const d = cols.features.length;
    const stats = readStats((await wh.query(statsSql(scratch, cols)))[0], d);
    const rowsRead = Number(query.facts.rowsRead ?? stats.total);
    await life.note(runId, {
      ...query.facts,
      rowsRead,
      // Rows the feature query skipped (a "skip" feature missing) and rows the export cannot
      // write (a NULL left, a line break in the key).
      rowsSkipped: rowsRead - stats.usable,
      // As a local run records them (model.ts FeatureStats): the counts from the feature query,
      // the spread over the rows exported.
      features: cols.features.map((name, t) => ({
        ...(query.features?.[t] ?? {
          name,
          column: name,
          missing: "skip",
          missingCount: 0,
          imputed: 0,
          skipped: 0,
          fill: null,
        }),
        mean: stats.scaler.mean[t],
        std: stats.scaler.std[t],
        min: stats.min[t],
        max: stats.max[t],
      })),
      key: query.facts.key ?? cols.key,
      scale: args.scale,
      kChosenBy: args.k === "auto" ? "silhouette" : "given",
    });
    if (!stats.usable) {
      throw new VisibleError(
        "input",
        "segment.no_rows",
        `none of the feature query's ${stats.total} rows can be segmented: each has a NULL feature or no key (impute or filter in the feature query)`,
      );
    }
    const scaler = args.scale === "standard" ? stats.scaler : null;
    const chosen = await chooseSegments(deps, scratch, cols, scaler, args, stats.usable);
    const trainUri = s3Uri(deps.bucket, keys.train);
    const scoreUri = s3Uri(deps.bucket, keys.score);
    await exportRows(deps, trainSelect(scratch, cols, scaler), keys.train, {
      columns: cols.features,
      keyed: false,
    });
    await exportRows(deps, scoreSelect(scratch, cols, scaler), keys.score, {
      columns: [cols.key, ...cols.features],
      keyed: true,
    });
    await life.note(runId, {
      rows: stats.usable,
      k: chosen.k,
      ...(chosen.silhouette !== undefined ? { silhouette: chosen.silhouette } : {}),
      scale: args.scale,
      jobName,
    });
    return {
      runId,
      run,
      jobName,
      trainUri,
      scoreUri,
      modelsUri: s3Uri(deps.bucket, keys.models),
      transformUri: s3Uri(deps.bucket, keys.transform),
      hyperParameters: hyperParameters(chosen.k, d, stats.usable, args.starts),
      k: chosen.k,
      features: cols.features,
      scaler,
      raw: stats.scaler,
      source: query.source,
      rows: stats.usable,
      scratch,
    };
  } finally {
    await wh.query(dropScratch(scratch));
  }
}

/**
 * SageMaker k-means' hyperparameters (K-Means Hyperparameters, SageMaker Developer Guide), all
 * strings: k-means++ seeding, `starts` runs of the final Lloyd step, both metrics logged.
 */
export function hyperParameters(k: number, d: number, rows: number, starts: number) {
  return {
    k: String(k),
    feature_dim: String(d),
    mini_batch_size: String(Math.max(1, Math.min(MINI_BATCH, rows))),
    init_method: "kmeans++",
    extra_center_factor: "auto",
    local_lloyd_init_method: "kmeans++",
    local_lloyd_max_iter: "300",
    local_lloyd_tol: "0.0001",
    local_lloyd_num_trials: String(starts),
    epochs: "1",
    eval_metrics: '["msd","ssd"]',
  };
}

/** k as asked, or — for "auto" — the best mean silhouette on a seeded sample of usable rows. */
async function chooseSegments(
  deps: SegmentMachineDeps,
  scratch: Scratch,
  cols: FeatureColumns,
  scaler: Scaler | null,
  args: SegmentMachineInput,
  rows: number,
): Promise<{ k: number; silhouette?: number }> {
  if (args.k !== "auto") {
    if (args.k > rows) {
      throw new VisibleError(
        "input",
        "segment.k_too_big",
        `k = ${args.k} segments for ${rows} usable rows: ask for at most ${rows}`,
      );
    }
    return { k: args.k };
  }
  const sample = await deps.warehouse.query(
    sampleSelect(scratch, cols, scaler, AUTO_K_SAMPLE, args.seed),
  );
  const d = cols.features.length;
  const data = new Float64Array(sample.length * d);
  sample.forEach((r, i) => {
    cols.features.forEach((f, t) => {
      data[i * d + t] = Number(r[f]);
    });
  });
  const kMax = Math.min(args.kMax, sample.length);
  if (kMax < args.kMin) {
    throw new VisibleError(
      "input",
      "segment.too_few_rows",
      `k auto needs at least ${args.kMin} usable rows; there are ${sample.length}`,
    );
  }
  const chosen = await chooseK(data, {
    n: sample.length,
    d,
    kMin: args.kMin,
    kMax,
    seed: args.seed,
    starts: args.starts,
    workers: 0,
    features: cols.features,
  });
  const score = chosen.scores.find((s) => s.k === chosen.k);
  return { k: chosen.k, ...(score?.silhouette != null ? { silhouette: score.silhouette } : {}) };
}

/**
 * One SELECT's rows to the lake under `prefix` as CSV files `part_000`, … — by Redshift's UNLOAD,
 * or by running the SELECT and writing what UNLOAD writes (io.ts) on any other warehouse.
 */
async function exportRows(
  deps: SegmentMachineDeps,
  select: string,
  prefix: string,
  /** The SELECT's columns in order; `keyed`: the first is the key (text), not a number. */
  row: { columns: string[]; keyed: boolean },
): Promise<void> {
  const wh = deps.warehouse;
  if (wh.dialect === "redshift") {
    if (!deps.iamRole) throw new Error("exporting from Redshift needs the role UNLOAD assumes");
    await wh.query(unloadSql(select, s3Uri(deps.bucket, `${prefix}${PART_PREFIX}`), deps.iamRole));
    return;
  }
  const rows = await wh.query<Record<string, unknown>>(select);
  let part = 0;
  let lines: string[] = [];
  let bytes = 0;
  const flush = async () => {
    if (!lines.length && part > 0) return;
    await deps.lake.put(
      `${prefix}${PART_PREFIX}${String(part++).padStart(3, "0")}`,
      lines.join(""),
    );
    lines = [];
    bytes = 0;
  };
  for (const r of rows) {
    // By name, in order: an object's own order puts integer-like names ("2024") first.
    const values = row.columns.map((c, i) =>
      row.keyed && i === 0 ? String(r[c]) : formatNumber(Number(r[c])),
    );
    const line = unloadLine(values);
    if (bytes + line.length > MAX_FILE_BYTES) await flush();
    lines.push(line);
    bytes += line.length;
  }
  await flush();
}
