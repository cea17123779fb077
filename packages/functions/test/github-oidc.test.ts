// Who can assume the GitHub deploy and diff roles, and what each may do, decided by iam-simulate
// from the policies scripts/github-oidc.mjs creates (packages/core/src/delivery/github-oidc.ts).
import {
  DEPLOY_STAGES,
  type DeployStage,
  deployRoleName,
  deployRoleStatements,
  deployTrustPolicy,
  diffRoleStatements,
  diffTrustPolicy,
  type GithubDeployment,
  oidcProviderArn,
} from "@cdp/core/delivery/github-oidc";
import { policyDocument } from "@cdp/core/util/iam";
import {
  createValidatedPolicy,
  validateIdentityPolicy,
  validateTrustPolicy,
} from "@cloud-copilot/iam-policy";
import { runSimulation, runUnsafeSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, test } from "vitest";

const d: GithubDeployment = {
  account: "123456789012",
  region: "eu-west-1",
  repo: "acme/cdp",
  app: "cdp",
};
const roleArn = (name: string) => `arn:aws:iam::${d.account}:role/${name}`;

/**
 * Whether a GitHub token with these claims may assume a role with this trust policy. The checked
 * runSimulation drops context keys AWS's action catalogue does not list for
 * sts:AssumeRoleWithWebIdentity, and that catalogue lists GitHub's repository/ref/environment
 * claims but not `sub` and `aud`, which STS evaluates for every OIDC provider; so the trust
 * policy is validated first, then evaluated with the context as given.
 */
function assume(trust: object, claims: { sub: string; aud?: string }, role: string) {
  const validated = createValidatedPolicy(trust, validateTrustPolicy, { name: "trust" });
  expect(validated.errors).toEqual([]);
  return runUnsafeSimulation(
    {
      request: {
        principal: oidcProviderArn(d.account),
        action: "sts:AssumeRoleWithWebIdentity",
        resource: { resource: roleArn(role), accountId: d.account },
        contextVariables: {
          "token.actions.githubusercontent.com:sub": claims.sub,
          "token.actions.githubusercontent.com:aud": claims.aud ?? "sts.amazonaws.com",
        },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      // biome-ignore lint/suspicious/noExplicitAny: iam-simulate takes a validated policy here too
      resourcePolicy: validated as any,
    },
    {},
  );
}

async function may(stage: DeployStage | "diff", action: string, resource: string) {
  const statements = stage === "diff" ? diffRoleStatements(d) : deployRoleStatements(d, stage);
  const policy = policyDocument(statements);
  const r = await runSimulation(
    {
      request: {
        principal: roleArn(stage === "diff" ? "github-cdp-diff" : deployRoleName("cdp", stage)),
        action,
        resource: { resource, accountId: d.account },
        contextVariables: {},
      },
      identityPolicies: [{ name: "policy", policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (r.resultType === "error")
    throw new Error(`${action} ${resource}: ${JSON.stringify(r.errors)}`);
  return r.overallResult;
}

describe("who can assume the production deploy role", () => {
  const trust = deployTrustPolicy(d, "production");
  const role = deployRoleName("cdp", "production");

  test("a job of this repository in the production environment (after its reviewers approved)", () => {
    expect(assume(trust, { sub: "repo:acme/cdp:environment:production" }, role)).toBe("Allowed");
  });

  test.each([
    [
      "a pull request (from a branch or a fork: both are pull_request)",
      "repo:acme/cdp:pull_request",
    ],
    ["a push to main outside the environment", "repo:acme/cdp:ref:refs/heads/main"],
    ["another branch", "repo:acme/cdp:ref:refs/heads/feature/x"],
    ["the staging environment", "repo:acme/cdp:environment:staging"],
    ["another repository's production environment", "repo:evil/cdp:environment:production"],
    ["a fork's own production environment", "repo:someone/cdp:environment:production"],
    ["a repository whose name only starts the same", "repo:acme/cdp-fork:environment:production"],
    ["the claim in another case", "repo:ACME/cdp:environment:Production"],
  ])("not %s", (_what, sub) => {
    expect(assume(trust, { sub }, role)).toBe("ImplicitlyDenied");
  });

  test("not with a token minted for another audience", () => {
    expect(
      assume(
        trust,
        { sub: "repo:acme/cdp:environment:production", aud: "https://github.com/acme" },
        role,
      ),
    ).toBe("ImplicitlyDenied");
  });
});

describe("each stage's role is its environment's only", () => {
  test("dev and staging deploy roles admit their environment and nothing else", () => {
    for (const stage of DEPLOY_STAGES) {
      for (const other of DEPLOY_STAGES) {
        const sub = `repo:acme/cdp:environment:${other}`;
        expect({ stage, other, r: assume(deployTrustPolicy(d, stage), { sub }, "r") }).toEqual({
          stage,
          other,
          r: other === stage ? "Allowed" : "ImplicitlyDenied",
        });
      }
    }
  });

  test("the diff role admits this repository's pull requests only, never a deploy environment", () => {
    const trust = diffTrustPolicy(d);
    expect(assume(trust, { sub: "repo:acme/cdp:pull_request" }, "github-cdp-diff")).toBe("Allowed");
    for (const sub of [
      "repo:evil/cdp:pull_request",
      "repo:acme/cdp:environment:production",
      "repo:acme/cdp:ref:refs/heads/main",
    ]) {
      expect(assume(trust, { sub }, "github-cdp-diff")).toBe("ImplicitlyDenied");
    }
  });

  test("a repository name that is not owner/name is refused before any policy is made", () => {
    expect(() => deployTrustPolicy({ ...d, repo: "acme/*" }, "dev")).toThrow(/owner\/name/);
  });
});

const s3 = (key: string) => `arn:aws:s3:::${key}`;
const ssm = (name: string) => `arn:aws:ssm:${d.region}:${d.account}:parameter${name}`;
const fn = (name: string) => `arn:aws:lambda:${d.region}:${d.account}:function:${name}`;

describe("what a deploy role may do", () => {
  test("the staging role deploys staging: its functions, buckets, roles, state and passphrase", async () => {
    expect(await may("staging", "lambda:UpdateFunctionCode", fn("cdp-staging-IngestPlan-x1"))).toBe(
      "Allowed",
    );
    expect(await may("staging", "s3:DeleteBucket", s3("cdp-staging-datalake-a1"))).toBe("Allowed");
    expect(await may("staging", "iam:PassRole", roleArn("cdp-staging-IngestMachineRole-x1"))).toBe(
      "Allowed",
    );
    expect(await may("staging", "s3:PutObject", s3("sst-state-ab12/app/cdp/staging.json"))).toBe(
      "Allowed",
    );
    expect(await may("staging", "ssm:GetParameter", ssm("/sst/passphrase/cdp/staging"))).toBe(
      "Allowed",
    );
    expect(
      await may(
        "staging",
        "redshift-serverless:UpdateWorkgroup",
        `arn:aws:redshift-serverless:${d.region}:${d.account}:workgroup/6f9c`,
      ),
    ).toBe("Allowed");
  });

  test("the staging role cannot touch production: resources, roles, SST state, passphrase", async () => {
    const denied = [
      ["lambda:UpdateFunctionCode", fn("cdp-production-IngestPlan-x1")],
      ["s3:DeleteBucket", s3("cdp-production-datalake-a1")],
      ["s3:GetObject", s3("cdp-production-datalake-a1/inbox/customers/a.csv")],
      ["iam:PassRole", roleArn("cdp-production-IngestMachineRole-x1")],
      ["s3:GetObject", s3("sst-state-ab12/secret/cdp/production.json")],
      ["s3:PutObject", s3("sst-state-ab12/app/cdp/production.json")],
      ["ssm:GetParameter", ssm("/sst/passphrase/cdp/production")],
      ["ssm:PutParameter", ssm("/cdp/production/console-url")],
      [
        "secretsmanager:GetSecretValue",
        `arn:aws:secretsmanager:${d.region}:${d.account}:secret:cdp-production-x`,
      ],
    ];
    for (const [action, resource] of denied) {
      expect({ action, resource, r: await may("staging", action!, resource!) }).not.toMatchObject({
        r: "Allowed",
      });
    }
  });

  test("no deploy role can change the GitHub roles or the OIDC provider (its own trust included)", async () => {
    for (const stage of DEPLOY_STAGES) {
      for (const action of ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:DeleteRole"]) {
        expect(await may(stage, action, roleArn(deployRoleName("cdp", "production")))).toBe(
          "ExplicitlyDenied",
        );
        expect(await may(stage, action, roleArn(deployRoleName("cdp", stage)))).toBe(
          "ExplicitlyDenied",
        );
      }
      expect(
        await may(stage, "iam:UpdateOpenIDConnectProviderThumbprint", oidcProviderArn(d.account)),
      ).toBe("ExplicitlyDenied");
    }
  });
});

describe("what a pull request's diff may read", () => {
  test("dev's and staging's SST state and passphrase, the resources' descriptions", async () => {
    expect(await may("diff", "s3:GetObject", s3("sst-state-ab12/app/cdp/staging.json"))).toBe(
      "Allowed",
    );
    expect(await may("diff", "ssm:GetParameter", ssm("/sst/passphrase/cdp/dev"))).toBe("Allowed");
    expect(await may("diff", "ec2:DescribeAvailabilityZones", "*")).toBe("Allowed");
  });

  test("nothing of production, no data, no credentials, no change", async () => {
    const denied = [
      ["s3:GetObject", s3("sst-state-ab12/app/cdp/production.json")],
      ["ssm:GetParameter", ssm("/sst/passphrase/cdp/production")],
      ["s3:GetObject", s3("cdp-staging-datalake-a1/inbox/customers/a.csv")],
      ["s3:PutObject", s3("sst-state-ab12/app/cdp/staging.json")],
      [
        "redshift-serverless:GetCredentials",
        `arn:aws:redshift-serverless:${d.region}:${d.account}:workgroup/6f9c`,
      ],
      ["lambda:GetFunction", fn("cdp-staging-IngestPlan-x1")],
      ["lambda:UpdateFunctionCode", fn("cdp-staging-IngestPlan-x1")],
      [
        "secretsmanager:GetSecretValue",
        `arn:aws:secretsmanager:${d.region}:${d.account}:secret:cdp-staging-x`,
      ],
    ];
    for (const [action, resource] of denied) {
      expect({ action, resource, r: await may("diff", action!, resource!) }).not.toMatchObject({
        r: "Allowed",
      });
    }
  });
});

describe("the policies as IAM takes them", () => {
  test("each role policy is valid and fits IAM's 10,240 characters of inline policy per role", () => {
    for (const statements of [
      ...DEPLOY_STAGES.map((s) => deployRoleStatements(d, s)),
      diffRoleStatements(d),
    ]) {
      const doc = policyDocument(statements);
      expect(validateIdentityPolicy(doc)).toEqual([]);
      expect(JSON.stringify(doc).length).toBeLessThan(10_240);
    }
  });
});
