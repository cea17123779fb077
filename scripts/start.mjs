#!/usr/bin/env node
// `npm start`: build the console (and the `cdp` command's bundle) when its sources changed, then
// run the local platform.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const web = join(root, "packages/web");
const built = join(web, "dist/index.html");

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n))));
}

const sources = ["src", "index.html", "vite.config.ts", "package.json"]
  .map((p) => join(web, p))
  .filter(existsSync);
if (!existsSync(built) || Math.max(...sources.map(newest)) > statSync(built).mtimeMs) {
  console.log("Building the console…");
  const build = spawnSync("npm", ["run", "build", "-w", "@cdp/web", "--silent"], {
    cwd: root,
    stdio: "inherit",
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// The `cdp` command's bundle: it starts in a fraction of the time tsx takes to compile the sources.
const { buildCliBundle, bundleIsFresh } = await import(
  "../packages/functions/scripts/cli-bundle.mjs"
);
if (!bundleIsFresh()) await buildCliBundle();

const cdp = spawnSync(
  process.execPath,
  [join(root, "packages/functions/bin/cdp.mjs"), "start", ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: "inherit",
  },
);
process.exit(cdp.status ?? 1);
