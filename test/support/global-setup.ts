// One PostgreSQL server for the whole test run; each test file makes its own database on it.
import type { TestProject } from "vitest/node";
import { startPostgres } from "./postgres";

export default async function setup(project: TestProject) {
  const server = await startPostgres();
  project.provide("pgUrl", server.url);
  return () => server.stop();
}
