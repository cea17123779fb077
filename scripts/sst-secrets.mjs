#!/usr/bin/env node
// The deploy workflow's step before `sst deploy`: every secret declared in infra/secrets.ts
// (`new sst.Secret("OracleDbHost", …)`) is set for the stage from the environment variable of the
// same name in upper snake case (ORACLE_DB_HOST), which the workflow fills from the GitHub
// environment's secrets. An empty or missing variable leaves the stage's value as it is. Values go
// to `sst secret set` on its standard input, never on a command line.
//
// Usage: node scripts/sst-secrets.mjs --stage <stage> [--dry-run]
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: { stage: { type: "string" }, "dry-run": { type: "boolean", default: false } },
});
if (!values.stage) {
  console.error("--stage is required");
  process.exit(2);
}

const source = readFileSync(join(root, "infra/secrets.ts"), "utf8");
const names = [...source.matchAll(/new sst\.Secret\(\s*"([A-Za-z0-9]+)"/g)].map((m) => m[1]);
const envName = (name) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();

let failed = 0;
for (const name of names) {
  const variable = envName(name);
  const value = process.env[variable] ?? "";
  if (!value) {
    console.log(`${name}: ${variable} is empty; the stage keeps its value`);
    continue;
  }
  if (values["dry-run"]) {
    console.log(`${name}: would be set from ${variable}`);
    continue;
  }
  const r = spawnSync("npx", ["sst", "secret", "set", name, "--stage", values.stage], {
    cwd: root,
    input: value,
    stdio: ["pipe", "inherit", "inherit"],
  });
  if (r.status === 0) console.log(`${name}: set from ${variable}`);
  else {
    console.error(`${name}: sst secret set failed (exit ${r.status ?? r.signal})`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
