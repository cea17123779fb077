// Flow 5, segmentation: an EventBridge Scheduler schedule starts the ML state machine once a day
// (packages/core/src/segment/sagemaker/asl.ts — the definition the tests execute): Export
// (Lambda: the run, features.ts's features imputed in SQL and UNLOADed by Redshift to ml/features/)
// → SageMaker's built-in k-means trains (.sync) → a model → a batch transform scores every user into
// ml/segments/, the id carried through → Load (Lambda: centroids from the assignments, numbered and
// labelled as the local pipeline does, _cdp.segments through store.ts, the run); any failure → ReportFailure (Lambda). Every role gets only what its step touches: its
// statements come from packages/core/src/segment/sagemaker/iam.ts (checked against every call by
// packages/functions/test/segment-iam.test.ts); Redshift's role writes ml/features/
// (warehouse/iam.ts).
import { SegmentState, segmentStateMachine } from "../packages/core/src/segment/sagemaker/asl";
import {
  ecrRepositoryArn,
  segmentLakeStatements,
  segmentMachineLinkStatements,
  segmentMachineRoleStatements,
  segmentSageMakerRoleStatements,
  segmentScheduleStatements,
} from "../packages/core/src/segment/sagemaker/iam";
import { alerts } from "./alerts";
import { afterMigration, opsStore } from "./database";
import { handlerProps } from "./handler";
import { grants, linkable, place, serviceRole } from "./iam";
import { alertWebhookUrl } from "./secrets";
import { stageSettings } from "./stage";
import { bucket } from "./storage";
import { warehouse } from "./warehouse";

/** SageMaker's job and model names start with this (the machine's grants are on it). */
const jobPrefix = `${$app.name}-${$app.stage}-seg`
  .toLowerCase()
  .replace(/[^a-z0-9-]+/g, "-")
  .slice(0, 30)
  .replace(/-+$/, "");

/**
 * The region's built-in k-means image (`<account>.dkr.ecr.<region>.amazonaws.com/kmeans:1`): the
 * provider knows the registry account of each region.
 */
const kmeansImage = aws.sagemaker.getPrebuiltEcrImageOutput({
  repositoryName: "kmeans",
  imageTag: "1",
}).registryPath;

// ── The lake as the segment functions use it ─────────────────────────────────────────────────

/** Linked by the segment functions as Resource.SegmentLake (the DataLake bucket's name). */
export const segmentLake = linkable(
  "SegmentLake",
  { name: bucket.name },
  grants(segmentLakeStatements, { bucketArn: bucket.arn }),
);

// ── The three Lambdas ───────────────────────────────────────────────────────────────────────

export const exportFunction = new sst.aws.Function(
  "SegmentExport",
  {
    ...handlerProps(
      "segment-export",
      "CDP segment: record the run, UNLOAD the features for SageMaker",
    ),
    link: [segmentLake, warehouse, opsStore, alertWebhookUrl, alerts],
  },
  afterMigration,
);

export const loadFunction = new sst.aws.Function(
  "SegmentLoad",
  {
    ...handlerProps("segment-load", "CDP segment: centroids, labels, the segments table, the run"),
    link: [segmentLake, warehouse, opsStore, alertWebhookUrl, alerts],
  },
  afterMigration,
);

export const failureFunction = new sst.aws.Function(
  "SegmentFailure",
  {
    ...handlerProps("segment-failure", "CDP segment: record a failed step and why, alert"),
    link: [segmentLake, warehouse, opsStore, alertWebhookUrl, alerts],
  },
  afterMigration,
);

// ── The role SageMaker assumes for the training job, the model and the transform job ─────────

const sagemakerRole = serviceRole("SegmentSageMakerRole", {
  service: "sagemaker.amazonaws.com",
  description:
    "CDP segment: SageMaker k-means reads ml/features/, writes ml/models/ and ml/segments/",
  policyName: "segment-sagemaker",
  statements: grants(segmentSageMakerRoleStatements, {
    bucketArn: bucket.arn,
    kmeansRepositoryArn: kmeansImage.apply(ecrRepositoryArn),
    ...place,
  }),
});

// ── The state machine, from the core builder ────────────────────────────────────────────────

const machineName = `${$app.name}-${$app.stage}-segment`;

const machineRole = serviceRole("SegmentMachineRole", {
  service: "states.amazonaws.com",
  policyName: "segment-machine",
  statements: grants(segmentMachineRoleStatements, {
    functionArns: [exportFunction.arn, loadFunction.arn, failureFunction.arn],
    sagemakerRoleArn: sagemakerRole.arn,
    jobPrefix,
    ...place,
  }),
});

const stateMachine = new aws.sfn.StateMachine("SegmentMachine", {
  name: machineName,
  roleArn: machineRole.arn,
  definition: $resolve([
    exportFunction.arn,
    loadFunction.arn,
    failureFunction.arn,
    sagemakerRole.arn,
    kmeansImage,
  ]).apply(([exportFunctionArn, loadFunctionArn, failureFunctionArn, sagemakerRoleArn, image]) =>
    JSON.stringify(
      segmentStateMachine({
        exportFunctionArn,
        loadFunctionArn,
        failureFunctionArn,
        sagemakerRoleArn,
        kmeansImage: image,
        jobPrefix,
      }),
    ),
  ),
});

/** Linked by the console (runs list, retry): the machine and what operating it needs. */
export const segmentMachine = linkable(
  "SegmentMachine",
  { arn: stateMachine.arn, name: stateMachine.name, firstState: SegmentState.export },
  grants(segmentMachineLinkStatements, { stateMachineArn: stateMachine.arn }),
);

// ── Daily: EventBridge Scheduler starts an execution with the default arguments ───────────────

const scheduleRole = serviceRole("SegmentScheduleRole", {
  service: "scheduler.amazonaws.com",
  policyName: "start-segment",
  statements: grants(segmentScheduleStatements, { stateMachineArn: stateMachine.arn }),
});

new aws.scheduler.Schedule("SegmentDaily", {
  description: "CDP segment: the daily user segmentation (SageMaker k-means)",
  // Per stage (infra/stage.ts): daily at 02:00 UTC after the night's loads; weekly on dev.
  scheduleExpression: stageSettings($app.stage).schedules.segment,
  scheduleExpressionTimezone: "UTC",
  flexibleTimeWindow: { mode: "OFF" },
  target: {
    arn: stateMachine.arn,
    roleArn: scheduleRole.arn,
    // The run's arguments (segment/sagemaker/machine.ts): the defaults — k auto, standardised.
    input: JSON.stringify({}),
  },
});

export const outputs = {
  segmentStateMachineArn: stateMachine.arn,
  segmentKmeansImage: kmeansImage,
};
