#!/usr/bin/env node
// The `cdp` command. Runs the prebuilt bundle (dist/cdp.mjs, see scripts/cli-bundle.mjs) when it
// is newer than the sources; else the TypeScript sources through tsx's loader (no build step).
// CDP_CLI_FROM=sources always runs the sources.
import { bundleIsFresh, bundlePath } from "../scripts/cli-bundle.mjs";

if (process.env.CDP_CLI_FROM !== "sources" && bundleIsFresh()) {
  await import(new URL(`file://${bundlePath}`).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
