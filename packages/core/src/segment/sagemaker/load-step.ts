// The ML state machine's Load step (a Lambda): read the batch transform's output (each user's id,
// standardised features and segment, io.ts), derive the centroids, label the segments, load the
// warehouse table `segments`, write the model JSON, and finish the run.
//
// Centroids from the assignments: SageMaker's artefact is an MXNet NDArray file that nothing here
// can read (io.ts), so each segment's centroid is the mean of the feature rows SageMaker assigned
// to it — exactly what a Lloyd step computes from those assignments, and what the final Lloyd
// iterations of SageMaker's k-means (local_lloyd_*) converge to. Each user's `distance` is then
// to that centroid, Euclidean, in the fitted (standardised) space, as the local model defines it
// (kmeans/model.ts); SageMaker's own distance_to_cluster is parsed and checked but not stored, as
// its documentation does not say whether it is squared. The segment stays SageMaker's.
import { z } from "zod";
import { ExecutionArn } from "../../ingest/machine";
import { VisibleError } from "../../util/error";
import { type KMeansModel, MODEL_VERSION } from "../kmeans";
import { mlKeys, transformRows } from "./io";
import { loadSegments, type SegmentRow } from "./loader";
import { type SegmentMachineDeps, segmentLifecycle } from "./machine";
import { MAX_LABEL_CHARS, placeholderLabels } from "./seams";

export const LoadStepInput = z.object({
  export: z.looseObject({
    runId: z.string(),
    run: z.string(),
    jobName: z.string(),
    k: z.number().int().min(1),
    features: z.array(z.string()).min(1),
    scaler: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).nullable(),
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
  const centroids = sums.map((s, j) => s.map((v) => (sizes[j] ? v / sizes[j]! : 0)));
  const labels = await labelsFor(deps, {
    features: ex.features,
    centroids,
    scaler: ex.scaler,
    sizes,
  });

  // Pass 2: each user's distance to their centroid, into the warehouse.
  let inertia = 0;
  async function* rows(): AsyncGenerator<SegmentRow> {
    for await (const row of transformRows(deps.lake, keys.transform, d)) {
      const c = centroids[row.segment]!;
      let s = 0;
      for (let t = 0; t < d; t++) s += (row.features[t]! - c[t]!) ** 2;
      inertia += s;
      yield { userId: row.userId, segment: row.segment, distance: Math.sqrt(s) };
    }
  }
  const loaded = await loadSegments(deps, {
    runId: ex.runId,
    rows: rows(),
    labels,
    ...(deps.segmentsTable ? { table: deps.segmentsTable } : {}),
  });

  const model: KMeansModel = {
    version: MODEL_VERSION,
    features: ex.features,
    scaler: ex.scaler,
    k,
    centroids,
    inertia,
    // SageMaker reports neither; its final Lloyd step ran up to local_lloyd_max_iter iterations.
    iterations: 0,
    seed: 0,
    starts: Number(ex.hyperParameters.local_lloyd_num_trials ?? 1),
  };
  await deps.lake.put(keys.model, JSON.stringify(model));
  // The exported features were the jobs' input only; the transform output keeps them per user.
  for (const o of await deps.lake.list(keys.features)) await deps.lake.delete(o.key);

  const result: LoadStepOutput = {
    runId: ex.runId,
    rows: loaded.rows,
    k,
    inertia,
    sizes,
    labels,
    modelKey: keys.model,
    resultKey: keys.transform,
  };
  const { runId: _, ...stats } = result;
  await segmentLifecycle(deps).finish(ex.runId, {
    status: "SUCCEEDED",
    stats: { ...stats, rowsLoaded: loaded.rows },
  });
  return result;
}

async function labelsFor(
  deps: SegmentMachineDeps,
  profile: Parameters<typeof placeholderLabels>[0],
): Promise<string[]> {
  const labels = await (deps.labels ?? placeholderLabels)(profile);
  if (labels.length !== profile.centroids.length) {
    throw new Error(`${labels.length} labels for ${profile.centroids.length} segments`);
  }
  return labels.map((l) => [...l].slice(0, MAX_LABEL_CHARS).join(""));
}
