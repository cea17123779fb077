// One PostgreSQL server for the whole test run; each test file makes its own database on it.
// Also builds the `cdp` command's bundle when its sources changed, so that the many tests that
// spawn `cdp` do not each pay tsx's compile of the sources (bin/cdp.mjs falls back to the
// sources whenever the bundle is older than them).
import type { TestProject } from "vitest/node";
import { buildCliBundle, bundleIsFresh } from "../../packages/functions/scripts/cli-bundle.mjs";
import { startPostgres } from "./postgres";

export default async function setup(project: TestProject) {
  const [server] = await Promise.all([
    startPostgres(),
    bundleIsFresh() ? undefined : buildCliBundle(),
  ]);
  project.provide("pgUrl", server.url);
  return () => server.stop();
}
