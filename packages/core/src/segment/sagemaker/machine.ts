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
import type { Scaler } from "../kmeans";
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
  /** The feature query of a run (features.ts; seams.ts). */
  featureSelect: FeatureSelect;
  /** Labels for the segments (default: "segment N"). */
  labels?: LabelSegments;
  /** The warehouse table the segments go to (default public.segments). */
  segmentsTable?: { schema: string; table: string };
}

/**
 * The execution's input: the run's arguments. The daily schedule sends `{}` (the defaults); the
 * console's retry sends the failed execution's input again. Unknown fields go to the feature query.
 */
export const SegmentMachineInput = z.looseObject({
  /** Segments, or "auto": chosen by silhouette on a sample before training (export-step.ts). */
  k: z.union([z.number().int().min(1).max(100), z.literal("auto")]).default("auto"),
  /** k auto tries kMin … kMax. */
  kMin: z.number().int().min(2).default(2),
  kMax: z.number().int().min(2).max(100).default(10),
  /** Standardise the features (z-scores), or fit them as they are. */
  scale: z.enum(["standard", "none"]).default("standard"),
  /** k-means++ runs of the final Lloyd step (SageMaker's local_lloyd_num_trials). */
  starts: z.number().int().min(1).max(100).default(10),
  seed: z.number().int().min(0).default(0),
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
  rows: number;
  /** The scratch table the features were materialised in (dropped by Export; ReportFailure too). */
  scratch: { schema: string; table: string };
}

/** A runId as a lake folder name: `sfn:cdp-prod-segment:abc` → `sfn_cdp-prod-segment_abc`. */
export const runFolder = (runId: string) => runId.replace(/[^A-Za-z0-9._-]/g, "_");

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
