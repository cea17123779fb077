// The ML state machine's Load step (a Lambda): read the batch transform's output (each user's id,
// standardised features and segment, io.ts), derive the centroids, number the segments as the run
// before numbered the same groups (align.ts), label them (explain.ts), load `_cdp.segments` and
// `_cdp.segment_runs` the one way the local pipeline does (store.ts loadStaged: on Redshift a COPY
// of a staging file from the lake), write the model JSON, record drift, and finish the run.
//
// Centroids from the assignments: SageMaker's artefact is an MXNet NDArray file that nothing here
// can read (io.ts), so each segment's centroid is the mean of the feature rows SageMaker assigned
// to it — exactly what a Lloyd step computes from those assignments, and what the final Lloyd
// iterations of SageMaker's k-means (local_lloyd_*) converge to. Each user's `distance` is then
// to that centroid, Euclidean, in the fitted (standardised) space, as the local model defines it
// (kmeans/model.ts); SageMaker's own distance_to_cluster is parsed and checked but not stored, as
// its documentation does not say whether it is squared. The segment is SageMaker's, renumbered.
import { Readable } from "node:stream";
import { z } from "zod";
import { ExecutionArn } from "../../ingest/machine";
import { VisibleError } from "../../util/error";
import { alignmentOrder, renumber } from "../align";
import { type KMeansModel, MODEL_VERSION } from "../kmeans";
import { readRunModel } from "../results-format";
import {
  copyStageSql,
  drift,
  loadStaged,
  MAX_LABEL,
  previousRun,
  STAGE_COLUMNS,
  segmentRuns,
  stageLine,
} from "../store";
import { mlKeys, s3Uri, transformRows } from "./io";
import { runFolder, type SegmentMachineDeps, segmentLifecycle } from "./machine";
import { pipelineLabels, type SegmentCentroids } from "./seams";

/** Stage lines per chunk written: bounded memory, whole lines. */
const CHUNK_BYTES = 1 << 20;

export const LoadStepInput = z.object({
  export: z.looseObject({
    runId: z.string(),
    run: z.string(),
    jobName: z.string(),
    k: z.number().int().min(1),
    features: z.array(z.string()).min(1),
    scaler: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).nullable(),
    raw: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }),
    source: z.string(),
    rows: z.number().int(),
    hyperParameters: z.record(z.string(), z.string()),
  }),
  executionArn: ExecutionArn,
});
export type LoadStepInput = z.input<typeof LoadStepInput>;

export interface LoadStepOutput {
  runId: string;
  rows: number;
  k: number;
  inertia: number;
  sizes: number[];
  labels: string[];
  /** The run whose numbering this one kept, or null (largest segment first). */
  alignedWith: string | null;
  previousRunId: string | null;
  moved: number | null;
  stayed: number | null;
  modelKey: string;
  resultKey: string;
}

export async function loadStep(
  deps: SegmentMachineDeps,
  raw: LoadStepInput,
): Promise<LoadStepOutput> {
  const { export: ex } = LoadStepInput.parse(raw);
  const keys = mlKeys(ex.run);
  const d = ex.features.length;
  const { k } = ex;

  // Pass 1: every scored row, summed by segment.
  const sums = Array.from({ length: k }, () => new Array<number>(d).fill(0));
  const sizes = new Array<number>(k).fill(0);
  let scored = 0;
  for await (const row of transformRows(deps.lake, keys.transform, d)) {
    if (row.segment >= k) {
      throw new VisibleError(
        "input",
        "segment.bad_ml_file",
        `user ${row.userId} is in segment ${row.segment}, but the model has ${k}`,
      );
    }
    sizes[row.segment]!++;
    for (let t = 0; t < d; t++) sums[row.segment]![t]! += row.features[t]!;
    scored++;
  }
  if (scored !== ex.rows) {
    throw new VisibleError(
      "input",
      "segment.rows_missing",
      `the transform scored ${scored} rows of the ${ex.rows} exported`,
    );
  }
  // An empty segment keeps the centre of the fitted space (0 when standardised): SageMaker's own
  // centroid for it is in the artefact we cannot read.
  const fittedCentroids = sums.map((s, j) => s.map((v) => (sizes[j] ? v / sizes[j]! : 0)));
  const unaligned: KMeansModel = {
    version: MODEL_VERSION,
    features: ex.features,
    scaler: ex.scaler,
    k,
    centroids: fittedCentroids,
    inertia: 0,
    // SageMaker reports neither; its final Lloyd step ran up to local_lloyd_max_iter iterations.
    iterations: 0,
    seed: 0,
    starts: Number(ex.hyperParameters.local_lloyd_num_trials ?? 1),
  };

  // Numbered as the latest run numbered the same groups (drift then shows real moves).
  const [latest] = await segmentRuns(deps.warehouse, 1);
  const prevModel = latest ? await readRunModel(deps.lake, latest.runId).catch(() => null) : null;
  const order = alignmentOrder(
    { model: unaligned, assignments: new Int32Array(0), sizes },
    prevModel,
  );
  const aligned = renumber({ model: unaligned, assignments: new Int32Array(0), sizes }, order);
  const alignedWith =
    prevModel && prevModel.k === k && prevModel.features.join() === ex.features.join()
      ? latest!.runId
      : null;
  /** numberOf[SageMaker's segment] = its number in this run. */
  const numberOf = new Array<number>(k);
  order.forEach((j, number) => {
    numberOf[j] = number;
  });
  const centroids = aligned.model.centroids;
  const labels = await labelsFor(deps, {
    features: ex.features,
    centroids,
    scaler: ex.scaler,
    raw: ex.raw,
    sizes: aligned.sizes,
  });

  // Pass 2: each user's number and distance to their centroid, staged in the warehouse.
  let inertia = 0;
  async function* lines(): AsyncGenerator<Buffer> {
    let buf = "";
    for await (const row of transformRows(deps.lake, keys.transform, d)) {
      const number = numberOf[row.segment]!;
      const c = centroids[number]!;
      let s = 0;
      for (let t = 0; t < d; t++) s += (row.features[t]! - c[t]!) ** 2;
      inertia += s;
      buf += stageLine(row.userId, number, Math.sqrt(s));
      if (buf.length >= CHUNK_BYTES) {
        yield Buffer.from(buf);
        buf = "";
      }
    }
    if (buf) yield Buffer.from(buf);
  }
  const createdAt = new Date().toISOString();
  const wh = deps.warehouse;
  const staging = `staging/segments-${runFolder(ex.runId)}.csv`;
  const loaded = await loadStaged(
    wh,
    { runId: ex.runId, createdAt, k, labels, source: ex.source },
    async (stage) => {
      if (wh.dialect !== "redshift") return wh.copyCsv(stage, STAGE_COLUMNS, lines());
      if (!deps.iamRole) throw new Error("loading Redshift needs the role its COPY assumes");
      // A million rows through Data API INSERTs would be a thousand 100 KB statements; COPY reads
      // the file (in staging/, which the COPY role reads) in parallel.
      await deps.lake.put(staging, Readable.from(lines()));
      try {
        await wh.query(copyStageSql(ex.runId, s3Uri(deps.bucket, staging), deps.iamRole));
      } finally {
        await deps.lake.delete(staging).catch(() => {});
      }
    },
  );
  const prev = await previousRun(wh, ex.runId);
  const moves = prev ? await drift(wh, prev, ex.runId) : null;

  const model: KMeansModel = { ...aligned.model, inertia };
  await deps.lake.put(keys.model, JSON.stringify(model));
  // The exported features were the jobs' input only; the transform output keeps them per user.
  for (const o of await deps.lake.list(keys.features)) await deps.lake.delete(o.key);

  const result: LoadStepOutput = {
    runId: ex.runId,
    rows: loaded,
    k,
    inertia,
    sizes: aligned.sizes,
    labels,
    alignedWith,
    previousRunId: prev,
    moved: moves?.moved ?? null,
    stayed: moves?.stayed ?? null,
    modelKey: keys.model,
    resultKey: keys.transform,
  };
  const { runId: _, ...stats } = result;
  await segmentLifecycle(deps).finish(ex.runId, {
    status: "SUCCEEDED",
    stats: { ...stats, rowsLoaded: loaded },
  });
  // Last: the run is loaded and recorded. Its Object Created event starts the Salesforce sync.
  await deps.lake.put(
    keys.loaded,
    `${JSON.stringify({ runId: ex.runId, rows: loaded, k, loadedAt: new Date().toISOString() })}\n`,
  );
  return result;
}

async function labelsFor(deps: SegmentMachineDeps, profile: SegmentCentroids): Promise<string[]> {
  const labels = await (deps.labels ?? pipelineLabels)(profile);
  if (labels.length !== profile.centroids.length) {
    throw new Error(`${labels.length} labels for ${profile.centroids.length} segments`);
  }
  return labels.map((l) => [...l].slice(0, MAX_LABEL).join(""));
}
