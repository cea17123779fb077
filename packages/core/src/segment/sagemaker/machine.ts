// What the ML state machine's steps share (asl.ts draws the machine): their ports, the execution's
// input, the Export step's answer that the SageMaker tasks and Load read, the run's lake folder,
// and how the console retries a failed execution.
import { z } from "zod";
import type { Notifier } from "../../alert/alert";
import type { ObjectStore } from "../../lake/lake";
import type { Metrics } from "../../metric/metric";
import type { OpsDb } from "../../ops/db";
import type { ExecutionRetry } from "../../run/aws/sfn-retry";
import { type RunLifecycle, runLifecycle } from "../../run/lifecycle";
import type { Warehouse } from "../../warehouse/warehouse";
import { SEGMENT_DEFAULTS } from "../features";
import type { Scaler } from "../kmeans";
import { MAX_K, SegmentArgs } from "../model";
import { runFolder } from "../results-format";
import type { FeatureSelect, LabelSegments } from "./seams";

/** The pipeline's name in runs (the segment pipeline's descriptor has the same). */
export const SEGMENT_PIPELINE = "segment";

export interface SegmentMachineDeps {
  lake: ObjectStore;
  warehouse: Warehouse;
  ops: OpsDb;
  notifier: Notifier;
  metrics: Metrics;
  /** The lake's bucket, as the s3:// URIs SageMaker is handed name it (locally: any name). */
  bucket: string;
  /** Redshift: the role its UNLOAD (features) and COPY (segments) assume. */
  iamRole?: string;
  /** The feature query of a run (default: the pipeline's features.ts, seams.ts). */
  featureSelect?: FeatureSelect;
  /** Labels for the segments (default: explain.ts's, seams.ts). */
  labels?: LabelSegments;
}

/**
 * The execution's input: the run's arguments. The daily schedule sends `{}` (the defaults); the
 * console's retry sends the failed execution's input again. The arguments are `cdp segment`'s
 * (model.ts SegmentArgs: table, key, features, missing, asOf …), with the same defaults.
 */
export const SegmentMachineInput = SegmentArgs.extend({
  /** Segments, or "auto": chosen by silhouette on a sample before training (export-step.ts). */
  k: z.union([z.number().int().min(1).max(MAX_K), z.literal("auto")]).default(SEGMENT_DEFAULTS.k),
  /** k auto tries kMin … kMax. */
  kMin: z.number().int().min(2).default(2),
  kMax: z.number().int().min(2).max(MAX_K).default(SEGMENT_DEFAULTS.kMax),
  /** Standardise the features (z-scores), or fit them as they are. */
  scale: z.enum(["standard", "none"]).default(SEGMENT_DEFAULTS.scale),
  /** k-means++ runs of the final Lloyd step (SageMaker's local_lloyd_num_trials). */
  starts: z.number().int().min(1).max(100).default(SEGMENT_DEFAULTS.starts),
  seed: z.number().int().min(0).default(SEGMENT_DEFAULTS.seed),
});
export type SegmentMachineInput = z.infer<typeof SegmentMachineInput>;

/** The Export step's answer, at $.export: what Train, CreateModel, Transform and Load use. */
export interface ExportOutput {
  runId: string;
  /** The run's folder below ml/… (a key-safe runId). */
  run: string;
  /** Names the training job, the model and the transform job (unique, SageMaker's pattern). */
  jobName: string;
  trainUri: string;
  scoreUri: string;
  /** OutputDataConfig.S3OutputPath of the training job. */
  modelsUri: string;
  /** TransformOutput.S3OutputPath. */
  transformUri: string;
  /** CreateTrainingJob's HyperParameters: string to string. */
  hyperParameters: Record<string, string>;
  k: number;
  features: string[];
  scaler: Scaler | null;
  /** Each feature's mean and population std over the rows exported, raw units (labels). */
  raw: Scaler;
  /** The table segmented (`public.customers`), as segment_runs records it. */
  source: string;
  rows: number;
  /** The scratch table the features were materialised in (dropped by Export; ReportFailure too). */
  scratch: { schema: string; table: string };
}

/** A runId as a lake folder name (the local pipeline's, results-format.ts). */
export { runFolder };

export function segmentLifecycle(deps: SegmentMachineDeps): RunLifecycle {
  return runLifecycle(deps);
}

/**
 * The console's retry of a failed execution: never a redrive — every failure ends in the Failed
 * state, where a redrive would only fail again — but a new execution with the same input, which
 * exports the features again and trains and scores anew (a run's files and jobs are its own).
 */
export const segmentRetry: ExecutionRetry = {
  redrive: false,
  restart: ({ input }) => ({
    input,
    does: "exports the features again, trains and scores anew, and loads the segments",
  }),
};
