// The API refuses hostile and careless input cleanly: the hardening review's W1, W4, W6 and L rows
// replayed through app.request() on a local platform, and the data dir kept private (W5).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { makePlatform, type TestPlatform } from "../../../test/support/platform";
import { createApi, MAX_JSON_BYTES } from "../src/api";
import { createLocalApp, SECURITY_HEADERS } from "../src/local/server";

type Run = {
  id: string;
  status: string;
  args: { sourceKey: string };
  stats: Record<string, unknown>;
};

describe("the API under hostile input", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await makePlatform("pglite");
  });
  afterAll(() => t.close());

  const upload = (name: string, body: string, query = "") =>
    t.request(`/api/ingest?name=${encodeURIComponent(name)}&table=racet&wait=true${query}`, {
      method: "POST",
      body,
      headers: { "content-type": "text/csv" },
    });

  test("concurrent uploads of one name each become their own run, and no rows are lost (W1)", async () => {
    const bodies = Array.from(
      { length: 8 },
      (_, i) => `user_id,email\n${i * 10 + 1},a${i}@example.com\n${i * 10 + 2},b${i}@example.com\n`,
    );
    const responses = await Promise.all(bodies.map((b) => upload("race.csv", b)));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(201));
    const runs = await Promise.all(
      responses.map(async (r) => ((await r.json()) as { run: Run }).run),
    );
    expect(new Set(runs.map((r) => r.id)).size).toBe(8);
    expect(new Set(runs.map((r) => r.args.sourceKey)).size).toBe(8);
    expect(runs.every((r) => r.status === "SUCCEEDED")).toBe(true);
    const wh = await t.platform.warehouse();
    const [n] = await wh.query<{ n: unknown }>("select count(*) as n from racet");
    expect(Number(n?.n)).toBe(16);
  });

  test("an upload over the limit is refused with the limit named, and nothing stays in the lake", async () => {
    vi.stubEnv("CDP_MAX_UPLOAD_MB", "1");
    try {
      const big = `user_id,email\n${"1,x@example.com\n".repeat(80_000)}`;
      const res = await t.request("/api/ingest?name=huge.csv&table=huge", {
        method: "POST",
        body: new Blob([big]).stream(),
        headers: { "content-type": "text/csv" },
        duplex: "half",
      } as RequestInit);
      expect(res.status).toBe(413);
      expect(((await res.json()) as { message: string }).message).toMatch(/1 MB/);
      expect(await t.platform.lake.list("inbox/huge/")).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  test("a JSON body over 1 MiB is refused, so no run carries megabytes of args (W4)", async () => {
    const res = await t.request("/api/runs", {
      method: "POST",
      body: JSON.stringify({ pipeline: "selftest", args: { pad: "x".repeat(MAX_JSON_BYTES) } }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toMatch(/1024 KiB/);
    const list = await t.request("/api/runs?limit=50");
    expect((await list.text()).length).toBeLessThan(200_000);
  });

  test("bad arguments for a pipeline are a 400 that names the argument", async () => {
    const res = await t.request("/api/runs", {
      method: "POST",
      body: JSON.stringify({ pipeline: "selftest", args: { stepMs: "slow" } }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "run.bad_args" });
  });

  test("a 248-character name with a bad row loads, its rejects written, its name kept short (W6)", async () => {
    const name = `${"n".repeat(244)}.csv`;
    const good = Array.from({ length: 60 }, (_, i) => `${i + 1},u${i}@example.com`).join("\n");
    const res = await upload(name, `user_id,email\n${good}\n61,not-an-email\n`);
    expect(res.status).toBe(201);
    const { run } = (await res.json()) as { run: Run & { stats: { rejectsKey: string } } };
    expect(run.status).toBe("SUCCEEDED");
    expect(run.stats.rejectsKey).toMatch(/~[0-9a-f]{8}\.rejects\.csv$/);
    expect(await t.platform.lake.exists(run.stats.rejectsKey)).toBe(true);
    expect(await t.platform.lake.list("inbox/racet/")).toEqual([]);
  });

  test("control and right-to-left override characters never reach a lake key", async () => {
    const res = await upload("evil\u202Etxt.csv", "user_id,email\n1,ok@example.com\n");
    const { run } = (await res.json()) as { run: Run };
    expect(run.args.sourceKey).toBe("inbox/racet/evil_txt.csv");
  });

  test("NUL, line breaks and broken escapes in a path are a 400, never a 500", async () => {
    for (const path of ["/api/runs/%00", "/api/runs/a%0aFORGED", "/api/runs/%E0%A4%A"]) {
      const res = await t.request(path);
      expect(res.status, path).toBe(400);
      expect(await res.json()).toMatchObject({ error: "request.bad_path" });
    }
  });

  test("health without a token says up or down, not why", async () => {
    const broken = createApi(
      {
        ...t.platform,
        warehouse: async () => {
          throw new Error("cannot open /srv/secret/warehouse: permission denied");
        },
      },
      { kind: "token", token: t.token },
    );
    const anonymous = await broken.request("/api/health");
    expect(anonymous.status).toBe(503);
    const seen = (await anonymous.json()) as { checks: Record<string, unknown>[] };
    expect(seen.checks.find((c) => c.name === "warehouse")).toEqual({
      name: "warehouse",
      ok: false,
      latencyMs: expect.any(Number),
    });
    const operator = await broken.request("/api/health", {
      headers: { authorization: `Bearer ${t.token}` },
    });
    expect(JSON.stringify(await operator.json())).toMatch(/permission denied/);
  });

  test("runs started by hand are bounded: past the queue's limit the API says 429", async () => {
    const starts = Array.from({ length: 40 }, () =>
      t.request("/api/runs", {
        method: "POST",
        body: JSON.stringify({ pipeline: "selftest", args: { stepMs: 500 } }),
      }),
    );
    const statuses = (await Promise.all(starts)).map((r) => r.status);
    expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(22);
    expect(statuses).toContain(429);
    // An ingest is not stuck behind them: it is scheduled before every run started by hand.
    const res = await upload("after.csv", "user_id,email\n1,ok@example.com\n");
    expect(((await res.json()) as { run: Run }).run.status).toBe("SUCCEEDED");
  });

  test("the console and API answer with security headers", async () => {
    const app = createLocalApp(t.platform, t.token);
    for (const path of ["/", "/api/health"]) {
      const res = await app.request(path);
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
        expect(res.headers.get(name), `${path} ${name}`).toBe(value);
      }
    }
  });
});

describe("the data dir is private", () => {
  test("files made under umask 022, and the tree left by an older version, end owner-only (W5)", () => {
    const root = mkdtempSync(join(tmpdir(), "cdp-private-"));
    try {
      const old = process.umask(0o022);
      writeFileSync(join(root, "left-readable.csv"), "a\n", { mode: 0o644 });
      execFileSync(
        "bash",
        ["-c", `umask 022 && node bin/cdp.mjs runs --data-dir "${root}" >/dev/null`],
        { cwd: join(__dirname, "..") },
      );
      process.umask(old);
      const loose: string[] = [];
      const walk = (p: string) => {
        const s = statSync(p);
        if (s.mode & 0o077) loose.push(`${p} ${(s.mode & 0o777).toString(8)}`);
        if (s.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
      };
      walk(root);
      expect(loose).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
