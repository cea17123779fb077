// Time from `npm start` to the console's first page (and its first API answer), on a warm install:
// once with a new data dir (first start: databases created, sample dropped), once reusing it.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { figure, printTable } from "./report";

const root = fileURLToPath(new URL("..", import.meta.url));

async function startOnce(dataDir: string): Promise<{ consoleMs: number; pageMs: number }> {
  const t0 = performance.now();
  const child = spawn("npm", ["start", "--silent", "--", "--port", "0", "--data-dir", dataDir], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  try {
    const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(
        () => reject(new Error(`no console URL after 120 s:\n${out}`)),
        120_000,
      );
      const on = (d: Buffer) => {
        out += d;
        const m = out.match(/Console: (http:\/\/\S+?)\/\?token=(\S+)/);
        if (m) {
          clearTimeout(timer);
          resolve({ url: m[1]!, token: m[2]! });
        }
      };
      child.stdout.on("data", on);
      child.stderr.on("data", on);
    });
    const consoleMs = performance.now() - t0;
    const page = await fetch(`${url}/?token=${token}`);
    if (!page.ok || !(await page.text()).includes("<div id=")) throw new Error("no console page");
    const runs = await fetch(`${url}/api/runs`, { headers: { authorization: `Bearer ${token}` } });
    if (!runs.ok) throw new Error(`api answered ${runs.status}`);
    return { consoleMs, pageMs: performance.now() - t0 };
  } finally {
    process.kill(-child.pid!, "SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), "cdp-bench-start-"));
  try {
    const first = await startOnce(join(dir, "data"));
    const again = await startOnce(join(dir, "data"));
    printTable([
      {
        start: "new data dir",
        "to Console: line s": first.consoleMs / 1000,
        "to first page and API answer s": first.pageMs / 1000,
      },
      {
        start: "existing data dir",
        "to Console: line s": again.consoleMs / 1000,
        "to first page and API answer s": again.pageMs / 1000,
      },
    ]);
    figure("start_to_first_page_new_data_dir_s", first.pageMs / 1000, "s");
    figure("start_to_first_page_s", again.pageMs / 1000, "s");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
