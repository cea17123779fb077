// The `cdp` command's prebuilt bundle: our TypeScript sources (packages/functions/src and
// packages/core/src) compiled by esbuild into dist/, one chunk per lazily loaded part, with every
// npm package left external (loaded from node_modules as it is: PGlite's and libpg-query's wasm
// and data files stay where the packages expect them). Node loads it without tsx's per-module
// transform, which is most of the command's start-up time.
//
// bin/cdp.mjs runs the bundle only when it is newer than every source file, else the sources
// through tsx; so a fresh clone works with no build step, and an edit is never hidden by a stale
// bundle. The test run's global setup and `npm start` build it.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const functions = fileURLToPath(new URL("..", import.meta.url));
const root = join(functions, "../..");
export const distDir = join(functions, "dist");
export const bundlePath = join(distDir, "cdp.mjs");

/** What the bundle is built from: a change to any of these makes it stale. */
const inputs = [
  join(root, "packages/core/src"),
  join(root, "packages/core/package.json"),
  join(functions, "src"),
  join(functions, "package.json"),
  fileURLToPath(import.meta.url),
];

function newest(path) {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  let max = s.mtimeMs; // a deleted file changes its folder's time
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

/** Is the bundle there and built after the last change to its sources? */
export function bundleIsFresh() {
  const built = statSync(bundlePath, { throwIfNoEntry: false });
  return Boolean(built) && Math.max(...inputs.map(newest)) < built.mtimeMs;
}

/**
 * `import.meta.url` in a bundled module would name the bundle, not the source file; code that
 * finds files beside its source (the ops store's migrations, the console's dist) needs the
 * latter. Each module's `import.meta.url` becomes its source file's URL, taken relative to the
 * bundle's folder so that the checkout can move.
 */
const sourceUrls = {
  name: "source-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const { readFile } = await import("node:fs/promises");
      const text = await readFile(args.path, "utf8");
      if (!text.includes("import.meta.url")) return { contents: text, loader: "ts" };
      const rel = relative(distDir, args.path).split("\\").join("/");
      return {
        contents: text.replaceAll(
          "import.meta.url",
          `new URL(${JSON.stringify(rel)}, import.meta.url).href`,
        ),
        loader: "ts",
      };
    });
  },
};

/** Our workspace packages are bundled; every other package is imported from node_modules. */
const npmPackagesExternal = {
  name: "npm-packages-external",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith("@cdp/") || args.path.startsWith("node:")
        ? undefined
        : { path: args.path, external: true },
    );
  },
};

/** Build dist/cdp.mjs (and its chunks). Safe to run while another `cdp` runs the old bundle. */
export async function buildCliBundle() {
  const { build } = await import("esbuild");
  const started = Date.now();
  const result = await build({
    entryPoints: { cdp: join(functions, "src/cli/main.ts") },
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outdir: distDir,
    outExtension: { ".js": ".mjs" },
    chunkNames: "cdp-[name]-[hash]",
    write: false,
    logLevel: "warning",
    plugins: [npmPackagesExternal, sourceUrls],
  });
  mkdirSync(distDir, { recursive: true });
  // Chunks are named by their content, so writing one never changes what an older entry
  // imports. The entry goes last, by rename, so no reader sees half of it.
  const written = new Set();
  let entry;
  for (const file of result.outputFiles) {
    written.add(file.path);
    if (file.path === bundlePath) entry = file;
    else if (!existsSync(file.path)) writeFileSync(file.path, file.contents);
  }
  const tmp = `${bundlePath}.${process.pid}.tmp`;
  writeFileSync(tmp, entry.contents);
  // Stamped with the build's start: a source edited during the build leaves the bundle stale.
  const at = new Date(started - 1);
  utimesSync(tmp, at, at);
  renameSync(tmp, bundlePath);
  // Chunks of earlier builds, once no `cdp` started in the last minute could still load them.
  for (const name of readdirSync(distDir)) {
    const path = join(distDir, name);
    if (written.has(path) || !/^cdp-.*\.mjs$/.test(name)) continue;
    if (statSync(path).mtimeMs < started - 60_000) rmSync(path, { force: true });
  }
  return { ms: Date.now() - started, files: written.size, dir: dirname(bundlePath) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { ms, files } = await buildCliBundle();
  console.log(`Built ${relative(root, bundlePath)} (${files} files) in ${ms} ms`);
}
