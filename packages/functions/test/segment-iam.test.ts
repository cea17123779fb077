// Every AWS call the deployed segmentation makes, checked against the IAM policy of the role that
// makes it — as cdc-iam.test.ts does for flow 4. The daily schedule starts the ML state machine;
// its Lambdas run as deployed (Resource links, S3, the Redshift Data API with UNLOAD and COPY as the
// warehouse's role, the ops store through the RDS Data API, SNS); the SageMaker tasks record what
// Step Functions asks of SageMaker, IAM and EventBridge as the machine's role, and what SageMaker
// does as its own role (pull the image, read the features, write the artefact and the output,
// logs), the work itself done by the local k-means twin over the same S3 stand-in. All on mocked
// SDK clients (no AWS here); each call is evaluated by iam-simulate against the policy built from
// the core builders infra/ml.ts uses — and a few calls the flow must never be allowed are denied.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { retentionOf } from "@cdp/core/lake/retention";
import { s3Lake } from "@cdp/core/lake/s3";
import { SegmentState as S, segmentStateMachine } from "@cdp/core/segment/sagemaker/asl";
import {
  segmentLakeStatements,
  segmentMachineRoleStatements,
  segmentSageMakerRoleStatements,
  segmentScheduleStatements,
} from "@cdp/core/segment/sagemaker/iam";
import { localSageMaker } from "@cdp/core/segment/sagemaker/local-sagemaker";
import { bucketArn, type PolicyDocument, policyDocument, type Statement } from "@cdp/core/util/iam";
import { openPglite } from "@cdp/core/warehouse/pglite";
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { fakeNotifications, fakeS3, Recorder } from "../../../test/support/aws-record";
import { fakeRdsData, fakeRedshiftData } from "../../../test/support/aws-sql-fakes";
import * as stage from "../../../test/support/iam-deployment";
import {
  awsCall,
  denials,
  describeDenial,
  iamMappings,
  wildcards,
} from "../../../test/support/iam-eval";
import {
  asLambdaInvoke,
  type Execution,
  executeLocally,
  type Json,
} from "../../../test/support/local-sfn";

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const { place } = stage;
const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${place.region}:${place.account}:${resource}`;

// The segment flow's part of the stage (infra/ml.ts), beside test/support/iam-deployment.ts's.
const MACHINE_NAME = "cdp-test-segment";
const MACHINE_ARN = arn("states", `stateMachine:${MACHINE_NAME}`);
const JOB_PREFIX = "cdp-test-seg";
const KMEANS_IMAGE = `438346466558.dkr.ecr.${place.region}.amazonaws.com/kmeans:1`;
const KMEANS_REPOSITORY = `arn:aws:ecr:${place.region}:438346466558:repository/kmeans`;
const SAGEMAKER_ROLE = `arn:aws:iam::${place.account}:role/cdp-test-SegmentSageMakerRole-x1`;
const FUNCTION_ARNS = {
  SegmentExport: arn("lambda", "function:cdp-test-SegmentExport-x1"),
  SegmentLoad: arn("lambda", "function:cdp-test-SegmentLoad-x1"),
  SegmentFailure: arn("lambda", "function:cdp-test-SegmentFailure-x1"),
};
const lake = bucketArn(stage.BUCKET);
const segmentLinks = ["SegmentLake", "Warehouse", "OpsStore", "AlertWebhookUrl", "Alerts"];
const links: Record<string, { properties: Record<string, unknown>; statements: Statement[] }> = {
  ...stage.links,
  SegmentLake: {
    properties: { name: stage.BUCKET },
    statements: segmentLakeStatements({ bucketArn: lake }),
  },
};
const functionPolicy = () => segmentLinks.flatMap((l) => links[l]!.statements);
const serviceRoles = {
  SegmentMachineRole: segmentMachineRoleStatements({
    ...place,
    functionArns: Object.values(FUNCTION_ARNS),
    sagemakerRoleArn: SAGEMAKER_ROLE,
    jobPrefix: JOB_PREFIX,
  }),
  SegmentSageMakerRole: segmentSageMakerRoleStatements({
    ...place,
    bucketArn: lake,
    kmeansRepositoryArn: KMEANS_REPOSITORY,
  }),
  SegmentScheduleRole: segmentScheduleStatements({ stateMachineArn: MACHINE_ARN }),
};
const roles = [...Object.keys(FUNCTION_ARNS), ...Object.keys(serviceRoles), "WarehouseCopyRole"];
const policies: Record<string, PolicyDocument> = {
  ...Object.fromEntries(
    Object.keys(FUNCTION_ARNS).map((f) => [f, policyDocument(functionPolicy())]),
  ),
  ...Object.fromEntries(Object.entries(serviceRoles).map(([r, s]) => [r, policyDocument(s)])),
  WarehouseCopyRole: policyDocument(stage.serviceRoles.WarehouseCopyRole!.statements),
  OpsMigrate: policyDocument(stage.roleStatements().OpsMigrate!),
};
/** Actions that take no resource (Step Functions' own SageMaker policy templates; ECR's token). */
const starAllowed = {
  ...stage.starAllowed,
  "sagemaker:ListTags": "as Step Functions' policy templates for its SageMaker integrations",
  "ecr:GetAuthorizationToken": "takes no resource; the image pulls name the repository",
};

// The IAM requests of the calls only this flow makes (iam-eval.ts maps the rest).
const sm = (kind: string, name: string) => arn("sagemaker", `${kind}/${name.toLowerCase()}`);
Object.assign(iamMappings, {
  sagemaker: Object.fromEntries(
    [
      ["CreateTrainingJob", "training-job"],
      ["DescribeTrainingJob", "training-job"],
      ["CreateModel", "model"],
      ["CreateTransformJob", "transform-job"],
      ["DescribeTransformJob", "transform-job"],
    ].map(([op, kind]) => [
      op,
      (i: { Name: string }) => [{ action: `sagemaker:${op}`, resource: sm(kind!, i.Name) }],
    ]),
  ),
  iam: {
    PassRole: (i: { RoleArn: string; Service: string }) => [
      {
        action: "iam:PassRole",
        resource: i.RoleArn,
        context: { "iam:PassedToService": i.Service },
      },
    ],
  },
  events: Object.fromEntries(
    ["PutRule", "PutTargets", "DescribeRule"].map((op) => [
      op,
      (i: { Rule: string }) => [
        { action: `events:${op}`, resource: arn("events", `rule/${i.Rule}`) },
      ],
    ]),
  ),
  ecr: {
    GetAuthorizationToken: () => [{ action: "ecr:GetAuthorizationToken", resource: "*" }],
    ...Object.fromEntries(
      ["BatchCheckLayerAvailability", "GetDownloadUrlForLayer", "BatchGetImage"].map((op) => [
        op,
        (i: { Repository: string }) => [{ action: `ecr:${op}`, resource: i.Repository }],
      ]),
    ),
  },
});
iamMappings.sagemaker!.ListTags = (i) => [
  { action: "sagemaker:ListTags", resource: String(i.ResourceArn) },
];
iamMappings.logs!.DescribeLogStreams = (i) => [
  {
    action: "logs:DescribeLogStreams",
    resource: arn("logs", `log-group:${i.logGroupName}`),
  },
];
iamMappings.cloudwatch!.PutMetricData = (i) => [
  {
    action: "cloudwatch:PutMetricData",
    resource: "*",
    ...(i.Namespace ? { context: { "cloudwatch:namespace": String(i.Namespace) } } : {}),
  },
];

const rec = new Recorder();
const linked: Record<string, unknown> = {};
(globalThis as { __SST_RESOURCE_RAW__?: object }).__SST_RESOURCE_RAW__ = linked;
function runAs<T>(fn: string, links_: string[], work: () => Promise<T>): Promise<T> {
  return rec.as(fn, async () => {
    for (const k of Object.keys(linked)) delete linked[k];
    linked.App = { name: "cdp", stage: "test" };
    for (const l of links_) linked[l] = links[l]!.properties;
    return work();
  });
}

const definition = segmentStateMachine({
  exportFunctionArn: FUNCTION_ARNS.SegmentExport,
  loadFunctionArn: FUNCTION_ARNS.SegmentLoad,
  failureFunctionArn: FUNCTION_ARNS.SegmentFailure,
  sagemakerRoleArn: SAGEMAKER_ROLE,
  kmeansImage: KMEANS_IMAGE,
  jobPrefix: JOB_PREFIX,
});
/** What the daily schedule sends: the defaults (features.ts's features of public.customers). */
const SCHEDULED_INPUT = {};

describe("every AWS call the deployed segmentation makes is allowed to the role that makes it (AWS SDK mocked; IAM evaluated by iam-simulate)", () => {
  let warehouseDb: PGlite;
  let opsDb: PGlite;
  let s3: ReturnType<typeof fakeS3>;
  const executions: Record<string, Execution> = {};
  const stubs: { restore(): void }[] = [];

  beforeAll(async () => {
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, "write").mockImplementation(
      ((chunk: unknown, ...rest: never[]) =>
        String(chunk).startsWith('{"_aws"') || write(chunk as string, ...rest)) as never,
    );
    process.env.AWS_REGION = place.region;
    process.env.LAMBDA_TASK_ROOT = root("packages/core");
    warehouseDb = await openPglite();
    opsDb = await openPglite();
    s3 = fakeS3(rec, stage.BUCKET);
    const notifications = fakeNotifications(rec, {
      [stage.CONSOLE_URL_PARAMETER]: "https://console.example.com",
    });
    stubs.push(
      s3.stub,
      notifications.sns,
      notifications.ssm,
      fakeRedshiftData(rec, {
        db: warehouseDb,
        s3,
        roleNames: { [stage.COPY_ROLE]: "WarehouseCopyRole" },
      }),
      fakeRdsData(rec, opsDb),
    );
    // Two of features.ts's default features have their columns; the others are skipped, said why.
    await warehouseDb.exec(`
      CREATE TABLE public.customers (user_id text PRIMARY KEY, total_spend numeric, orders_count integer);
      INSERT INTO public.customers SELECT 'u' || i, CASE WHEN i % 2 = 0 THEN 10 + i ELSE 900 + i END,
        CASE WHEN i % 2 = 0 THEN 1 ELSE 40 END FROM generate_series(1, 40) AS i;`);
    const migrate = (await import("../src/handlers/ops-migrate")).handler;
    const handlers = {
      export: (await import("../src/handlers/segment-export")).handler,
      load: (await import("../src/handlers/segment-load")).handler,
      failure: (await import("../src/handlers/segment-failure")).handler,
    };
    await runAs("OpsMigrate", ["OpsStore"], () => migrate());

    let failTraining: string | null = null;
    const twin = localSageMaker(
      { lake: s3Lake(stage.BUCKET), bucket: stage.BUCKET },
      { ...place, failTraining: () => failTraining },
    );
    const asMachine = (calls: [string, string, object][]) =>
      rec.as("SegmentMachineRole", async () => {
        for (const [service, op, input] of calls) rec.record(service, op, input);
      });
    const asSageMaker = (jobs: string) =>
      rec.as("SegmentSageMakerRole", async () => {
        rec.record("ecr", "GetAuthorizationToken", {});
        for (const op of ["BatchCheckLayerAvailability", "GetDownloadUrlForLayer", "BatchGetImage"])
          rec.record("ecr", op, { Repository: KMEANS_REPOSITORY });
        const logGroupName = `/aws/sagemaker/${jobs}`;
        for (const op of [
          "CreateLogGroup",
          "DescribeLogStreams",
          "CreateLogStream",
          "PutLogEvents",
        ])
          rec.record("logs", op, { logGroupName, logStreamName: "algo-1" });
        rec.record("cloudwatch", "PutMetricData", { Namespace: logGroupName });
      });
    const passRole = [
      "iam",
      "PassRole",
      { RoleArn: SAGEMAKER_ROLE, Service: "sagemaker.amazonaws.com" },
    ];
    const lambda =
      (fn: keyof typeof FUNCTION_ARNS, handler: (payload: never) => Promise<unknown>) =>
      async (input: Json) => {
        const i = input as { FunctionName: string; Payload: never };
        await asMachine([["lambda", "Invoke", i]]);
        return asLambdaInvoke(runAs(fn, segmentLinks, () => handler(i.Payload)));
      };
    const sagemakerTask =
      (jobs: string, kind: string, create: (req: never) => Promise<object>) =>
      async (input: Json) => {
        const req = input as Record<string, string>;
        const name = req.TrainingJobName ?? req.TransformJobName ?? req.ModelName!;
        const op = {
          "training-job": "TrainingJob",
          model: "Model",
          "transform-job": "TransformJob",
        }[kind]!;
        await asMachine([
          passRole as [string, string, object],
          ["sagemaker", `Create${op}`, { Name: name }],
          ...(kind === "model"
            ? []
            : ([
                ["sagemaker", `Describe${op}`, { Name: name }],
                ["sagemaker", "ListTags", { ResourceArn: sm(kind, name) }],
                ...["PutRule", "PutTargets", "DescribeRule"].map((o) => [
                  "events",
                  o,
                  { Rule: `StepFunctionsGetEventsForSageMaker${jobs}Rule` },
                ]),
              ] as [string, string, object][])),
        ]);
        if (kind === "model") return (await create(input as never)) as Json;
        await asSageMaker(jobs);
        return (await rec.as("SegmentSageMakerRole", () => create(input as never))) as Json;
      };
    const bound = {
      [S.export]: lambda("SegmentExport", handlers.export as never),
      [S.train]: sagemakerTask("TrainingJobs", "training-job", twin.createTrainingJob),
      [S.createModel]: sagemakerTask("", "model", twin.createModel),
      [S.transform]: sagemakerTask("TransformJobs", "transform-job", twin.createTransformJob),
      [S.load]: lambda("SegmentLoad", handlers.load as never),
      [S.reportFailure]: lambda("SegmentFailure", handlers.failure as never),
    };
    async function scheduled(name: string) {
      await rec.as("SegmentScheduleRole", async () =>
        rec.record("states", "StartExecution", { stateMachineArn: MACHINE_ARN }),
      );
      executions[name] = await executeLocally(definition, SCHEDULED_INPUT, bound, {
        stateMachineName: MACHINE_NAME,
        executionName: name,
      });
    }
    await scheduled("daily-1");
    failTraining = "AlgorithmError: out of memory";
    await scheduled("daily-2");
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    for (const s of stubs) s.restore();
    await warehouseDb?.close();
    await opsDb?.close();
  });

  test("the runs went as an operator would see them: segments loaded, a failed training reported", async () => {
    expect(executions["daily-1"]?.path.at(-1), executions["daily-1"]?.cause ?? "").toBe(S.done);
    expect(executions["daily-2"]).toMatchObject({
      status: "FAILED",
      cause: "training (SageMaker) failed: AlgorithmError: out of memory",
    });
    const rows = await warehouseDb.query<{ n: number; k: number }>(
      "SELECT count(*)::int AS n, count(DISTINCT segment)::int AS k FROM _cdp.segments",
    );
    expect(rows.rows).toEqual([{ n: 40, k: 2 }]);
    // The loaded run's marker (what starts the Salesforce sync), and none for the failed run.
    expect(s3.keys().filter((k) => k.startsWith("ml/segments/_loaded/"))).toHaveLength(1);
    // Labelled in words by explain.ts from the centroids in the features' own units.
    const labels = await warehouseDb.query<{ segment: number; label: string }>(
      "SELECT DISTINCT segment, label FROM _cdp.segments ORDER BY segment",
    );
    expect(labels.rows.map((r) => r.label).sort()).toEqual(
      ["one order or none, very low spend", "20+ orders, high spend"].sort(),
    );
    expect(rec.calls.some((c) => c.principal === "SegmentFailure" && c.service === "sns")).toBe(
      true,
    );
  });

  test.each(roles)("%s: every call it made is allowed by its policy", async (role) => {
    const made = rec.calls.filter((c) => c.principal === role);
    expect(made.length, `${role} made no call: the flow above doesn't exercise it`).toBeGreaterThan(
      0,
    );
    const denied = await denials(made, policies, stage.deployment);
    expect(denied.map(describeDenial)).toEqual([]);
  });

  test("nothing broader: what the flow must never do is denied", async () => {
    const call = awsCall;
    const refused = [
      // SageMaker reads no other prefix, and never writes the features it trains on.
      call("SegmentSageMakerRole", "s3", "GetObject", { Bucket: stage.BUCKET, Key: "inbox/x.csv" }),
      call("SegmentSageMakerRole", "s3", "PutObject", {
        Bucket: stage.BUCKET,
        Key: "ml/features/r/train/part_000",
      }),
      call("SegmentSageMakerRole", "ecr", "BatchGetImage", {
        Repository: `arn:aws:ecr:${place.region}:123456789012:repository/other`,
      }),
      // The machine makes jobs only under the stage's prefix, and passes its role to SageMaker only.
      call("SegmentMachineRole", "sagemaker", "CreateTrainingJob", { Name: "someone-elses-job" }),
      call("SegmentMachineRole", "iam", "PassRole", {
        RoleArn: SAGEMAKER_ROLE,
        Service: "ec2.amazonaws.com",
      }),
      // Redshift's role writes the features, never the segments SageMaker writes.
      call("WarehouseCopyRole", "s3", "PutObject", {
        Bucket: stage.BUCKET,
        Key: "ml/segments/r/x.out",
      }),
      // The Lambdas never write what SageMaker reads.
      call("SegmentExport", "s3", "PutObject", {
        Bucket: stage.BUCKET,
        Key: "ml/features/r/train/part_000",
      }),
    ];
    const denied = await denials(refused, policies, stage.deployment);
    expect(denied.map((d) => `${d.principal} ${d.action} ${d.resource}`)).toHaveLength(
      refused.length,
    );
  });

  test("no role grants a wildcard action, or a wildcard resource beyond a trailing prefix, outside the allow-list", () => {
    const found = Object.entries(policies).flatMap(([role, p]) =>
      wildcards(p, starAllowed).map((w) => `${role}: ${w}`),
    );
    expect(found).toEqual([]);
  });

  test("every key the flow wrote falls under a lifecycle rule", () => {
    const keys = s3.keys();
    expect(keys.some((k) => k.startsWith("ml/segments/"))).toBe(true);
    expect(keys.filter((k) => !retentionOf(k))).toEqual([]);
  });

  test("infra/ml.ts builds each role and link from the builders evaluated here and links the functions as here", () => {
    const infra = readFileSync(root("infra/ml.ts"), "utf8");
    const builderOf = (call: string, name: string) =>
      new RegExp(`${call}\\(\\s*"${name}",[\\s\\S]*?grants\\((\\w+)`).exec(infra)?.[1] ?? null;
    expect(builderOf("linkable", "SegmentLake")).toBe(segmentLakeStatements.name);
    expect(builderOf("serviceRole", "SegmentMachineRole")).toBe(segmentMachineRoleStatements.name);
    expect(builderOf("serviceRole", "SegmentSageMakerRole")).toBe(
      segmentSageMakerRoleStatements.name,
    );
    expect(builderOf("serviceRole", "SegmentScheduleRole")).toBe(segmentScheduleStatements.name);
    const flat = infra.replace(/\s+/g, "").replace(/,]/g, "]");
    const camel = (s: string) => s[0]!.toLowerCase() + s.slice(1);
    expect(flat.split(`link:[${segmentLinks.map(camel).join(",")}]`)).toHaveLength(4);
    // New code never meets the old schema: the functions are updated after the migration.
    expect(infra.match(/\n\s+afterMigration,\n\s*\)/g)).toHaveLength(3);
  });
});

afterAll(() => {
  delete (globalThis as { __SST_RESOURCE_RAW__?: object }).__SST_RESOURCE_RAW__;
});
