// The CLI as a careful operator meets it: a warning for a non-loopback bind, and a plain error,
// not a hang, when the server it talks to does not answer.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { cdp, startServer } from "../../../test/support/cli";

const dirs: string[] = [];
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), "cdp-cli-hard-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("cdp and its server", () => {
  test("cdp start warns when --host is not a loopback address", async () => {
    const server = await startServer(["--host", "0.0.0.0", "--data-dir", dataDir()], {
      CDP_NO_SAMPLE: "1",
    });
    try {
      expect(server.output()).toMatch(
        /Warning: --host 0\.0\.0\.0 makes the API and console reachable/,
      );
    } finally {
      await server.stop();
    }
  });

  test("a command whose server never answers fails with the timeout named", async () => {
    const dir = dataDir();
    // A server that accepts connections and never replies: what a stuck `cdp start` looks like.
    const silent: Server = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as { port: number }).port;
    try {
      writeFileSync(join(dir, "token"), "fake-token-for-tests\n", { mode: 0o600 });
      writeFileSync(
        join(dir, "cdp.lock"),
        JSON.stringify({
          pid: process.pid,
          host: hostname(),
          kind: "server",
          command: "cdp start",
          startedAt: new Date().toISOString(),
          url: `http://127.0.0.1:${port}`,
        }),
      );
      const r = await cdp(["runs", "--data-dir", dir], { CDP_CLIENT_TIMEOUT_S: "1" });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/did not answer within 1 s/);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
