// The ML state machine's definition (Amazon States Language), built from the ARNs and names it
// calls. Infra deploys exactly this JSON (infra/ml.ts); the tests execute exactly this JSON with
// the Lambdas bound to their steps and the SageMaker tasks to the local k-means twin
// (local-sagemaker.ts). A daily EventBridge schedule starts it with `{}` (the run's arguments):
//
//   Export (Lambda) ─► Train (createTrainingJob.sync) ─► CreateModel ─► Transform
//   (createTransformJob.sync) ─► Load (Lambda) ─► Done
//   an error in any of them ─► (which step) ─► ReportFailure (Lambda) ─► Failed (Fail)
//
// Export records the run, exports the standardised features (UNLOAD) and names the run's jobs;
// Train fits SageMaker's built-in k-means on ml/features/<run>/train/; CreateModel wraps its
// artefact; Transform scores ml/features/<run>/score/ with the user id carried through
// (InputFilter $[1:], JoinSource Input) into ml/segments/<run>/transform/; Load derives the
// centroids from the assignments, labels the segments, loads `segments`, finishes the run and
// writes its loaded marker (io.ts LOADED_PREFIX: the Salesforce sync starts on it).
//
// Every failure ends in the Failed state, so the console never redrives an execution of it; its
// retry is a new execution with the same input (machine.ts, segmentRetry). Lambda's own transient
// errors are retried as in the other machines. The SageMaker tasks are not: a job's failure is its
// data, its capacity or its quota, and a job name is used once — the run fails and says why.
import { type AslDefinition, LAMBDA_TIMEOUT, lambdaRetry } from "../../ingest/asl";
import {
  DATA_PROCESSING,
  TRAINING_CONTENT_TYPE,
  TRANSFORM_ACCEPT,
  TRANSFORM_CONTENT_TYPE,
} from "./io";

/** The service integrations the machine uses, and nothing else. */
export const segmentIntegrations = {
  lambdaInvoke: "arn:aws:states:::lambda:invoke",
  createTrainingJobSync: "arn:aws:states:::sagemaker:createTrainingJob.sync",
  createModel: "arn:aws:states:::sagemaker:createModel",
  createTransformJobSync: "arn:aws:states:::sagemaker:createTransformJob.sync",
} as const;

/** State names, for bindings in tests and links from the console. */
export const SegmentState = {
  export: "Export",
  train: "Train",
  createModel: "CreateModel",
  transform: "Transform",
  load: "Load",
  done: "Done",
  exportFailed: "ExportFailed",
  trainFailed: "TrainFailed",
  createModelFailed: "CreateModelFailed",
  transformFailed: "TransformFailed",
  loadFailed: "LoadFailed",
  reportFailure: "ReportFailure",
  failed: "Failed",
} as const;

export interface SegmentMachineParams {
  exportFunctionArn: string;
  loadFunctionArn: string;
  failureFunctionArn: string;
  /** The role SageMaker assumes for the jobs and the model (passed by the machine: iam:PassRole). */
  sagemakerRoleArn: string;
  /** The built-in k-means image of the region (`<account>.dkr.ecr.<region>.amazonaws.com/kmeans:1`). */
  kmeansImage: string;
  /** Names of the run's jobs and model start with it (the machine's grants are on that prefix). */
  jobPrefix: string;
  /** CPU, as recommended for k-means (K-Means Algorithm, EC2 Instance Recommendation). */
  trainingInstanceType?: string;
  transformInstanceType?: string;
}

/** SageMaker stops a training job after this; the task waits a little longer. */
const TRAINING_MAX_RUNTIME = 3600;
const TRAIN_TIMEOUT = 2 * 3600;
const TRANSFORM_TIMEOUT = 3 * 3600;
const MACHINE_TIMEOUT = 8 * 3600;

export function segmentStateMachine(p: SegmentMachineParams): AslDefinition {
  const S = SegmentState;
  const caught = (next: string) => [
    { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: next },
  ];
  const failedIn = (what: string) => ({
    Type: "Pass",
    Result: what,
    ResultPath: "$.failedIn",
    Next: S.reportFailure,
  });
  const lambda = (functionArn: string, payload: Record<string, unknown>) => ({
    Type: "Task",
    Resource: segmentIntegrations.lambdaInvoke,
    Parameters: { FunctionName: functionArn, Payload: payload },
    TimeoutSeconds: LAMBDA_TIMEOUT,
    Retry: [lambdaRetry],
  });
  return {
    Comment:
      "CDP segment: the daily user segmentation. Export (Lambda) UNLOADs the standardised features; SageMaker's built-in k-means trains on them and a batch transform scores every user, the id carried through; Load (Lambda) derives the centroids from the assignments, loads the warehouse table segments and records the run.",
    StartAt: S.export,
    TimeoutSeconds: MACHINE_TIMEOUT,
    States: {
      [S.export]: {
        ...lambda(p.exportFunctionArn, {
          "input.$": "$",
          "executionArn.$": "$$.Execution.Id",
          jobPrefix: p.jobPrefix,
        }),
        Comment:
          "Record the run; the features (features.ts) imputed in SQL and materialised, the scaler, choose k (auto: silhouette on a sample); UNLOAD ml/features/<run>/train/ and score/.",
        ResultSelector: {
          "runId.$": "$.Payload.runId",
          "run.$": "$.Payload.run",
          "jobName.$": "$.Payload.jobName",
          "trainUri.$": "$.Payload.trainUri",
          "scoreUri.$": "$.Payload.scoreUri",
          "modelsUri.$": "$.Payload.modelsUri",
          "transformUri.$": "$.Payload.transformUri",
          "hyperParameters.$": "$.Payload.hyperParameters",
          "k.$": "$.Payload.k",
          "features.$": "$.Payload.features",
          "scaler.$": "$.Payload.scaler",
          "raw.$": "$.Payload.raw",
          "source.$": "$.Payload.source",
          "rows.$": "$.Payload.rows",
          "scratch.$": "$.Payload.scratch",
        },
        ResultPath: "$.export",
        Catch: caught(S.exportFailed),
        Next: S.train,
      },
      [S.train]: {
        Type: "Task",
        Comment: "SageMaker's built-in k-means on the training CSV (text/csv, no header, no id).",
        Resource: segmentIntegrations.createTrainingJobSync,
        Parameters: {
          "TrainingJobName.$": "$.export.jobName",
          AlgorithmSpecification: { TrainingImage: p.kmeansImage, TrainingInputMode: "File" },
          RoleArn: p.sagemakerRoleArn,
          "HyperParameters.$": "$.export.hyperParameters",
          InputDataConfig: [
            {
              ChannelName: "train",
              ContentType: TRAINING_CONTENT_TYPE,
              DataSource: {
                S3DataSource: {
                  S3DataType: "S3Prefix",
                  "S3Uri.$": "$.export.trainUri",
                  S3DataDistributionType: "ShardedByS3Key",
                },
              },
            },
          ],
          OutputDataConfig: { "S3OutputPath.$": "$.export.modelsUri" },
          ResourceConfig: {
            InstanceCount: 1,
            InstanceType: p.trainingInstanceType ?? "ml.m5.large",
            VolumeSizeInGB: 10,
          },
          StoppingCondition: { MaxRuntimeInSeconds: TRAINING_MAX_RUNTIME },
        },
        ResultSelector: {
          "modelArtifacts.$": "$.ModelArtifacts.S3ModelArtifacts",
          "status.$": "$.TrainingJobStatus",
        },
        ResultPath: "$.train",
        TimeoutSeconds: TRAIN_TIMEOUT,
        Catch: caught(S.trainFailed),
        Next: S.createModel,
      },
      [S.createModel]: {
        Type: "Task",
        Comment: "A model of the training job's artefact, for the batch transform.",
        Resource: segmentIntegrations.createModel,
        Parameters: {
          "ModelName.$": "$.export.jobName",
          ExecutionRoleArn: p.sagemakerRoleArn,
          PrimaryContainer: { Image: p.kmeansImage, "ModelDataUrl.$": "$.train.modelArtifacts" },
        },
        ResultSelector: { "modelArn.$": "$.ModelArn" },
        ResultPath: "$.model",
        Catch: caught(S.createModelFailed),
        Next: S.transform,
      },
      [S.transform]: {
        Type: "Task",
        Comment:
          "Score every user line by line: the id column is filtered out of what the model sees and joined back in front of its answer (closest_cluster, distance_to_cluster).",
        Resource: segmentIntegrations.createTransformJobSync,
        Parameters: {
          "TransformJobName.$": "$.export.jobName",
          "ModelName.$": "$.export.jobName",
          BatchStrategy: "MultiRecord",
          MaxPayloadInMB: 6,
          TransformInput: {
            ContentType: TRANSFORM_CONTENT_TYPE,
            SplitType: "Line",
            CompressionType: "None",
            DataSource: {
              S3DataSource: { S3DataType: "S3Prefix", "S3Uri.$": "$.export.scoreUri" },
            },
          },
          TransformOutput: {
            "S3OutputPath.$": "$.export.transformUri",
            Accept: TRANSFORM_ACCEPT,
            AssembleWith: "Line",
          },
          TransformResources: {
            InstanceCount: 1,
            InstanceType: p.transformInstanceType ?? "ml.m5.large",
          },
          DataProcessing: DATA_PROCESSING,
        },
        ResultSelector: { "status.$": "$.TransformJobStatus" },
        ResultPath: "$.transform",
        TimeoutSeconds: TRANSFORM_TIMEOUT,
        Catch: caught(S.transformFailed),
        Next: S.load,
      },
      [S.load]: {
        ...lambda(p.loadFunctionArn, {
          "export.$": "$.export",
          "executionArn.$": "$$.Execution.Id",
        }),
        Comment:
          "Read ml/segments/<run>/transform/*.out; centroids = the mean of each segment's rows; labels; COPY into segments; write ml/models/<run>/model.json; finish the run; then ml/segments/_loaded/<run>.json, whose Object Created event starts the Salesforce sync.",
        ResultSelector: {
          "rows.$": "$.Payload.rows",
          "k.$": "$.Payload.k",
          "inertia.$": "$.Payload.inertia",
          "sizes.$": "$.Payload.sizes",
          "modelKey.$": "$.Payload.modelKey",
          "resultKey.$": "$.Payload.resultKey",
        },
        ResultPath: "$.load",
        Catch: caught(S.loadFailed),
        Next: S.done,
      },
      [S.done]: { Type: "Succeed" },
      [S.exportFailed]: failedIn("exporting the features"),
      [S.trainFailed]: failedIn("training (SageMaker)"),
      [S.createModelFailed]: failedIn("creating the model (SageMaker)"),
      [S.transformFailed]: failedIn("scoring (SageMaker batch transform)"),
      [S.loadFailed]: failedIn("loading the segments"),
      [S.reportFailure]: {
        ...lambda(p.failureFunctionArn, { "state.$": "$", "executionArn.$": "$$.Execution.Id" }),
        Comment:
          "Record the failed run with what failed and why (a job's FailureReason), drop the export's scratch table, alert.",
        ResultSelector: { "runId.$": "$.Payload.runId", "error.$": "$.Payload.error" },
        ResultPath: "$.failure",
        Next: S.failed,
      },
      [S.failed]: { Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.failure.error" },
    },
  };
}
