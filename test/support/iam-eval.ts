// From recorded AWS calls (aws-record.ts) to IAM decisions: each call becomes the IAM requests AWS
// authorizes for it (action, resource ARN, the context keys that matter), and each request is
// evaluated against the policy of the role that made it by @cloud-copilot/iam-simulate, which
// carries AWS's catalogue of actions, resource types and condition keys.
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { PolicyDocument } from "../../packages/core/src/util/iam";
import type { AwsCall } from "./aws-record";

export interface IamRequest {
  action: string;
  resource: string;
  context?: Record<string, string>;
}

export interface Deployment {
  region: string;
  account: string;
  /** Redshift Serverless workgroup name → ARN (the Data API is called by name). */
  workgroups: Record<string, string>;
}

const s3Object = (bucket: unknown, key: unknown) => `arn:aws:s3:::${bucket}/${key}`;
const s3Bucket = (bucket: unknown) => `arn:aws:s3:::${bucket}`;

/** CopySource is `bucket/url-encoded key`. */
const copySource = (source: unknown) => {
  const [bucket, ...key] = String(source).split("/");
  return s3Object(bucket, decodeURIComponent(key.join("/")));
};

type Mapping = (input: Record<string, unknown>, d: Deployment, call: AwsCall) => IamRequest[];

const s3Read: Mapping = (i, _d, call) => [
  { action: "s3:GetObject", resource: s3Object(i.Bucket, i.Key) },
  // S3 answers a missing key with 404 only to a caller who may list the bucket; else with 403.
  ...(call.missing ? [{ action: "s3:ListBucket", resource: s3Bucket(i.Bucket) }] : []),
];
const s3Write: Mapping = (i) => [{ action: "s3:PutObject", resource: s3Object(i.Bucket, i.Key) }];
const dataApi =
  (action: string): Mapping =>
  (i, d) => {
    const workgroup = d.workgroups[String(i.WorkgroupName)];
    if (!workgroup) throw new Error(`no workgroup named ${i.WorkgroupName} in this deployment`);
    return [
      { action, resource: workgroup },
      // The Data API reads the secret with the caller's credentials.
      ...(i.SecretArn
        ? [{ action: "secretsmanager:GetSecretValue", resource: String(i.SecretArn) }]
        : []),
    ];
  };
const rdsData =
  (action: string): Mapping =>
  (i) => [
    { action, resource: String(i.resourceArn) },
    { action: "secretsmanager:GetSecretValue", resource: String(i.secretArn) },
  ];
const glueJob =
  (action: string): Mapping =>
  (i, d) => [{ action, resource: `arn:aws:glue:${d.region}:${d.account}:job/${i.JobName}` }];
const onMachine =
  (action: string): Mapping =>
  (i) => [{ action, resource: String(i.stateMachineArn) }];
const onExecution =
  (action: string): Mapping =>
  (i) => [{ action, resource: String(i.executionArn) }];
const anyResource =
  (action: string): Mapping =>
  () => [{ action, resource: "*" }];
const logStream =
  (action: string): Mapping =>
  (i, d) => [
    {
      action,
      resource: `arn:aws:logs:${d.region}:${d.account}:log-group:${i.logGroupName}${i.logStreamName ? `:log-stream:${i.logStreamName}` : ""}`,
    },
  ];

/**
 * service → operation → the IAM requests it makes. Every operation the platform calls is here; a
 * call of one that is not fails the test, so a new call cannot go unchecked.
 */
export const iamMappings: Record<string, Record<string, Mapping>> = {
  s3: {
    HeadObject: s3Read,
    GetObject: s3Read,
    PutObject: s3Write,
    CreateMultipartUpload: s3Write,
    UploadPart: s3Write,
    CompleteMultipartUpload: s3Write,
    AbortMultipartUpload: (i) => [
      { action: "s3:AbortMultipartUpload", resource: s3Object(i.Bucket, i.Key) },
    ],
    CopyObject: (i) => [
      { action: "s3:GetObject", resource: copySource(i.CopySource) },
      { action: "s3:PutObject", resource: s3Object(i.Bucket, i.Key) },
    ],
    UploadPartCopy: (i) => [
      { action: "s3:GetObject", resource: copySource(i.CopySource) },
      { action: "s3:PutObject", resource: s3Object(i.Bucket, i.Key) },
    ],
    DeleteObject: (i) => [{ action: "s3:DeleteObject", resource: s3Object(i.Bucket, i.Key) }],
    ListObjectsV2: (i) => [
      {
        action: "s3:ListBucket",
        resource: s3Bucket(i.Bucket),
        context: { "s3:prefix": String(i.Prefix ?? "") },
      },
    ],
  },
  "redshift-data": {
    ExecuteStatement: dataApi("redshift-data:ExecuteStatement"),
    BatchExecuteStatement: dataApi("redshift-data:BatchExecuteStatement"),
    // No resource: the Data API shows a caller its own statements only.
    DescribeStatement: anyResource("redshift-data:DescribeStatement"),
    GetStatementResult: anyResource("redshift-data:GetStatementResult"),
    CancelStatement: anyResource("redshift-data:CancelStatement"),
  },
  "rds-data": {
    ExecuteStatement: rdsData("rds-data:ExecuteStatement"),
    BatchExecuteStatement: rdsData("rds-data:BatchExecuteStatement"),
    BeginTransaction: rdsData("rds-data:BeginTransaction"),
    CommitTransaction: rdsData("rds-data:CommitTransaction"),
    RollbackTransaction: rdsData("rds-data:RollbackTransaction"),
  },
  sns: { Publish: (i) => [{ action: "sns:Publish", resource: String(i.TopicArn) }] },
  // By ARN: the way DMS names the secret it reads (the endpoint's SecretsManagerSecretId).
  secretsmanager: {
    GetSecretValue: (i) => [
      { action: "secretsmanager:GetSecretValue", resource: String(i.SecretId) },
    ],
  },
  ssm: {
    GetParameter: (i, d) => [
      {
        action: "ssm:GetParameter",
        resource: `arn:aws:ssm:${d.region}:${d.account}:parameter/${String(i.Name).replace(/^\//, "")}`,
      },
    ],
  },
  states: {
    StartExecution: onMachine("states:StartExecution"),
    ListExecutions: onMachine("states:ListExecutions"),
    DescribeExecution: onExecution("states:DescribeExecution"),
    GetExecutionHistory: onExecution("states:GetExecutionHistory"),
    RedriveExecution: onExecution("states:RedriveExecution"),
    StopExecution: onExecution("states:StopExecution"),
  },
  glue: {
    StartJobRun: glueJob("glue:StartJobRun"),
    GetJobRun: glueJob("glue:GetJobRun"),
    GetJobRuns: glueJob("glue:GetJobRuns"),
    BatchStopJobRun: glueJob("glue:BatchStopJobRun"),
  },
  cloudwatch: {
    GetMetricData: anyResource("cloudwatch:GetMetricData"),
    PutMetricData: anyResource("cloudwatch:PutMetricData"),
  },
  lambda: {
    Invoke: (i) => [{ action: "lambda:InvokeFunction", resource: String(i.FunctionName) }],
  },
  logs: {
    CreateLogGroup: logStream("logs:CreateLogGroup"),
    CreateLogStream: logStream("logs:CreateLogStream"),
    PutLogEvents: logStream("logs:PutLogEvents"),
  },
};

export function requestsOf(call: AwsCall, d: Deployment): IamRequest[] {
  const map = iamMappings[call.service]?.[call.operation];
  if (!map) {
    throw new Error(
      `${call.principal} called ${call.service}:${call.operation}, which has no IAM mapping: add it to test/support/iam-eval.ts`,
    );
  }
  return map(call.input, d, call);
}

export interface Denial {
  principal: string;
  operation: string;
  action: string;
  /** The resource, and the context keys that decided, e.g. `… (s3:prefix=rejects/run_x/)`. */
  resource: string;
  result: string;
}

/** A denial in words: `<principal>: <operation> needs <action> on <resource> (<result>)`. */
export function describeDenial(d: Denial): string {
  return `${d.principal}: ${d.operation} needs ${d.action} on ${d.resource} (${d.result})`;
}

/** A call the test writes by hand (one its policy must refuse), shaped as the recorder logs them. */
export function awsCall(
  principal: string,
  service: string,
  operation: string,
  input: object,
): AwsCall {
  return { principal, service, operation, input: input as Record<string, unknown> };
}

/** Evaluate every call against its principal's policy; the requests AWS would refuse. */
export async function denials(
  calls: AwsCall[],
  policies: Record<string, PolicyDocument>,
  d: Deployment,
): Promise<Denial[]> {
  const out: Denial[] = [];
  const seen = new Set<string>();
  for (const call of calls) {
    const policy = policies[call.principal];
    if (!policy) throw new Error(`a call made as ${call.principal}, a role this test doesn't know`);
    for (const r of requestsOf(call, d)) {
      const key = JSON.stringify([call.principal, r]);
      if (seen.has(key)) continue;
      seen.add(key);
      const result = await decide(policy, r, d.account);
      if (result !== "Allowed") {
        out.push({
          principal: call.principal,
          operation: `${call.service}:${call.operation}`,
          action: r.action,
          resource: r.context
            ? `${r.resource} (${Object.entries(r.context)
                .map(([k, v]) => `${k}=${v}`)
                .join(", ")})`
            : r.resource,
          result,
        });
      }
    }
  }
  return out;
}

async function decide(policy: PolicyDocument, r: IamRequest, account: string) {
  const response = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${account}:role/under-test`,
        action: r.action,
        resource: { resource: r.resource, accountId: account },
        contextVariables: r.context ?? {},
      },
      identityPolicies: [{ name: "policy", policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (response.resultType === "error") {
    throw new Error(
      `iam-simulate refused ${r.action} on ${r.resource}: ${JSON.stringify(response.errors)}`,
    );
  }
  return response.overallResult;
}

/** A service principal's call allowed (or not) by a resource's own policy, as for SNS topics. */
export async function decideForService(
  resourcePolicy: object,
  r: IamRequest & { service: string },
  account: string,
) {
  const response = await runSimulation(
    {
      request: {
        principal: r.service,
        action: r.action,
        resource: { resource: r.resource, accountId: account },
        contextVariables: r.context ?? {},
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    },
    {},
  );
  if (response.resultType === "error") throw new Error(JSON.stringify(response.errors));
  return response.overallResult;
}

/**
 * A grant broader than it reads: an action with a wildcard, a resource "*" for an action not on
 * `starAllowed` (actions that take no resource), or a wildcard anywhere but at the end of an
 * ARN's resource part (`…:s3:::bucket/inbox/*` is a prefix; `arn:aws:logs:*:*:…` is any account).
 */
export function wildcards(policy: PolicyDocument, starAllowed: Record<string, string>): string[] {
  const found: string[] = [];
  for (const s of policy.Statement) {
    for (const a of s.Action) if (a.includes("*")) found.push(`action ${a}`);
    for (const r of s.Resource) {
      if (r === "*") {
        for (const a of s.Action) if (!starAllowed[a]) found.push(`${a} on "*"`);
        continue;
      }
      const parts = r.split(":");
      const resource = parts.slice(5).join(":");
      if (parts.slice(0, 5).some((p) => p.includes("*")) || resource.slice(0, -1).includes("*")) {
        found.push(`resource ${r}`);
      }
    }
  }
  return found;
}
