import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { cdp, startServer } from "../../../test/support/cli";

const dirs: string[] = [];
function dataDir() {
  const d = mkdtempSync(join(tmpdir(), "cdp-cli-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Run = { id: string; status: string; retryOf: string | null; error: string | null };

describe("cdp without a server (opens the data dir itself)", () => {
  const dir = dataDir();

  test("usage errors exit 2 with the command's usage", async () => {
    const none = await cdp([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toMatch(/Usage: cdp <command>/);
    const unknown = await cdp(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const flag = await cdp(["runs", "--bogus", "--data-dir", dir]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/Unknown option '--bogus'[\s\S]*cdp runs \[--status S\]/);
    const status = await cdp(["runs", "--status", "NOPE", "--data-dir", dir]);
    expect(status.code).toBe(2);
    const help = await cdp(["retry", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--data-dir DIR/);
  });

  test("selftest, a failing selftest, its retry, and the runs list", async () => {
    const ok = await cdp(["selftest", "--json", "--data-dir", dir]);
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.stdout) as Run).status).toBe("SUCCEEDED");

    const bad = await cdp(["selftest", "--fail", "--data-dir", dir]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/selftest FAILED .*Injected fault/);

    const failed = JSON.parse(
      (await cdp(["runs", "--status", "FAILED", "--json", "--data-dir", dir])).stdout,
    ) as Run[];
    expect(failed).toHaveLength(1);

    const retry = await cdp(["retry", failed[0]!.id, "--json", "--data-dir", dir]);
    expect(retry.code).toBe(0);
    expect(JSON.parse(retry.stdout)).toMatchObject({ status: "SUCCEEDED", retryOf: failed[0]!.id });

    const twice = await cdp(["retry", failed[0]!.id, "--data-dir", dir]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/already retried as run_/);

    const table = await cdp(["runs", "--data-dir", dir]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(
      /^ID\s+PIPELINE\s+SUBJECT\s+STATUS\s+STARTED\s+DURATION/,
    );
    expect(table.stdout.trim().split("\n")).toHaveLength(4);

    const token = statSync(join(dir, "token"));
    expect(token.mode & 0o777).toBe(0o600);
  });

  test("sql prints rows as objects with --json and refuses writes", async () => {
    const rows = await cdp(["sql", "select 1 as one, 'a' as letter", "--json", "--data-dir", dir]);
    expect(rows.code).toBe(0);
    expect(JSON.parse(rows.stdout)).toEqual([{ one: 1, letter: "a" }]);
    const write = await cdp(["sql", "drop table if exists x", "--data-dir", dir]);
    expect(write.code).toBe(1);
    expect(write.stderr).toMatch(/read-only/);
  });
});

describe("cdp with `cdp start` running on the data dir", () => {
  test("other commands go through the server's API; a second server is refused", async () => {
    const dir = dataDir();
    const server = await startServer(["--data-dir", dir]);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${server.url}/api/health`);
      expect(health.status).toBe(200);
      const denied = await fetch(`${server.url}/api/runs`);
      expect(denied.status).toBe(401);

      const run = await cdp(["selftest", "--json", "--data-dir", dir]);
      expect(run.code).toBe(0);
      const listed = await fetch(`${server.url}/api/runs`, {
        headers: { authorization: `Bearer ${server.token}` },
      });
      const page = (await listed.json()) as { items: Run[] };
      expect(page.items.map((r) => r.id)).toContain((JSON.parse(run.stdout) as Run).id);

      const second = await cdp(["start", "--port", "0", "--data-dir", dir]);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/in use by the server \(pid \d+: cdp start\)/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  /** `cdp start` on a new data dir, with a selftest going that would take 20 s. */
  async function serverWithLongRun() {
    const dir = dataDir();
    const server = await startServer(["--data-dir", dir]);
    const res = await fetch(`${server.url}/api/runs`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
      body: JSON.stringify({ pipeline: "selftest", args: { stepMs: 10_000 } }),
    });
    const { run } = (await res.json()) as { run: Run };
    return { dir, server, run };
  }

  test("SIGTERM stops the server within its grace period even with a long run going", async () => {
    const { dir, server, run } = await serverWithLongRun();
    // The selftest would take 20 s; stopping does not wait for it past the grace period.
    expect(await server.stop("SIGTERM")).toBe(1);
    expect(server.output()).toMatch(
      /Stopped after 10 s: runs still going are failed on the next start/,
    );
    const after = await cdp(["runs", "--json", "--data-dir", dir]);
    const found = (JSON.parse(after.stdout) as Run[]).find((r) => r.id === run.id)!;
    expect(found.status).toBe("FAILED");
  });

  test("a run in flight when the server is killed is failed with the reason on the next start", async () => {
    const { dir, server, run } = await serverWithLongRun();
    await server.stop("SIGKILL");

    const after = await cdp(["runs", "--json", "--data-dir", dir]);
    expect(after.code).toBe(0);
    const found = (JSON.parse(after.stdout) as Run[]).find((r) => r.id === run.id)!;
    expect(found.status).toBe("FAILED");
    expect(found.error).toMatch(
      /^Interrupted: the process running it \(.+:\d+\) stopped before the run finished/,
    );
  });

  test("a port already in use is a clear error", async () => {
    const dir = dataDir();
    const server = await startServer(["--data-dir", dir]);
    try {
      const port = new URL(server.url).port;
      const other = await cdp(["start", "--port", port, "--data-dir", dataDir()]);
      expect(other.code).toBe(1);
      expect(other.stderr).toMatch(new RegExp(`port ${port} on 127.0.0.1 is already in use`));
    } finally {
      await server.stop();
    }
  });
});
