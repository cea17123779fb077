#!/usr/bin/env node
// The smoke run (.ci/run runs it on the Node.js the suite does not use): what a newcomer does
// first, on whichever `node` is on PATH — `npm start` in an empty data dir, `cdp ingest` of a
// small CSV into the running platform, the console's first page and its script, the run listed by
// the API — then a clean stop. Prints one line per step and `smoke: ok` or `smoke: FAILED: …`.
//
// Usage: node scripts/smoke.mjs   (CDP_SMOKE_TIMEOUT_S: the whole run's limit, default 300)
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const started = Date.now();
const limitS = Number(process.env.CDP_SMOKE_TIMEOUT_S ?? 300);
const dir = mkdtempSync(join(tmpdir(), "cdp-smoke-"));
const env = { ...process.env, CDP_DATA_DIR: join(dir, "data"), CDP_NO_SAMPLE: "1" };
const log = (m) => console.log(`smoke [${((Date.now() - started) / 1000).toFixed(1)}s] ${m}`);

let server;
let output = "";

function stop() {
  if (server && server.exitCode === null) {
    // npm start → scripts/start.mjs → cdp start: the whole group gets the signal.
    try {
      process.kill(-server.pid, "SIGINT");
    } catch {}
  }
}

async function main() {
  const node = spawnSync("node", ["--version"], { encoding: "utf8" }).stdout.trim();
  log(`node ${node} (${process.execPath}), data dir ${env.CDP_DATA_DIR}`);
  // jsforce (the Salesforce sync) loads on this Node.
  const jsforce = spawnSync(
    "node",
    [
      "--input-type=module",
      "-e",
      "const m = await import('jsforce'); console.log(m.default.VERSION)",
    ],
    { cwd: join(root, "packages/core"), encoding: "utf8", env },
  );
  if (jsforce.status !== 0) throw new Error(`jsforce does not load: ${jsforce.stderr.trim()}`);
  log(`jsforce ${jsforce.stdout.trim()} loads`);

  server = spawn("npm", ["start", "--silent", "--", "--port", "0"], {
    cwd: root,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const m = /Console: (http:\/\/[^\s/]+)\/\?token=(\S+)/.exec(output);
      if (m) resolve({ base: m[1], token: m[2] });
    };
    server.stdout.on("data", onData);
    server.stderr.on("data", onData);
    server.on("exit", (code) => reject(new Error(`npm start exited (${code}) before serving`)));
  });
  log(`npm start serves ${url.base}`);

  const csv = join(dir, "smoke_customers.csv");
  const rows = Array.from({ length: 50 }, (_, i) => `${i + 1},User ${i + 1},u${i + 1}@example.com`);
  writeFileSync(csv, `user_id,name,email\n${rows.join("\n")}\n`);
  const ingest = spawnSync(
    "node",
    [join(root, "packages/functions/bin/cdp.mjs"), "ingest", csv, "--json"],
    { cwd: root, env, encoding: "utf8", timeout: 120_000 },
  );
  if (ingest.status !== 0) {
    throw new Error(`cdp ingest failed (${ingest.status}): ${ingest.stderr || ingest.stdout}`);
  }
  const result = JSON.parse(ingest.stdout);
  if (result.status !== "SUCCEEDED" || result.rowsLoaded !== 50) {
    throw new Error(`cdp ingest: ${ingest.stdout.trim()}`);
  }
  log(
    `cdp ingest: run ${result.runId} ${result.status}, ${result.rowsLoaded} rows into ${result.table}`,
  );

  const page = await fetch(`${url.base}/?token=${url.token}`);
  const html = await page.text();
  const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
  if (page.status !== 200 || !script) {
    throw new Error(`the console's first page: ${page.status} ${html.slice(0, 200)}`);
  }
  const js = await fetch(new URL(script, url.base));
  if (js.status !== 200) throw new Error(`the console's script ${script}: ${js.status}`);
  log(
    `console: / ${page.status}, ${script} ${js.status} (${(await js.arrayBuffer()).byteLength} bytes)`,
  );

  const runs = await fetch(`${url.base}/api/runs`, {
    headers: { authorization: `Bearer ${url.token}` },
  });
  const listed = JSON.stringify(await runs.json());
  if (runs.status !== 200 || !listed.includes(result.runId)) {
    throw new Error(`GET /api/runs (${runs.status}) does not list ${result.runId}`);
  }
  log(`GET /api/runs lists ${result.runId}`);

  // npm itself dies of the signal; `close` waits for cdp start, which holds the same pipes.
  const closed = new Promise((resolve) => server.on("close", resolve));
  stop();
  await closed;
  if (
    !output.includes("Stopping: waiting for running jobs") ||
    /Stopped (after|at once)/.test(output)
  ) {
    throw new Error("cdp start did not stop cleanly on SIGINT");
  }
  log("npm start stopped cleanly on SIGINT");
}

const timer = setTimeout(() => {
  console.log(output);
  console.log(`smoke: FAILED: not done after ${limitS} s`);
  stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}, limitS * 1000);

try {
  await main();
  console.log(`smoke: ok in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exitCode = 0;
} catch (err) {
  console.log(output);
  console.log(`smoke: FAILED: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
  stop();
} finally {
  clearTimeout(timer);
  rmSync(dir, { recursive: true, force: true });
}
