// What each part of the platform may do, as IAM statements: service roles (trust policy and policy
// JSON written here once) and Linkables (what a function that links one is granted) are both built
// from plain statements, so infra/ reads as who may do what and one list can serve both. The
// account, region and ARNs those statements name are made here too.

/** The account and region this stage deploys to, looked up once for every module. */
export const account = aws.getCallerIdentityOutput({}).accountId;
export const region = aws.getRegionOutput({}).region;

/** An ARN in this stage's account and region, for resources whose component has no `arn`. */
export const arn = (service: string, resource: $util.Input<string>) =>
  $interpolate`arn:aws:${service}:${region}:${account}:${resource}`;

/** One statement, in the shape of `sst.aws.permission` (effect defaults to allow). */
export type Statement = sst.aws.FunctionPermissionArgs;

export interface ServiceRoleArgs {
  /** The service principal(s) that may assume the role, e.g. "glue.amazonaws.com". */
  service: string | string[];
  description?: string;
  /** The name of the role's one inline policy. */
  policyName: string;
  statements: Statement[];
}

export function serviceRole(name: string, args: ServiceRoleArgs) {
  return new aws.iam.Role(name, {
    description: args.description,
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: args.service }, Action: "sts:AssumeRole" },
      ],
    }),
    inlinePolicies: [{ name: args.policyName, policy: policyDocument(args.statements) }],
  });
}

/** The IAM policy JSON of these statements. */
function policyDocument(statements: Statement[]) {
  return $jsonStringify({
    Version: "2012-10-17",
    Statement: statements.map(({ effect, actions, resources, conditions }) => ({
      Effect: effect === "deny" ? "Deny" : "Allow",
      Action: actions,
      Resource: resources,
      ...(conditions && { Condition: $output(conditions).apply(conditionBlock) }),
    })),
  });
}

type Condition = { test: string; variable: string; values: string[] };

/** SST's `[{ test, variable, values }]` as IAM's `{ [test]: { [variable]: values } }`. */
function conditionBlock(conditions: Condition[]) {
  const block: Record<string, Record<string, string[]>> = {};
  for (const { test, variable, values } of conditions) {
    block[test] = { ...block[test], [variable]: values };
  }
  return block;
}

/** A Linkable whose linking functions are granted these statements. */
export function linkable<T extends Record<string, unknown>>(
  name: string,
  properties: T,
  statements: Statement[],
) {
  return new sst.Linkable(name, {
    properties,
    include: statements.map((statement) => sst.aws.permission(statement)),
  });
}
