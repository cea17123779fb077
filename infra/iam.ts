// What each part of the platform may do, as IAM statements: service roles (trust policy and policy
// JSON written here once) and Linkables (what a function that links one is granted) are both built
// from statements that pure builders in packages/core make from plain ARNs (`grants` below turns
// a builder and the Outputs it needs into statements), so infra/ reads as who may do what, and
// the IAM test (packages/functions/test/iam.test.ts) evaluates the very same statements. The
// account, region and ARNs those statements name are made here too.
import {
  type Statement as CoreStatement,
  policyDocument,
  trustPolicy,
} from "../packages/core/src/util/iam";

/** The account and region this stage deploys to, looked up once for every module. */
export const account = aws.getCallerIdentityOutput({}).accountId;
export const region = aws.getRegionOutput({}).region;
/** Both, for the core builders that name ARNs (`Place`). */
export const place = { account, region };

/** An ARN in this stage's account and region, for resources whose component has no `arn`. */
export const arn = (service: string, resource: $util.Input<string>) =>
  $interpolate`arn:aws:${service}:${region}:${account}:${resource}`;

/** One statement, in the shape of `sst.aws.permission` (effect defaults to allow). */
export type Statement = sst.aws.FunctionPermissionArgs;

type Args = Record<string, $util.Input<string> | $util.Input<string>[]>;
type Plain<A extends Args> = { [K in keyof A]: A[K] extends unknown[] ? string[] : string };

/**
 * The statements a core builder makes, given the Outputs its ARNs come from. Builders never branch
 * on an ARN's value, so a call with placeholders gives their shape (how many statements, their
 * actions, which SST needs up front) and each statement's resources and conditions come from the
 * call with the resolved values.
 */
export function grants<A extends Args>(
  build: (args: Plain<A>) => CoreStatement[],
  args: A,
): Statement[] {
  const placeholders = Object.fromEntries(
    Object.entries(args).map(([k, v]) => [k, Array.isArray(v) ? v.map(() => `<${k}>`) : `<${k}>`]),
  ) as Plain<A>;
  const shape = build(placeholders);
  const built = $resolve(args as Record<string, $util.Input<unknown>>).apply((resolved) => {
    const statements = build(resolved as Plain<A>);
    const actions = (s: CoreStatement[]) => JSON.stringify(s.map((x) => [x.effect, x.actions]));
    if (actions(statements) !== actions(shape)) {
      throw new Error(`${build.name}: its statements' actions depend on the ARNs it was given`);
    }
    return statements;
  });
  return shape.map((s, i) => ({
    ...(s.effect ? { effect: s.effect } : {}),
    actions: s.actions,
    resources: built.apply((b) => b[i]!.resources),
    ...(s.conditions ? { conditions: built.apply((b) => b[i]!.conditions ?? []) } : {}),
  }));
}

export interface ServiceRoleArgs {
  /** The service principal(s) that may assume the role, e.g. "glue.amazonaws.com". */
  service: $util.Input<string> | $util.Input<string>[];
  description?: string;
  /** The name of the role's one inline policy. */
  policyName: string;
  statements: Statement[];
}

export function serviceRole(name: string, args: ServiceRoleArgs) {
  return new aws.iam.Role(name, {
    description: args.description,
    // An Output when a principal names the region (DMS's regional principal, infra/replication.ts).
    assumeRolePolicy: $output(args.service).apply((s) => JSON.stringify(trustPolicy(s))),
    inlinePolicies: [
      {
        name: args.policyName,
        // The policy JSON core writes (util/iam.ts), from the resolved statements.
        policy: $output(args.statements).apply((resolved) =>
          JSON.stringify(policyDocument(resolved as CoreStatement[])),
        ),
      },
    ],
  });
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
