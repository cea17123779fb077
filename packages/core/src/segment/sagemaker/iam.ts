// Who may do what in flow 5 (segmentation on SageMaker), as plain IAM statements from plain ARNs:
// the segment Lambdas' lake access, the state machine's role (its Lambdas, SageMaker's jobs and
// model by the stage's name prefix, passing the SageMaker role), the role SageMaker assumes, the
// daily schedule's role, and what the console is granted to operate the machine. infra/ml.ts builds
// the roles and links from these; packages/functions/test/segment-iam.test.ts evaluates every AWS
// call the deployed flow makes against them. The warehouse's COPY/UNLOAD role writes ml/features/
// (warehouse/iam.ts).
import { ingestMachineLinkStatements } from "../../ingest/iam";
import { arnIn, objectArns, type Place, type Statement } from "../../util/iam";
import { LOADED_PREFIX } from "./io";

/**
 * The lake as the segment Lambdas use it: Export clears its run's ml/features/ folder (Redshift
 * writes it); Load reads the transform output under ml/segments/, writes the model JSON under
 * ml/models/ and the COPY file under staging/ (then deletes both the COPY file and the run's
 * features), and last the run's loaded marker under ml/segments/_loaded/ (io.ts).
 */
export function segmentLakeStatements(a: { bucketArn: string }): Statement[] {
  return [
    { actions: ["s3:GetObject"], resources: objectArns(a.bucketArn, "ml/segments/") },
    {
      actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
      resources: objectArns(a.bucketArn, "ml/models/", "staging/", LOADED_PREFIX),
    },
    {
      actions: ["s3:DeleteObject"],
      resources: objectArns(a.bucketArn, "ml/features/", "staging/"),
    },
    {
      actions: ["s3:ListBucket"],
      resources: [a.bucketArn],
      conditions: [
        { test: "StringLike", variable: "s3:prefix", values: ["ml/features/*", "ml/segments/*"] },
      ],
    },
  ];
}

/** SageMaker's resources whose name starts with the stage's prefix. */
const named = (a: Place & { jobPrefix: string }, kind: string) =>
  arnIn(a, "sagemaker", `${kind}/${a.jobPrefix}*`);

/**
 * The state machine's role: invoke its three Lambdas; create, wait on (.sync polls Describe* and
 * listens through an EventBridge rule Step Functions manages) and stop the run's training and
 * transform jobs, create its model — all by the stage's name prefix — and pass the SageMaker role
 * to SageMaker only. As Step Functions' own policy templates for these integrations
 * (Step Functions Developer Guide, "IAM policies for Amazon SageMaker AI"): ListTags takes "*".
 */
export function segmentMachineRoleStatements(
  a: Place & { functionArns: string[]; sagemakerRoleArn: string; jobPrefix: string },
): Statement[] {
  return [
    {
      actions: ["lambda:InvokeFunction"],
      resources: [...a.functionArns, ...a.functionArns.map((arn) => `${arn}:*`)],
    },
    {
      actions: [
        "sagemaker:CreateTrainingJob",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:StopTrainingJob",
      ],
      resources: [named(a, "training-job")],
    },
    { actions: ["sagemaker:CreateModel"], resources: [named(a, "model")] },
    {
      actions: [
        "sagemaker:CreateTransformJob",
        "sagemaker:DescribeTransformJob",
        "sagemaker:StopTransformJob",
      ],
      resources: [named(a, "transform-job")],
    },
    { actions: ["sagemaker:ListTags"], resources: ["*"] },
    {
      actions: ["iam:PassRole"],
      resources: [a.sagemakerRoleArn],
      conditions: [
        {
          test: "StringEquals",
          variable: "iam:PassedToService",
          values: ["sagemaker.amazonaws.com"],
        },
      ],
    },
    {
      actions: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
      resources: [
        arnIn(a, "events", "rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule"),
        arnIn(a, "events", "rule/StepFunctionsGetEventsForSageMakerTransformJobsRule"),
      ],
    },
  ];
}

/**
 * `<account>.dkr.ecr.<region>.amazonaws.com/kmeans:1` → the repository's ARN, which the
 * SageMaker role may pull from (and nothing else: scoped as SageMaker Roles, "CreateTrainingJob
 * API: Execution Role Permissions", suggests).
 */
export function ecrRepositoryArn(imageUri: string): string {
  const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(imageUri);
  if (!m) throw new Error(`not an ECR image URI: ${imageUri}`);
  const partition = imageUri.includes(".amazonaws.com.cn/") ? "aws-cn" : "aws";
  return `arn:${partition}:ecr:${m[2]}:${m[1]}:repository/${m[3]}`;
}

/**
 * The role SageMaker assumes for the training job, the model and the transform job: read the
 * run's features and the model artefact, write the artefact and the transform output, pull the
 * built-in k-means image, write its logs and metrics (SageMaker Roles: CreateTrainingJob,
 * CreateModel execution role permissions).
 */
export function segmentSageMakerRoleStatements(
  a: Place & { bucketArn: string; kmeansRepositoryArn: string },
): Statement[] {
  return [
    { actions: ["s3:GetObject"], resources: objectArns(a.bucketArn, "ml/features/", "ml/models/") },
    {
      actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
      resources: objectArns(a.bucketArn, "ml/models/", "ml/segments/"),
    },
    {
      actions: ["s3:ListBucket"],
      resources: [a.bucketArn],
      conditions: [
        { test: "StringLike", variable: "s3:prefix", values: ["ml/features/*", "ml/models/*"] },
      ],
    },
    // Takes no resource: the token opens the registry; the pulls below name the repository.
    { actions: ["ecr:GetAuthorizationToken"], resources: ["*"] },
    {
      actions: [
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
      ],
      resources: [a.kmeansRepositoryArn],
    },
    {
      actions: [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogStreams",
      ],
      resources: ["TrainingJobs", "TransformJobs"].flatMap((jobs) => [
        arnIn(a, "logs", `log-group:/aws/sagemaker/${jobs}`),
        arnIn(a, "logs", `log-group:/aws/sagemaker/${jobs}:*`),
      ]),
    },
    {
      actions: ["cloudwatch:PutMetricData"],
      resources: ["*"],
      conditions: [
        { test: "StringLike", variable: "cloudwatch:namespace", values: ["/aws/sagemaker/*"] },
      ],
    },
  ];
}

/** The daily schedule's role (EventBridge Scheduler): start an execution of this machine. */
export function segmentScheduleStatements(a: { stateMachineArn: string }): Statement[] {
  return [{ actions: ["states:StartExecution"], resources: [a.stateMachineArn] }];
}

/** Linked by the console (runs list, retry): operate the machine's executions. */
export function segmentMachineLinkStatements(a: { stateMachineArn: string }): Statement[] {
  return ingestMachineLinkStatements(a);
}
