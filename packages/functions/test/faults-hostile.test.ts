// Fault injection: hostile input over the API, each a clear 4xx — the cases api-hardening.test.ts
// (uploads over the limit as a stream, JSON over 1 MiB, bad args, control characters in paths)
// does not cover: path traversal in table names and lake keys, huge headers and a 2 GB upload over
// a real socket (the server's own limits), JSON of the wrong shape, forged and stale tokens.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makePlatform, type TestPlatform } from "../../../test/support/platform";
import { createLocalApp, type Listening, listen } from "../src/local/server";

let t: TestPlatform;
let server: Listening;
let port: number;
beforeAll(async () => {
  t = await makePlatform("postgres");
  server = await listen(createLocalApp(t.platform, t.token), "127.0.0.1", 0);
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

const json = async (res: Response) => (await res.json()) as { error: string; message: string };
const runCount = async () => (await t.platform.operations.list({ limit: 500 })).items.length;

describe("path traversal", () => {
  test("in a table name: a 400 naming it; nothing lands outside inbox/<table>/", async () => {
    for (const table of ["../../etc", "..", "a/../../b", "x\\..\\y"]) {
      const res = await t.request(`/api/ingest?name=a.csv&table=${encodeURIComponent(table)}`, {
        method: "POST",
        body: "user_id\n1\n",
        headers: { "content-type": "text/csv" },
      });
      if (res.status === 201) {
        // Normalised into a plain table name: the file is under inbox/<that name>/.
        const { run } = (await res.json()) as { run: { args: { sourceKey: string } } };
        expect(run.args.sourceKey, table).toMatch(/^inbox\/[a-z_][a-z0-9_]*\/a\.csv$/);
      } else {
        expect(res.status, table).toBe(400);
        expect((await json(res)).message, table).toMatch(/table/);
      }
    }
  });

  test("in a file name: only its last part is kept, under inbox/", async () => {
    const res = await t.request(
      `/api/ingest?name=${encodeURIComponent("../../../etc/passwd.csv")}&table=trav&wait=true`,
      { method: "POST", body: "user_id\n1\n", headers: { "content-type": "text/csv" } },
    );
    expect(res.status).toBe(201);
    const { run } = (await res.json()) as { run: { args: { sourceKey: string } } };
    expect(run.args.sourceKey).toBe("inbox/trav/passwd.csv");
  });

  test("in a lake key given as a run's argument: a 400 that says what a key must be, no run", async () => {
    const before = await runCount();
    for (const [pipeline, args] of [
      ["ingest", { sourceKey: "../../../etc/passwd" }],
      ["ingest", { sourceKey: "/etc/passwd" }],
      ["ingest", { sourceKey: "inbox/../../secrets.env" }],
      ["cdc", { path: "dms/../../etc" }],
    ] as const) {
      const res = await t.request("/api/runs", {
        method: "POST",
        body: JSON.stringify({ pipeline, args }),
      });
      expect(res.status, JSON.stringify(args)).toBe(400);
      expect((await json(res)).message, JSON.stringify(args)).toMatch(/key|path|dms\//);
    }
    expect(await runCount()).toBe(before);
  });

  test("in a run id: a 404, never a file", async () => {
    for (const id of ["..%2F..%2Fetc%2Fpasswd", "..", "run_..%2F..%2Fx"]) {
      const res = await t.request(`/api/runs/${id}`);
      expect(res.status, id).toBe(404);
    }
  });

  test("in the console's static paths, sent raw over a socket: never a file outside the web build", async () => {
    // The console's static serving as server.ts sets it up, over a stand-in build (the real one
    // may not be built where the tests run), with a secret file beside it.
    const base = mkdtempSync(join(tmpdir(), "cdp-static-"));
    const dist = join(base, "dist");
    mkdirSync(dist);
    writeFileSync(join(dist, "index.html"), "<html>console</html>");
    writeFileSync(join(base, "secret.txt"), "SECRET-BESIDE-THE-BUILD");
    const app = new Hono();
    app.use("*", serveStatic({ root: dist }));
    app.get("*", serveStatic({ root: dist, rewriteRequestPath: () => "/index.html" }));
    const site = await listen(app, "127.0.0.1", 0);
    try {
      const sitePort = Number(new URL(site.url).port);
      for (const path of [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/%2e%2e%5csecret.txt",
      ]) {
        const { status, body } = await raw(
          `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
          sitePort,
        );
        expect(body, path).not.toMatch(/SECRET-BESIDE-THE-BUILD/);
        // Refused, or the console's page (client-side routes all load it) — never the file.
        if (status === 200) expect(body, path).toMatch(/<html>console<\/html>/);
        else expect(status, path).toBeGreaterThanOrEqual(400);
        expect(status, path).toBeLessThan(500);
      }
    } finally {
      await site.close();
      rmSync(base, { recursive: true, force: true });
    }
  });
});

/** One raw HTTP exchange: the status and what came back (paths are sent as written). */
function raw(request: string, to = port) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const socket = connect(to, "127.0.0.1", () => socket.write(request));
    let out = "";
    socket.on("data", (d) => {
      out += d;
    });
    socket.on("error", (err) => (out ? undefined : reject(err)));
    socket.on("close", () =>
      resolve({ status: Number(out.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0), body: out }),
    );
  });
}

describe("oversized requests, over a real socket", () => {
  test("huge headers: 431 from the server before any handler runs", async () => {
    const { status } = await raw(
      `GET /api/runs HTTP/1.1\r\nHost: x\r\nX-Pad: ${"a".repeat(64 * 1024)}\r\nConnection: close\r\n\r\n`,
    );
    expect(status).toBe(431);
  });

  test("a 2 GB upload declared by Content-Length: refused with 413 at once, before a byte of it is read", async () => {
    const started = Date.now();
    const { status, body } = await raw(
      `POST /api/ingest?name=big.csv&table=big HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.token}\r\nContent-Type: text/csv\r\nContent-Length: ${2 * 1024 ** 3 + 1}\r\n\r\nuser_id\n1\n`,
    );
    expect(status).toBe(413);
    expect(body).toMatch(/larger than the upload limit of 2048 MB/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await t.platform.lake.list("inbox/big/")).toEqual([]);
  });

  test("an upload cut off part way (the client goes away): nothing stays in the lake, no run starts", async () => {
    const before = await runCount();
    await new Promise<void>((resolve) => {
      const req = httpRequest({
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/api/ingest?name=cut.csv&table=cut",
        headers: {
          authorization: `Bearer ${t.token}`,
          "content-type": "text/csv",
          "content-length": String(2 * 1024 ** 3),
        },
      });
      req.on("error", () => resolve());
      req.on("close", () => resolve());
      req.write(`user_id,email\n${"1,a@example.com\n".repeat(64 * 1024)}`, () => {
        setTimeout(() => req.destroy(), 200);
      });
    });
    // The server notices the cut and drops its temp file.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const left = await t.platform.lake.list("inbox/cut/");
      const temps = readdirSync(t.platform.lake.path("inbox"), {
        recursive: true,
      }) as string[];
      if (!left.length && !temps.some((f) => f.includes(".tmp-"))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await t.platform.lake.list("inbox/cut/")).toEqual([]);
    const temps = readdirSync(t.platform.lake.path("inbox"), {
      recursive: true,
    }) as string[];
    expect(temps.filter((f) => f.includes(".tmp-"))).toEqual([]);
    expect(await runCount()).toBe(before);
  });
});

test("an upload whose body breaks off (as Node reports a client gone mid-body): a 400 saying so, not a logged internal error; nothing kept", async () => {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode("user_id,email\n1,a@example.com\n"));
      controller.error(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
    },
  });
  const res = await t.request("/api/ingest?name=broken.csv&table=broken", {
    method: "POST",
    body,
    headers: { "content-type": "text/csv" },
    duplex: "half",
  } as RequestInit);
  expect(res.status).toBe(400);
  expect(await json(res)).toMatchObject({ error: "request.aborted" });
  expect(await t.platform.lake.list("inbox/broken/")).toEqual([]);
});

describe("JSON of the wrong shape", () => {
  test.each([
    ["not JSON at all", "{pipeline: selftest"],
    ["an array", "[1,2,3]"],
    ["a string", '"selftest"'],
    ["null", "null"],
    ["a number where the pipeline goes", '{"pipeline": 5}'],
    ["args as a list", '{"pipeline": "selftest", "args": [1]}'],
    ["no pipeline", '{"args": {}}'],
  ])("%s: a 400 with a message, no run", async (_, body) => {
    const before = await runCount();
    const res = await t.request("/api/runs", { method: "POST", body });
    expect(res.status).toBe(400);
    expect((await json(res)).message).toEqual(expect.any(String));
    expect(await runCount()).toBe(before);
  });

  test("an unknown pipeline: a 400 that lists the known ones", async () => {
    const res = await t.request("/api/runs", {
      method: "POST",
      body: JSON.stringify({ pipeline: "../../bin/sh" }),
    });
    expect([400, 404]).toContain(res.status);
    expect((await json(res)).message).toMatch(/ingest/);
  });
});

describe("tokens", () => {
  test.each([
    ["forged (right length, wrong bytes)", () => `Bearer ${"x".repeat(t.token.length)}`],
    ["stale (a token this server no longer has)", () => "Bearer 9QmS7Cq0xrY2d4Zl3v1W8pTnKj6hBf5E"],
    ["truncated", () => `Bearer ${t.token.slice(0, -1)}`],
    ["sent as Basic", () => `Basic ${Buffer.from(`x:${t.token}`).toString("base64")}`],
    ["empty", () => "Bearer "],
  ])("%s: 401 that says how to get a valid one; nothing is done", async (_, header) => {
    const before = await runCount();
    const res = await t.api.request("/api/runs", {
      method: "POST",
      body: JSON.stringify({ pipeline: "selftest" }),
      headers: { authorization: header(), "content-type": "application/json" },
    });
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({
      error: "auth.required",
      message: expect.stringMatching(/cdp start/),
    });
    expect(await runCount()).toBe(before);
  });
});
