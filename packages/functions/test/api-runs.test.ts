import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames } from "../../../test/support/engines";
import { makePlatform, type TestPlatform } from "../../../test/support/platform";

type Run = {
  id: string;
  status: string;
  retryOf: string | null;
  retriedBy: string | null;
  error: string | null;
};

describe.each(engineNames)("runs API on %s", (engine) => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await makePlatform(engine);
  });
  afterAll(() => t.close());

  const selftest = async (args: Record<string, unknown> = {}) => {
    const res = await t.request("/api/runs?wait=true", {
      method: "POST",
      body: JSON.stringify({ pipeline: "selftest", args: { stepMs: 0, ...args } }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { run: Run }).run;
  };

  test("health answers without a token and reports each dependency", async () => {
    const res = await t.api.request("/api/health");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; checks: { name: string; ok: boolean }[] };
    expect(body.ok).toBe(true);
    expect(body.checks.map((c) => c.name)).toEqual(["ops store", "warehouse", "object store"]);
  });

  test("everything else needs the bearer token", async () => {
    const none = await t.api.request("/api/runs");
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: "auth.required" });
    const wrong = await t.api.request("/api/runs", { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
  });

  test("every run says what it was about: ingest runs lead with table ← file in the list, the run and the failure alert", async () => {
    const upload = (name: string, body: string) =>
      t.request(`/api/ingest?name=${encodeURIComponent(name)}&wait=true`, {
        method: "POST",
        body,
      });
    const good = await upload("customers_2026-11-06.csv", "user_id,email\n1,a@example.com\n");
    expect(good.status).toBe(201);
    const bad = await upload("leads_2026-11-07.csv", "id,email\n1,a@example.com\n");
    const { run: failed } = (await bad.json()) as { run: Run & { subject: string } };
    expect(failed.status).toBe("FAILED");
    expect(failed.subject).toBe("leads ← leads_2026-11-07.csv");

    const list = (await (await t.request("/api/runs?pipeline=ingest")).json()) as {
      items: { subject: string | null; status: string }[];
    };
    expect(list.items.map((r) => [r.status, r.subject])).toEqual([
      ["FAILED", "leads ← leads_2026-11-07.csv"],
      ["SUCCEEDED", "customers ← customers_2026-11-06.csv"],
    ]);
    const detail = (await (await t.request(`/api/runs/${failed.id}`)).json()) as {
      subject: string;
    };
    expect(detail.subject).toBe("leads ← leads_2026-11-07.csv");
    const selftestRun = await selftest();
    expect((selftestRun as Run & { subject: unknown }).subject).toBeNull();

    const alerts = (await (await t.request("/api/alerts")).json()) as {
      items: { title: string; message: string; runId: string | null; runbook: string }[];
    };
    const alert = alerts.items.find((a) => a.runId === failed.id);
    expect(alert?.title).toBe("ingest run failed: leads ← leads_2026-11-07.csv");
    expect(alert?.runbook).toMatch(/runbook\.md#alert-ingest-run-failed$/);
    expect(alert?.message).toMatch(/^leads ← leads_2026-11-07\.csv\n.*no key column "user_id"/);
  });

  test("a failed run is retried once; the retry succeeds; a second retry names the first", async () => {
    const failed = await selftest({ fail: true });
    expect(failed.status).toBe("FAILED");
    expect(failed.error).toMatch(/Injected fault/);

    const res = await t.request(`/api/runs/${failed.id}/retry?wait=true`, { method: "POST" });
    expect(res.status).toBe(201);
    const { run: retry } = (await res.json()) as { run: Run };
    expect(retry).toMatchObject({ status: "SUCCEEDED", retryOf: failed.id });

    const again = await t.request(`/api/runs/${failed.id}/retry`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: "run.already_retried", runId: retry.id });

    const detail = (await (await t.request(`/api/runs/${failed.id}`)).json()) as {
      retriedBy: string;
      chain: Run[];
      retry: { blockedReason: string | null };
    };
    expect(detail.retriedBy).toBe(retry.id);
    expect(detail.chain.map((r) => r.id)).toEqual([failed.id, retry.id]);
    expect(detail.retry.blockedReason).toMatch(/already retried/);
  });

  test("two retries of one failed run at the same moment start exactly one run", async () => {
    const failed = await selftest({ fail: true });
    const [a, b] = await Promise.all([
      t.request(`/api/runs/${failed.id}/retry`, { method: "POST" }),
      t.request(`/api/runs/${failed.id}/retry`, { method: "POST" }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const winner = ((await (a.status === 201 ? a : b).json()) as { run: Run }).run;
    const loser = (await (a.status === 409 ? a : b).json()) as { runId: string };
    expect(loser.runId).toBe(winner.id);
    await t.platform.runner.idle();
    const page = (await (await t.request("/api/runs?limit=500")).json()) as { items: Run[] };
    expect(page.items.filter((r) => r.retryOf === failed.id)).toHaveLength(1);
  });

  test("retrying a run that did not fail is a conflict", async () => {
    const ok = await selftest();
    const res = await t.request(`/api/runs/${ok.id}/retry`, { method: "POST" });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: "run.not_failed" });
  });

  test("lists newest first, filters by status and pipeline, and pages with a cursor", async () => {
    for (let i = 0; i < 3; i++) await selftest();
    const failed = (await (await t.request("/api/runs?status=FAILED")).json()) as { items: Run[] };
    expect(failed.items.length).toBeGreaterThan(0);
    expect(failed.items.every((r) => r.status === "FAILED")).toBe(true);

    const all: Run[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/runs?pipeline=selftest&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page = (await (await t.request(q)).json()) as {
        items: Run[];
        nextCursor: string | null;
      };
      expect(page.items.length).toBeLessThanOrEqual(2);
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const ids = all.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort().reverse()).toEqual(ids);
    const unpaged = (await (await t.request("/api/runs?pipeline=selftest&limit=500")).json()) as {
      items: Run[];
    };
    expect(ids).toEqual(unpaged.items.map((r) => r.id));

    const none = (await (await t.request("/api/runs?pipeline=nothing")).json()) as { items: Run[] };
    expect(none.items).toEqual([]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const later = (await (await t.request(`/api/runs?from=${future}`)).json()) as { items: Run[] };
    expect(later.items).toEqual([]);
  });

  test("bad input is a 400 with a message; unknown runs and routes are 404", async () => {
    const bad = await t.request("/api/runs?status=BOGUS");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "input.invalid" });
    const badLimit = await t.request("/api/runs?limit=0");
    expect(badLimit.status).toBe(400);
    const missing = await t.request("/api/runs/run_nope");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "run.not_found" });
    const route = await t.request("/api/nothing-here");
    expect(route.status).toBe(404);
    const pipeline = await t.request("/api/runs", {
      method: "POST",
      body: JSON.stringify({ pipeline: "nope" }),
    });
    expect(pipeline.status).toBe(400);
    expect(await pipeline.json()).toMatchObject({ error: "run.unknown_pipeline" });
  });

  test("sql runs read-only queries and refuses writes", async () => {
    const res = await t.request("/api/sql", {
      method: "POST",
      body: JSON.stringify({ query: "select 2 as two" }),
    });
    expect(await res.json()).toEqual({ rows: [{ two: 2 }] });
    const write = await t.request("/api/sql", {
      method: "POST",
      body: JSON.stringify({ query: "create table sneaky (a int)" }),
    });
    expect(write.status).toBe(400);
    expect(((await write.json()) as { message: string }).message).toMatch(/read-only/);
  });

  test("every retry is in the audit log: who, when, which run, which new run", async () => {
    const failed = await selftest({ fail: true });
    const res = await t.request(`/api/runs/${failed.id}/retry?wait=true`, { method: "POST" });
    const { run } = (await res.json()) as { run: Run };
    const audit = (await (await t.request(`/api/audit?runId=${failed.id}`)).json()) as {
      items: { actor: string; action: string; runId: string; newRunId: string; at: string }[];
    };
    expect(audit.items).toEqual([
      expect.objectContaining({
        actor: "local",
        action: "retry",
        runId: failed.id,
        newRunId: run.id,
      }),
    ]);
  });

  test("bulk retry: the server counts what the filter matches, retries those, skips the already retried, and streams progress", async () => {
    await t.platform.runner.idle();
    // Retry every failed run left by earlier tests so the count below is exact.
    await t
      .request("/api/runs/retry-all", { method: "POST", body: JSON.stringify({}) })
      .then((r) => r.text());
    await t.platform.runner.idle();
    const a = await selftest({ fail: true });
    const b = await selftest({ fail: true });
    await selftest();
    const preview = (await (await t.request("/api/runs/retryable?pipeline=selftest")).json()) as {
      count: number;
      sample: { id: string }[];
    };
    expect(preview.count).toBe(2);
    expect(preview.sample.map((r) => r.id).sort()).toEqual([a.id, b.id].sort());

    const res = await t.request("/api/runs/retry-all", {
      method: "POST",
      body: JSON.stringify({ pipeline: "selftest" }),
    });
    expect(res.headers.get("content-type")).toMatch(/ndjson/);
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            type: string;
            processed?: number;
            retried?: unknown;
            skipped?: unknown[];
          },
      );
    const done = lines.at(-1)!;
    expect(done.type).toBe("done");
    expect((done.retried as { id: string }[]).map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
    const progress = lines.filter((l) => l.type === "progress");
    expect(progress.at(-1)!.processed).toBe(progress.length);
    await t.platform.runner.idle();

    const again = (await (await t.request("/api/runs/retryable?pipeline=selftest")).json()) as {
      count: number;
    };
    expect(again.count).toBe(0);
    const second = (
      await t
        .request("/api/runs/retry-all", {
          method: "POST",
          body: JSON.stringify({ pipeline: "selftest" }),
        })
        .then((r) => r.text())
    )
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(second.at(-1).retried).toEqual([]);
    const audit = (await (await t.request(`/api/audit?runId=${a.id}`)).json()) as {
      items: unknown[];
    };
    expect(audit.items).toHaveLength(1);
  });

  test("a run left RUNNING by a killed process is failed with a clear reason on the next start", async () => {
    const { insertRun } = await import("../../core/src/run/store");
    const orphan = await insertRun(t.platform.ops.db, {
      pipeline: "selftest",
      args: {},
      status: "RUNNING",
      owner: `${(await import("node:os")).hostname()}:2147483646`,
    });
    await t.platform.runner.recover();
    const run = (await (await t.request(`/api/runs/${orphan.id}`)).json()) as Run;
    expect(run.status).toBe("FAILED");
    expect(run.error).toMatch(
      /Interrupted: the process running it .* stopped before the run finished/,
    );
  });
});
