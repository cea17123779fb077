#!/usr/bin/env node
// Makes sure SST's generated component types (.sst/platform) exist so the infra can be typechecked,
// generating them offline with `sst install` when they are missing or sst's version changed.
//
// `sst install` only insists on finding the pulumi CLI version it was built against in
// <XDG_CONFIG_HOME>/sst/bin; it never runs pulumi for anything else. With no real pulumi of that
// version around, we point XDG_CONFIG_HOME at a throwaway folder holding a stub that reports the
// expected version, so nothing is downloaded and the user's ~/.config/sst is never touched.
//
// Usage: node scripts/sst-types.mjs [--force]
import { spawnSync } from "node:child_process";
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const sstDir = join(root, ".sst");
const platformDir = join(sstDir, "platform");
const stampPath = join(sstDir, "types-stamp.json");
// What sst 4.17.1 expects; re-read from the sst binary when it can be found there.
const FALLBACK_PULUMI_VERSION = "v3.215.0";

class Failure extends Error {}

function log(message) {
  console.log(`[sst-types] ${message}`);
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

function sstPackageDir() {
  const dir = join(root, "node_modules", "sst");
  if (!existsSync(join(dir, "package.json"))) {
    throw new Failure("the sst package is not installed at the repo root; run `npm install` first");
  }
  return dir;
}

function sstBinary() {
  const name = `sst-${process.platform}-${process.arch}`;
  const binary = join(root, "node_modules", name, "bin", "sst");
  return existsSync(binary) ? binary : undefined;
}

// The sst binary embeds its Go module list; the pulumi SDK it was built with is the CLI it wants.
function expectedPulumiVersion() {
  const binary = sstBinary();
  if (!binary) return FALLBACK_PULUMI_VERSION;
  const marker = Buffer.from("github.com/pulumi/pulumi/sdk/v3\t");
  const bytes = readFileSync(binary);
  let at = bytes.indexOf(marker);
  while (at !== -1) {
    const tail = bytes.subarray(at + marker.length, at + marker.length + 32).toString("latin1");
    const match = /^(v3\.\d+\.\d+)\b/.exec(tail);
    if (match) return match[1];
    at = bytes.indexOf(marker, at + 1);
  }
  return FALLBACK_PULUMI_VERSION;
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function pulumiVersionOf(path) {
  const result = spawnSync(path, ["version"], { encoding: "utf8", timeout: 20_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function findOnPath(name) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function typesAreCurrent(sstVersion) {
  const stamp = readJson(stampPath);
  if (stamp?.sst !== sstVersion) return false;
  if (!existsSync(join(platformDir, "config.d.ts"))) return false;
  const platformVersion = existsSync(join(platformDir, "version"))
    ? readFileSync(join(platformDir, "version"), "utf8").trim()
    : undefined;
  if (platformVersion !== sstVersion) return false;
  const providers = readJson(join(sstDir, "provider-lock.json")) ?? [];
  return providers.every((p) => existsSync(join(platformDir, "node_modules", p.package)));
}

// Chooses the config home `sst install` runs with: the user's own when it already holds the right
// pulumi, else a temporary one holding either a pulumi of the right version found on PATH or a stub.
function prepareEnvironment(expected) {
  const configHome = process.env.XDG_CONFIG_HOME || join(homedir(), ".config");
  const userPulumi = join(configHome, "sst", "bin", "pulumi");
  if (isExecutable(userPulumi) && pulumiVersionOf(userPulumi) === expected) {
    return { description: `real pulumi ${expected} at ${userPulumi}`, env: {}, cleanup: () => {} };
  }

  const temp = mkdtempSync(join(tmpdir(), "cdp-sst-types-"));
  const cleanup = () => rmSync(temp, { recursive: true, force: true });
  try {
    const binDir = join(temp, "sst", "bin");
    mkdirSync(binDir, { recursive: true });
    const target = join(binDir, "pulumi");
    const pathPulumi = findOnPath("pulumi");
    let description;
    if (pathPulumi && pulumiVersionOf(pathPulumi) === expected) {
      symlinkSync(pathPulumi, target);
      description = `real pulumi ${expected} from PATH (${pathPulumi}), temporary config home`;
    } else {
      writeFileSync(target, `#!/bin/sh\necho ${expected}\n`);
      chmodSync(target, 0o755);
      const why = pathPulumi
        ? `pulumi on PATH is ${pulumiVersionOf(pathPulumi) ?? "unusable"}`
        : "";
      description = `stub pulumi reporting ${expected} in a temporary config home${why ? ` (${why})` : ""}`;
    }
    return { description, env: { XDG_CONFIG_HOME: temp }, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

function main() {
  const force = process.argv.includes("--force");
  const sstVersion = readJson(join(sstPackageDir(), "package.json"))?.version;
  if (!sstVersion)
    throw new Failure("cannot read sst's version from node_modules/sst/package.json");

  if (!force && typesAreCurrent(sstVersion)) {
    log(`.sst/platform is up to date for sst ${sstVersion}; nothing to do`);
    return;
  }
  log(
    force
      ? `--force given; regenerating .sst/platform for sst ${sstVersion}`
      : existsSync(platformDir)
        ? `.sst/platform is stale or incomplete for sst ${sstVersion}; regenerating`
        : `.sst/platform is missing; generating it for sst ${sstVersion}`,
  );
  if (process.platform === "win32") {
    throw new Failure("generating the types needs a POSIX shell for the pulumi stub; use WSL");
  }
  rmSync(stampPath, { force: true });

  const expected = expectedPulumiVersion();
  const { description, env, cleanup } = prepareEnvironment(expected);
  log(`using ${description}`);
  const started = Date.now();
  let result;
  try {
    result = spawnSync(
      process.execPath,
      [join(sstPackageDir(), "bin", "sst.mjs"), "install", "--stage", "typecheck"],
      {
        cwd: root,
        stdio: "inherit",
        timeout: 10 * 60_000,
        env: { ...process.env, SST_NO_BUN: "1", SST_TELEMETRY_DISABLED: "1", ...env },
      },
    );
  } finally {
    cleanup();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);

  if (result.error) throw new Failure(`could not run sst install: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Failure(
      `sst install failed (exit ${result.status ?? result.signal}) after ${seconds}s. ` +
        "It bundles sst.config.ts and the infra/ modules it imports, so a build error above " +
        "is the usual cause; otherwise check that the npm registry is reachable.",
    );
  }
  if (!existsSync(join(platformDir, "config.d.ts"))) {
    throw new Failure("sst install succeeded but .sst/platform/config.d.ts was not generated");
  }
  writeFileSync(
    stampPath,
    `${JSON.stringify({ sst: sstVersion, pulumi: expected, generatedAt: new Date().toISOString() }, null, 2)}\n`,
  );
  log(`generated .sst/platform in ${seconds}s (stamp: .sst/types-stamp.json)`);
}

try {
  main();
} catch (error) {
  const message = error instanceof Failure ? error.message : (error?.stack ?? String(error));
  console.error(`[sst-types] error: ${message}`);
  process.exit(1);
}
