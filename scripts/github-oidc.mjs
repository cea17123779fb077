#!/usr/bin/env node
// One-time, per AWS account: GitHub Actions' OIDC provider and the roles the workflows assume —
// github-<app>-<stage>-deploy for dev, staging and production, github-<app>-diff for pull
// requests' `sst diff`. Writes the trust and permission policies (packages/core/src/delivery/
// github-oidc.ts, evaluated by packages/functions/test/github-oidc.test.ts) and an apply.sh of
// `aws iam` commands into --out; with --apply runs it (needs the AWS CLI and an administrator's
// credentials, once; after that CI has no keys). Re-running updates the policies in place.
//
// Usage: node scripts/github-oidc.mjs --repo owner/name --account 123456789012 --region eu-west-1
//          [--app cdp] [--stages dev,staging,production] [--out .github-oidc] [--apply]
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { register } from "tsx/esm/api";

register();
const oidc = await import("../packages/core/src/delivery/github-oidc.ts");
const { policyDocument } = await import("../packages/core/src/util/iam.ts");

const { values } = parseArgs({
  options: {
    repo: { type: "string" },
    account: { type: "string" },
    region: { type: "string" },
    app: { type: "string", default: "cdp" },
    stages: { type: "string", default: oidc.DEPLOY_STAGES.join(",") },
    out: { type: "string", default: ".github-oidc" },
    apply: { type: "boolean", default: false },
  },
});
for (const required of ["repo", "account", "region"]) {
  if (!values[required]) {
    console.error(`--${required} is required (usage: see the top of scripts/github-oidc.mjs)`);
    process.exit(2);
  }
}
if (!/^\d{12}$/.test(values.account)) {
  console.error(`--account must be a 12-digit AWS account id, not ${values.account}`);
  process.exit(2);
}
const stages = values.stages.split(",").map((s) => s.trim());
for (const s of stages) {
  if (!oidc.DEPLOY_STAGES.includes(s)) {
    console.error(`--stages: ${s} is not one of ${oidc.DEPLOY_STAGES.join(", ")}`);
    process.exit(2);
  }
}
const d = { repo: values.repo, account: values.account, region: values.region, app: values.app };
const out = resolve(values.out);
mkdirSync(out, { recursive: true });
const write = (name, doc) => {
  writeFileSync(join(out, name), `${JSON.stringify(doc, null, 2)}\n`);
  return name;
};

const roles = [
  ...stages.map((stage) => ({
    name: oidc.deployRoleName(d.app, stage),
    description: `GitHub Actions deploys CDP stage ${stage} (environment ${stage} of ${d.repo})`,
    trust: oidc.deployTrustPolicy(d, stage),
    policy: policyDocument(oidc.deployRoleStatements(d, stage)),
  })),
  {
    name: oidc.diffRoleName(d.app),
    description: `GitHub Actions: sst diff of ${oidc.DIFF_STAGES.join(" and ")} for pull requests of ${d.repo}`,
    trust: oidc.diffTrustPolicy(d),
    policy: policyDocument(oidc.diffRoleStatements(d)),
  },
];

const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
const provider = oidc.oidcProviderArn(d.account);
const lines = [
  "#!/bin/sh",
  "# Written by scripts/github-oidc.mjs; run from this folder with an administrator's credentials.",
  "set -eu",
  'cd "$(dirname "$0")"',
  // IAM no longer needs a thumbprint for GitHub's provider (it trusts the issuer's CA itself).
  `aws iam get-open-id-connect-provider --open-id-connect-provider-arn ${q(provider)} >/dev/null 2>&1 || \\`,
  `  aws iam create-open-id-connect-provider --url https://${oidc.GITHUB_OIDC_HOST} --client-id-list ${oidc.STS_AUDIENCE}`,
];
for (const r of roles) {
  const trust = write(`${r.name}.trust.json`, r.trust);
  const policy = write(`${r.name}.policy.json`, r.policy);
  lines.push(
    `if aws iam get-role --role-name ${q(r.name)} >/dev/null 2>&1; then`,
    `  aws iam update-assume-role-policy --role-name ${q(r.name)} --policy-document file://${trust}`,
    "else",
    `  aws iam create-role --role-name ${q(r.name)} --description ${q(r.description)} --max-session-duration 3600 --assume-role-policy-document file://${trust} >/dev/null`,
    "fi",
    `aws iam put-role-policy --role-name ${q(r.name)} --policy-name deploy --policy-document file://${policy}`,
    `echo ${q(`${r.name}: arn:aws:iam::${d.account}:role/${r.name}`)}`,
  );
}
writeFileSync(join(out, "apply.sh"), `${lines.join("\n")}\n`, { mode: 0o755 });

console.log(`Wrote ${roles.length * 2} policies and apply.sh to ${out}`);
for (const r of roles)
  console.log(
    `  ${r.name}  (trust: ${r.trust.Statement[0].Condition.StringEquals[`${oidc.GITHUB_OIDC_HOST}:sub`]})`,
  );
console.log(
  "Then, in GitHub: each environment's variable AWS_DEPLOY_ROLE_ARN, the repository's AWS_DIFF_ROLE_ARN and AWS_REGION (docs/delivery.md).",
);
if (values.apply) {
  const r = spawnSync("sh", [join(out, "apply.sh")], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
