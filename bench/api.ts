// API benchmark: with 100,000 runs in the local ops store (embedded PGlite, as `npm start` runs),
// requests per second and latency of `GET /api/runs?status=FAILED` under a bounded concurrent load
// on 127.0.0.1, from a second process. Target: p99 under 50 ms at 200 requests/s.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { runTable } from "../packages/core/src/run/run.sql";
import { createId } from "../packages/core/src/util/id";
import { resolveDataDir } from "../packages/functions/src/local/data-dir";
import { openLocalPlatform } from "../packages/functions/src/local/platform";
import { createLocalApp, listen } from "../packages/functions/src/local/server";
import { figure, printTable } from "./report";

const root = fileURLToPath(new URL("..", import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 100_000);

interface Load {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The load comes from another process; this one only serves (never block its event loop). */
async function load(
  url: string,
  token: string,
  mode: "rate" | "max",
  arg: number,
  seconds: number,
): Promise<Load> {
  const { stdout } = await promisify(execFile)(
    join(root, "node_modules/.bin/tsx"),
    [join(root, "bench/load.ts"), url, token, mode, String(arg), String(seconds)],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

export async function run() {
  const dir = resolveDataDir(mkdtempSync(join(tmpdir(), "cdp-bench-api-")));
  const platform = await openLocalPlatform(dir);
  try {
    const t0 = performance.now();
    const statuses = [
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
      "FAILED",
      "TIMED_OUT",
      "STOPPED",
    ];
    const pipelines = ["ingest", "selftest", "housekeeping"];
    const start = Date.now() - RUNS * 60_000;
    for (let i = 0; i < RUNS; i += 2000) {
      const batch = Array.from({ length: Math.min(2000, RUNS - i) }, (_, j) => {
        const k = i + j;
        const at = new Date(start + k * 60_000);
        const status = statuses[k % statuses.length]!;
        return {
          id: createId("run"),
          pipeline: pipelines[k % pipelines.length]!,
          engine: "local",
          status,
          createdAt: at,
          startedAt: at,
          finishedAt: new Date(at.getTime() + 1500),
          args: { sourceKey: `inbox/customers/customers_${k}.csv`, table: "customers" },
          error:
            status === "SUCCEEDED" ? null : `run ${k} failed: 3 of 10 records failed quality rules`,
          stats: { rowsRead: 10, rowsLoaded: 7, rowsQuarantined: 3, columnsAdded: [] },
        };
      });
      await platform.ops.db.insert(runTable).values(batch);
    }
    console.log(
      `seeded ${RUNS.toLocaleString()} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const token = "bench-token";
    const server = await listen(createLocalApp(platform, token), "127.0.0.1", 0);
    try {
      const url = `${server.url}/api/runs?status=FAILED`;
      await load(url, token, "max", 4, 2); // warm up
      const fixed = await load(url, token, "rate", 200, 20);
      const max = await load(url, token, "max", 16, 10);
      printTable([
        {
          load: "200 req/s for 20 s",
          requests: fixed.requests,
          errors: fixed.errors,
          "req/s": fixed.rps,
          "p50 ms": fixed.p50,
          "p99 ms": fixed.p99,
          "max ms": fixed.max,
        },
        {
          load: "16 connections, as fast as possible, 10 s",
          requests: max.requests,
          errors: max.errors,
          "req/s": max.rps,
          "p50 ms": max.p50,
          "p99 ms": max.p99,
          "max ms": max.max,
        },
      ]);
      figure("api_runs_p50_ms", fixed.p50, "ms");
      figure("api_runs_p99_ms", fixed.p99, "ms");
      figure("api_runs_rps", max.rps, "req/s", 0);
    } finally {
      await server.close();
    }
  } finally {
    await platform.close();
    rmSync(dir.root, { recursive: true, force: true });
  }
}
