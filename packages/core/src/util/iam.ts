// IAM as data: what each role and linkable of the deployed platform may do, as plain statements
// built from plain ARNs by pure functions beside the code that needs them (ingest/iam.ts,
// warehouse/iam.ts, …). infra/ turns them into roles and SST links; the IAM test evaluates the
// same statements against every AWS call the deployed code makes (docs/security.md).

/** One statement, in the shape `sst.aws.permission` takes (effect defaults to allow). */
export interface Statement {
  effect?: "allow" | "deny";
  actions: string[];
  resources: string[];
  conditions?: Condition[];
}

/** One condition, as SST writes it: `{ test: "StringLike", variable: "s3:prefix", values }`. */
export interface Condition {
  test: string;
  variable: string;
  values: string[];
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: {
    Effect: "Allow" | "Deny";
    Action: string[];
    Resource: string[];
    Condition?: Record<string, Record<string, string[]>>;
  }[];
}

/** The IAM policy JSON of these statements (what a service role's inline policy holds). */
export function policyDocument(statements: Statement[]): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: statements.map(({ effect, actions, resources, conditions }) => ({
      Effect: effect === "deny" ? "Deny" : "Allow",
      Action: actions,
      Resource: resources,
      ...(conditions?.length ? { Condition: conditionBlock(conditions) } : {}),
    })),
  };
}

/** SST's `[{ test, variable, values }]` as IAM's `{ [test]: { [variable]: values } }`. */
function conditionBlock(conditions: Condition[]) {
  const block: Record<string, Record<string, string[]>> = {};
  for (const { test, variable, values } of conditions) {
    block[test] = { ...block[test], [variable]: values };
  }
  return block;
}

/** A trust policy letting these service principals assume a role. */
export function trustPolicy(service: string | string[]) {
  return {
    Version: "2012-10-17" as const,
    Statement: [
      { Effect: "Allow" as const, Principal: { Service: service }, Action: "sts:AssumeRole" },
    ],
  };
}

/** The ARNs of a bucket's objects under these prefixes ("inbox/" → `<bucket>/inbox/*`). */
export function objectArns(bucketArn: string, ...prefixes: string[]): string[] {
  return prefixes.map((prefix) => {
    if (!prefix.endsWith("/")) throw new Error(`a lake prefix ends with "/": ${prefix}`);
    return `${bucketArn}/${prefix}*`;
  });
}

/** The ARN of an S3 bucket by name. */
export const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;

/** Where a deployment lives, for the ARNs built from names (Glue jobs, log groups, parameters). */
export interface Place {
  region: string;
  account: string;
}

/** `arn:aws:<service>:<region>:<account>:<resource>`. */
export const arnIn = (place: Place, service: string, resource: string) =>
  `arn:aws:${service}:${place.region}:${place.account}:${resource}`;
