#!/usr/bin/env node
// The deploy workflow's step after `sst deploy`: the Salesforce credentials go from the GitHub
// environment's secrets into the stage's Secrets Manager secret `cdp-<stage>-salesforce`
// (infra/salesforce.ts creates it empty and never writes it; the sync reads it on every run). Its
// value is a JSON object keyed by the local names (README "Salesforce sync"): every SALESFORCE_*
// variable that is set and not empty. None set → the secret is left as it is (an operator may
// have put it by hand). The GitHub environment is then the whole truth: what it holds replaces
// the secret's value. The value goes to the AWS CLI on standard input, never on a command line.
//
// Usage: node scripts/salesforce-secret.mjs --stage <stage> [--dry-run]
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

/** The keys the sync reads (packages/core/src/sync/credentials.ts), required and optional. */
export const SALESFORCE_KEYS = [
  "SALESFORCE_LOGIN_URL",
  "SALESFORCE_CLIENT_ID",
  "SALESFORCE_CLIENT_SECRET",
  "SALESFORCE_USERNAME",
  "SALESFORCE_PASSWORD",
  "SALESFORCE_SECURITY_TOKEN",
  "SALESFORCE_API_VERSION",
  "SALESFORCE_API_RESERVE",
  "SALESFORCE_BULK_THRESHOLD",
];

const { values } = parseArgs({
  options: { stage: { type: "string" }, "dry-run": { type: "boolean", default: false } },
});
if (!values.stage) {
  console.error("--stage is required");
  process.exit(2);
}
const secretId = `cdp-${values.stage}-salesforce`;
const secret = Object.fromEntries(
  SALESFORCE_KEYS.filter((k) => process.env[k]).map((k) => [k, process.env[k]]),
);
const keys = Object.keys(secret);
if (keys.length === 0) {
  console.log(
    `${secretId}: no SALESFORCE_* secret in this environment; the secret keeps its value`,
  );
  process.exit(0);
}
if (values["dry-run"]) {
  console.log(`${secretId}: would be set to ${keys.join(", ")}`);
  process.exit(0);
}
const r = spawnSync(
  "aws",
  ["secretsmanager", "put-secret-value", "--cli-input-json", "file:///dev/stdin"],
  {
    input: JSON.stringify({ SecretId: secretId, SecretString: JSON.stringify(secret) }),
    stdio: ["pipe", "ignore", "inherit"],
  },
);
if (r.status !== 0) {
  console.error(
    `${secretId}: aws secretsmanager put-secret-value failed (exit ${r.status ?? r.signal})`,
  );
  process.exit(1);
}
console.log(`${secretId}: set to ${keys.join(", ")}`);
