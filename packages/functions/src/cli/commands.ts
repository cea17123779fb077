// The commands of `cdp`: each parses its flags, calls the API once or twice, prints, and returns
// its exit code (0 success, 1 failure).

import { selftest as selftestPipeline } from "@cdp/core/selftest/pipeline";
import type { DataDir } from "../local/data-dir";
import { CliError, connect, ok } from "./connect";
import { runLine, runRow, table } from "./format";

export interface Command {
  usage: string;
  options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>;
  positionals?: [min: number, max: number];
  run(ctx: {
    dir: DataDir;
    values: Record<string, unknown>;
    positionals: string[];
  }): Promise<number>;
}

function print(json: boolean, value: unknown, text: () => string) {
  console.log(json ? JSON.stringify(value, null, 2) : text());
}

export const selftest: Command = {
  usage: `cdp selftest [--fail] [--json]

Runs the built-in selftest job (checks the ops store, warehouse and lake) and waits for it.
  --fail   inject a transient fault: this run fails, and its retry succeeds
  --json   print the run as JSON`,
  options: { fail: { type: "boolean" }, json: { type: "boolean" } },
  async run({ dir, values }) {
    const s = await connect(dir, "cdp selftest");
    try {
      const { run } = await ok(
        await s.api.api.runs.$post({
          json: { pipeline: selftestPipeline.name, args: values.fail ? { fail: true } : {} },
          query: { wait: "true", ...(values.confirm ? { confirm: "true" } : {}) },
        }),
      );
      print(Boolean(values.json), run, () => runLine(run));
      return run.status === "SUCCEEDED" ? 0 : 1;
    } finally {
      await s.close();
    }
  },
};

export const runs: Command = {
  usage: `cdp runs [--status S] [--pipeline P] [--limit N] [--json]

Lists pipeline runs, newest first.
  --status S     FAILED, RUNNING, SUCCEEDED, QUEUED, TIMED_OUT or STOPPED (comma-separated for several)
  --pipeline P   only runs of this pipeline (comma-separated for several)
  --limit N      at most N runs (default 50)
  --json         print an array of runs`,
  options: {
    status: { type: "string" },
    pipeline: { type: "string" },
    limit: { type: "string" },
    json: { type: "boolean" },
  },
  async run({ dir, values }) {
    const s = await connect(dir, "cdp runs");
    try {
      const page = await ok(
        await s.api.api.runs.$get({
          query: {
            status: values.status as string | undefined,
            pipeline: values.pipeline as string | undefined,
            limit: values.limit as string | undefined,
          },
        }),
      );
      const items = page.items;
      print(Boolean(values.json), items, () => table(items.map(runRow)));
      return 0;
    } finally {
      await s.close();
    }
  },
};

export const retry: Command = {
  usage: `cdp retry RUN_ID [--confirm] [--json]

Retries a failed run (same arguments) and waits for the new run. A run is retried once: retrying it
again names the run that already retried it. A run that failed on its data or configuration (it
needs a fix: the retry would fail the same way) is retried only with --confirm, once it is fixed.`,
  options: { json: { type: "boolean" }, confirm: { type: "boolean" } },
  positionals: [1, 1],
  async run({ dir, values, positionals }) {
    const s = await connect(dir, "cdp retry");
    try {
      const { run } = await ok(
        await s.api.api.runs[":id"].retry.$post({
          param: { id: positionals[0]! },
          query: { wait: "true", ...(values.confirm ? { confirm: "true" } : {}) },
        }),
      );
      print(Boolean(values.json), run, () => runLine(run));
      return run.status === "SUCCEEDED" ? 0 : 1;
    } finally {
      await s.close();
    }
  },
};

export const sql: Command = {
  usage: `cdp sql "QUERY" [--json]

Runs one read-only SELECT on the local warehouse (anything else is refused); at most 1,000 rows
and 8 MB come back, and a cut is said on stderr.
  --json   print an array of row objects`,
  options: { json: { type: "boolean" } },
  positionals: [1, 1],
  async run({ dir, values, positionals }) {
    const s = await connect(dir, "cdp sql");
    try {
      const answer = await ok(await s.api.api.sql.$post({ json: { query: positionals[0]! } }));
      print(Boolean(values.json), answer.rows, () => table(answer.rows));
      if ("truncated" in answer) console.error(`truncated: showing ${answer.truncated}`);
      return 0;
    } finally {
      await s.close();
    }
  },
};

export { CliError };
