// GitHub Actions → AWS without long-lived keys: the account's OIDC provider for GitHub's tokens,
// one deploy role per stage that only that stage's GitHub environment can assume, and one diff
// role that only this repository's pull requests can assume (read-only, never production).
// Pure policy builders: scripts/github-oidc.mjs turns them into the one-time `aws iam` commands,
// packages/functions/test/github-oidc.test.ts evaluates them with iam-simulate. docs/delivery.md.
//
// Why the `sub` claim: a job that names an environment gets `repo:<owner>/<repo>:environment:<env>`,
// a pull_request job `repo:<owner>/<repo>:pull_request`, any other job
// `repo:<owner>/<repo>:ref:refs/heads/<branch>` (GitHub Docs, "About security hardening with
// OpenID Connect" — example subject claims). The deploy jobs name the stage's environment, whose
// deployment-branch rule (and, for production, required reviewers) GitHub enforces before the job
// gets a token; so trusting `environment:<stage>` alone admits no branch, fork or other repo.
// `aud` is sts.amazonaws.com, what aws-actions/configure-aws-credentials asks for (IAM User Guide,
// "Configuring a role for GitHub OIDC identity provider").
import type { Statement } from "../util/iam";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const STS_AUDIENCE = "sts.amazonaws.com";

export const DEPLOY_STAGES = ["dev", "staging", "production"] as const;
export type DeployStage = (typeof DEPLOY_STAGES)[number];

export interface GithubDeployment {
  account: string;
  region: string;
  /** `owner/name` of the repository, exactly as GitHub spells it (the claim is case-sensitive). */
  repo: string;
  /** The SST app's name (sst.config.ts): resource names start with `<app>-<stage>-`. */
  app: string;
}

export const oidcProviderArn = (account: string) =>
  `arn:aws:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}`;

/** Outside the `<app>-<stage>-` prefix the deploy roles manage, so no deploy can edit them. */
export const deployRoleName = (app: string, stage: DeployStage) => `github-${app}-${stage}-deploy`;
export const diffRoleName = (app: string) => `github-${app}-diff`;

/** The stages a pull request's `sst diff` may read (never production's secrets). */
export const DIFF_STAGES: DeployStage[] = ["dev", "staging"];

export interface TrustPolicy {
  Version: "2012-10-17";
  Statement: {
    Effect: "Allow";
    Principal: { Federated: string };
    Action: "sts:AssumeRoleWithWebIdentity";
    Condition: { StringEquals: Record<string, string> };
  }[];
}

function trustOnly(d: GithubDeployment, sub: string): TrustPolicy {
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(d.repo)) {
    throw new Error(`repo must be owner/name, not "${d.repo}"`);
  }
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn(d.account) },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: sub,
          },
        },
      },
    ],
  };
}

/** Only a job of this repository running in the stage's GitHub environment. */
export const deployTrustPolicy = (d: GithubDeployment, stage: DeployStage) =>
  trustOnly(d, `repo:${d.repo}:environment:${stage}`);

/** Only a pull_request job of this repository (the workflow skips forks' pull requests too). */
export const diffTrustPolicy = (d: GithubDeployment) => trustOnly(d, `repo:${d.repo}:pull_request`);

// ── What a deploy role may do ─────────────────────────────────────────────────────────────────

/**
 * Services whose resources SST names `<app>-<stage>-…` (or whose ARNs carry that name): the
 * deploy role gets them on its own stage's names only. SST's own state (the `sst-state-*` and
 * `sst-asset-*` buckets, the `/sst/` parameters) is shared by the stages and scoped by key below.
 */
const NAMED: { actions: string[]; arns: (d: GithubDeployment, prefix: string) => string[] }[] = [
  {
    actions: ["s3:*"],
    arns: (_d, p) => [`arn:aws:s3:::${p}*`],
  },
  {
    actions: ["lambda:*"],
    arns: (d, p) => [
      `arn:aws:lambda:${d.region}:${d.account}:function:${p}*`,
      `arn:aws:lambda:${d.region}:${d.account}:layer:${p}*`,
      `arn:aws:lambda:${d.region}:${d.account}:event-source-mapping:*`,
    ],
  },
  {
    actions: ["states:*"],
    arns: (d, p) => [
      `arn:aws:states:${d.region}:${d.account}:stateMachine:${p}*`,
      `arn:aws:states:${d.region}:${d.account}:execution:${p}*`,
    ],
  },
  {
    actions: ["glue:*"],
    arns: (d, p) => [
      `arn:aws:glue:${d.region}:${d.account}:job/${p}*`,
      `arn:aws:glue:${d.region}:${d.account}:catalog`,
    ],
  },
  { actions: ["sns:*"], arns: (d, p) => [`arn:aws:sns:${d.region}:${d.account}:${p}*`] },
  {
    actions: ["logs:*"],
    arns: (d, p) => [
      `arn:aws:logs:${d.region}:${d.account}:log-group:/aws/lambda/${p}*`,
      `arn:aws:logs:${d.region}:${d.account}:log-group:/aws/vendedlogs/states/${p}*`,
      `arn:aws:logs:${d.region}:${d.account}:log-group:/aws-glue/*`,
    ],
  },
  {
    actions: ["secretsmanager:*"],
    arns: (d, p) => [`arn:aws:secretsmanager:${d.region}:${d.account}:secret:${p}*`],
  },
  {
    actions: ["iam:*"],
    arns: (d, p) => [
      `arn:aws:iam::${d.account}:role/${p}*`,
      `arn:aws:iam::${d.account}:policy/${p}*`,
    ],
  },
];

/**
 * Services whose ARNs hold ids rather than names (VPCs, clusters, workgroups, user pools,
 * distributions, …): allowed account-wide. Within one account, stages are kept apart by names
 * and SST's per-stage state; docs/delivery.md recommends production in an account of its own.
 */
const UNNAMED = [
  "ec2:*",
  "rds:*",
  "redshift-serverless:*",
  "redshift:*",
  "dms:*",
  "cognito-idp:*",
  "apigateway:*",
  "cloudfront:*",
  "sagemaker:*",
  "ecr:*",
  "events:*",
  "scheduler:*",
  "cloudwatch:*",
  "kms:*",
  "acm:*",
  "tag:*",
];

/** SST's state of `stage` in its shared bucket and parameters (app/, secret/, lock/… keys). */
export function sstStateArns(d: GithubDeployment, stage: string) {
  return {
    objects: [
      `arn:aws:s3:::sst-state-*/*/${d.app}/${stage}.json`,
      `arn:aws:s3:::sst-state-*/*/${d.app}/${stage}/*`,
    ],
    passphrase: `arn:aws:ssm:${d.region}:${d.account}:parameter/sst/passphrase/${d.app}/${stage}`,
    parameters: `arn:aws:ssm:${d.region}:${d.account}:parameter/${d.app}/${stage}/*`,
  };
}

const sstShared = (d: GithubDeployment) => ({
  buckets: ["arn:aws:s3:::sst-state-*", "arn:aws:s3:::sst-asset-*"],
  bootstrap: `arn:aws:ssm:${d.region}:${d.account}:parameter/sst/bootstrap`,
});

/** What keeps a role off the GitHub roles, the OIDC provider and other stages' SST state. */
function fences(d: GithubDeployment, others: string[]): Statement[] {
  const state = others.map((s) => sstStateArns(d, s));
  return [
    {
      effect: "deny",
      actions: ["iam:*"],
      resources: [
        `arn:aws:iam::${d.account}:role/github-*`,
        `arn:aws:iam::${d.account}:oidc-provider/*`,
      ],
    },
    {
      effect: "deny",
      actions: ["s3:*"],
      resources: state.flatMap((s) => s.objects),
    },
    {
      effect: "deny",
      actions: ["ssm:*"],
      resources: state.flatMap((s) => [s.passphrase, s.parameters]),
    },
  ];
}

/** The statements of stage `stage`'s deploy role: `sst deploy` of that stage and nothing else. */
export function deployRoleStatements(d: GithubDeployment, stage: DeployStage): Statement[] {
  const prefix = `${d.app}-${stage}-`;
  const own = sstStateArns(d, stage);
  const shared = sstShared(d);
  return [
    ...NAMED.map(({ actions, arns }) => ({ actions, resources: arns(d, prefix) })),
    { actions: UNNAMED, resources: ["*"] },
    // SST's state and assets: the shared buckets, this stage's keys; its bootstrap parameter and
    // this stage's passphrase; the stage's own parameters (the console URL, infra/alerts.ts).
    { actions: ["s3:ListBucket", "s3:GetBucketLocation"], resources: shared.buckets },
    { actions: ["s3:*"], resources: ["arn:aws:s3:::sst-asset-*/*"] },
    { actions: ["s3:*"], resources: own.objects },
    {
      actions: ["ssm:GetParameter", "ssm:GetParameters", "ssm:PutParameter"],
      resources: [shared.bootstrap, own.passphrase],
    },
    { actions: ["ssm:*"], resources: [own.parameters] },
    // Roles the services create for themselves, and DMS's account-wide one (infra/replication.ts).
    {
      actions: ["iam:CreateServiceLinkedRole"],
      resources: [`arn:aws:iam::${d.account}:role/aws-service-role/*`],
    },
    {
      actions: ["iam:GetRole", "iam:CreateRole", "iam:AttachRolePolicy", "iam:PassRole"],
      resources: [`arn:aws:iam::${d.account}:role/dms-vpc-role`],
    },
    ...fences(
      d,
      DEPLOY_STAGES.filter((s) => s !== stage),
    ),
  ];
}

/**
 * The diff role: what `sst diff` reads for dev and staging (their state and passphrase, and the
 * descriptions a preview looks up: availability zones, managed policies, …) and none of the
 * data: no lake object, no secret's value, no database credentials, no function's environment,
 * nothing of production's. An allow-list: a `Get*` would take in s3:GetObject,
 * redshift-serverless:GetCredentials and lambda:GetFunction (whose answer carries the linked
 * values).
 */
export function diffRoleStatements(d: GithubDeployment): Statement[] {
  const shared = sstShared(d);
  const readable = DIFF_STAGES.map((s) => sstStateArns(d, s));
  const services = ["s3", "lambda", "states", "glue", "sns", "logs", "iam", ...UNNAMED].map((s) =>
    s.replace(":*", ""),
  );
  return [
    {
      actions: [
        ...services.flatMap((s) => [`${s}:Describe*`, `${s}:List*`]),
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "cloudfront:GetCachePolicy",
        "cloudfront:GetOriginRequestPolicy",
        "cloudfront:GetResponseHeadersPolicy",
      ],
      resources: ["*"],
    },
    { actions: ["s3:ListBucket", "s3:GetBucketLocation"], resources: shared.buckets },
    { actions: ["s3:GetObject"], resources: readable.flatMap((s) => s.objects) },
    {
      actions: ["ssm:GetParameter"],
      resources: [shared.bootstrap, ...readable.map((s) => s.passphrase)],
    },
    ...fences(
      d,
      DEPLOY_STAGES.filter((s) => !DIFF_STAGES.includes(s)),
    ),
  ];
}
