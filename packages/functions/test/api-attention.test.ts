// What needs an operator's attention, through the API as the console and scripts meet it: a failed
// run a retry resolved leaves "needs attention" and its alerts resolve; a failure that needs a fix
// asks for confirmation before it is retried; bulk retries say what happened in words; alerts are
// acknowledged in bulk.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames } from "../../../test/support/engines";
import { makePlatform, type TestPlatform } from "../../../test/support/platform";

type Run = {
  id: string;
  status: string;
  retryOf: string | null;
  retriedBy: string | null;
  error: string | null;
  failureClass: "transient" | "needs_fix" | null;
  failureHint: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  needsAttention: boolean;
};
type Alert = {
  id: string;
  runId: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolution: string | null;
};

describe.each(engineNames)("what needs attention, through the API on %s", (engine) => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await makePlatform(engine);
  });
  afterAll(() => t.close());

  const json = async <T>(path: string, init?: RequestInit) => {
    const res = await t.request(path, init);
    return { status: res.status, body: (await res.json()) as T };
  };
  const selftest = async (args: Record<string, unknown> = {}) => {
    const { status, body } = await json<{ run: Run }>("/api/runs?wait=true", {
      method: "POST",
      body: JSON.stringify({ pipeline: "selftest", args: { stepMs: 0, ...args } }),
    });
    expect(status).toBe(201);
    return body.run;
  };
  /** An ingest of a file with no `user_id` column: it fails on its data, and will again. */
  const noKeyIngest = async (name: string) => {
    const res = await t.request(`/api/ingest?name=${name}&wait=true`, {
      method: "POST",
      body: "id,email\n1,a@example.com\n",
    });
    return ((await res.json()) as { run: Run }).run;
  };
  const ids = (runs: { id: string }[]) => runs.map((r) => r.id);
  const alertsOf = async (runId: string, query = "") =>
    (await json<{ items: Alert[] }>(`/api/alerts?limit=500${query}`)).body.items.filter(
      (a) => a.runId === runId,
    );

  test("a failed run retried successfully is resolved: out of needs attention, kept in the history, its alert resolved by the retry", async () => {
    const failed = await selftest({ fail: true });
    expect(failed).toMatchObject({
      status: "FAILED",
      failureClass: "transient",
      resolvedBy: null,
      needsAttention: true,
    });
    expect(ids((await json<{ items: Run[] }>("/api/runs?attention=true")).body.items)).toContain(
      failed.id,
    );
    expect(await alertsOf(failed.id, "&open=true")).toHaveLength(1);

    const { status, body } = await json<{ run: Run }>(`/api/runs/${failed.id}/retry?wait=true`, {
      method: "POST",
    });
    expect(status).toBe(201);
    expect(body.run.status).toBe("SUCCEEDED");
    const retryId = body.run.id;

    const detail = (await json<Run & { chain: Run[] }>(`/api/runs/${failed.id}`)).body;
    expect(detail).toMatchObject({ status: "FAILED", resolvedBy: retryId, needsAttention: false });
    expect(detail.resolvedAt).not.toBeNull();
    expect(detail.chain.map((r) => [r.id, r.resolvedBy])).toEqual([
      [failed.id, retryId],
      [retryId, null],
    ]);

    for (const q of ["attention=true", "status=FAILED&resolved=false"]) {
      const page = (await json<{ items: Run[] }>(`/api/runs?${q}&limit=500`)).body;
      expect(ids(page.items), q).not.toContain(failed.id);
      expect(page.items.every((r) => r.needsAttention)).toBe(true);
    }
    const history = (await json<{ items: Run[] }>("/api/runs?status=FAILED&limit=500")).body;
    expect(history.items.find((r) => r.id === failed.id)?.resolvedBy).toBe(retryId);
    const resolved = (await json<{ items: Run[] }>("/api/runs?resolved=true&limit=500")).body;
    expect(ids(resolved.items)).toContain(failed.id);

    const [alert] = await alertsOf(failed.id);
    expect(alert).toMatchObject({
      resolution: `resolved by run ${retryId} (retry succeeded)`,
      acknowledgedAt: null,
    });
    expect(await alertsOf(failed.id, "&open=true")).toEqual([]);
    expect(await alertsOf(failed.id, "&resolved=true")).toHaveLength(1);
    // "Not acknowledged" keeps its meaning: nobody acknowledged it.
    expect(await alertsOf(failed.id, "&unacknowledged=true")).toHaveLength(1);

    const metrics = (
      await json<{ series: { name: string; pipeline: string; sum: number }[] }>(
        "/api/metrics?names=RunFailed,RunResolved&hours=1",
      )
    ).body.series.filter((p) => p.pipeline === "selftest");
    const total = (name: string) =>
      metrics.filter((p) => p.name === name).reduce((a, p) => a + p.sum, 0);
    expect(total("RunFailed")).toBeGreaterThanOrEqual(1);
    expect(total("RunResolved")).toBeGreaterThanOrEqual(1);
  });

  test("attention=true with only statuses that are not failures is a 400 that says so", async () => {
    const { status, body } = await json<{ error: string; message: string }>(
      "/api/runs?attention=true&status=SUCCEEDED",
    );
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: "run.bad_filter" });
    expect(body.message).toMatch(/no failed status/);
  });

  test("a failure that needs a fix says what must change; its retry is a 409 until confirmed", async () => {
    const failed = await noKeyIngest("leads_needs_fix.csv");
    expect(failed).toMatchObject({ status: "FAILED", failureClass: "needs_fix" });
    expect(failed.failureHint).toMatch(/correct the file/);

    const refused = await json<{ error: string; message: string; failureHint: string }>(
      `/api/runs/${failed.id}/retry`,
      { method: "POST" },
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe("run.needs_fix");
    expect(refused.body.message).toMatch(/will fail the same way until that is fixed/);
    expect(refused.body.message).toMatch(/confirm=true/);
    expect(refused.body.failureHint).toBe(failed.failureHint);
    expect((await json<Run>(`/api/runs/${failed.id}`)).body.retriedBy).toBeNull();

    const confirmed = await json<{ run: Run }>(
      `/api/runs/${failed.id}/retry?confirm=true&wait=true`,
      { method: "POST" },
    );
    expect(confirmed.status).toBe(201);
    // Nothing was fixed: it fails the same way, and nothing is resolved.
    expect(confirmed.body.run).toMatchObject({ status: "FAILED", failureClass: "needs_fix" });
    expect((await json<Run>(`/api/runs/${failed.id}`)).body.needsAttention).toBe(true);
    const audit = (
      await json<{ items: { detail: Record<string, unknown> }[] }>(`/api/audit?runId=${failed.id}`)
    ).body.items;
    expect(audit[0]?.detail).toMatchObject({ confirmed: true });
  });

  test("a bulk retry counts what happened, skips what needs a fix, says why in words, and with wait how the retries ended", async () => {
    await t.platform.runner.idle();
    const since = new Date().toISOString();
    const transient = await selftest({ fail: true });
    const fix = await noKeyIngest("contacts_2026-11-08.csv");
    const earlier = await selftest({ fail: true });
    const { body: first } = await json<{ run: Run }>(`/api/runs/${earlier.id}/retry?wait=true`, {
      method: "POST",
    });
    expect(first.run.status).toBe("SUCCEEDED");

    const preview = (
      await json<{
        count: number;
        needsFix: number;
        sample: { id: string; failureClass: string | null; subject: string | null }[];
      }>(`/api/runs/retryable?from=${encodeURIComponent(since)}`)
    ).body;
    // The resolved run is not counted; the one that needs a fix is, and said to.
    expect(preview.count).toBe(2);
    expect(preview.needsFix).toBe(1);
    expect(preview.sample.find((r) => r.id === fix.id)).toMatchObject({
      failureClass: "needs_fix",
      subject: "contacts ← contacts_2026-11-08.csv",
    });

    const res = await t.request("/api/runs/retry-all", {
      method: "POST",
      body: JSON.stringify({ from: since, status: "FAILED", wait: true }),
    });
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const done = lines.at(-1);
    expect(done.type).toBe("done");
    expect(done.retried).toEqual([
      { id: transient.id, retryId: expect.stringMatching(/^run_/), status: "SUCCEEDED" },
    ]);
    expect(done.skipped).toEqual([
      {
        id: fix.id,
        code: "run.needs_fix",
        reason: expect.stringMatching(/^needs a fix first: correct the file/),
      },
    ]);
    expect(done.counts).toEqual({
      retried: 1,
      failedToStart: 0,
      skippedAlreadyRetried: 0,
      skippedNeedsFix: 1,
      skippedOther: 0,
    });
    expect(done.outcome).toEqual({ succeeded: 1, failed: 0, stillRunning: 0 });
    // No line shows an internal code as its words.
    for (const l of lines.filter((x) => x.type === "progress")) {
      expect(l.last.reason ?? "").not.toMatch(/run\.[a-z_]+/);
    }

    // Including what needs a fix: the retry starts, and with wait the summary says it failed again.
    const again = (
      await (
        await t.request("/api/runs/retry-all", {
          method: "POST",
          body: JSON.stringify({ from: since, includeNeedsFix: true, wait: true }),
        })
      ).text()
    )
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .at(-1);
    expect(again.retried).toEqual([
      { id: fix.id, retryId: expect.stringMatching(/^run_/), status: "FAILED" },
    ]);
    expect(again.outcome).toEqual({ succeeded: 0, failed: 1, stillRunning: 0 });
    // The transient one was retried before; it is resolved, so no longer listed to skip.
    expect(again.skipped).toEqual([]);

    // A run retried but not resolved is skipped as already retried, in words.
    const third = (
      await (
        await t.request("/api/runs/retry-all", {
          method: "POST",
          body: JSON.stringify({ from: since }),
        })
      ).text()
    )
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .at(-1);
    const skippedFix = third.skipped.find((s: { id: string }) => s.id === fix.id);
    expect(skippedFix.reason).toBe(`already retried by run ${again.retried[0].retryId}`);
    expect(third.counts.skippedAlreadyRetried).toBeGreaterThanOrEqual(1);
  });

  test("alerts are acknowledged in bulk: the ones given, saying which were already and which are unknown", async () => {
    const a = await selftest({ fail: true });
    const b = await selftest({ fail: true });
    const [alertA] = await alertsOf(a.id);
    const [alertB] = await alertsOf(b.id);
    await t.request(`/api/alerts/${alertA!.id}/ack`, { method: "POST" });

    const { status, body } = await json<{
      acknowledged: Alert[];
      alreadyAcknowledged: string[];
      notFound: string[];
    }>("/api/alerts/ack", {
      method: "POST",
      body: JSON.stringify({ ids: [alertA!.id, alertB!.id, "alert_nope"] }),
    });
    expect(status).toBe(200);
    expect(body.acknowledged.map((x) => [x.id, x.acknowledgedBy])).toEqual([[alertB!.id, "local"]]);
    expect(body.alreadyAcknowledged).toEqual([alertA!.id]);
    expect(body.notFound).toEqual(["alert_nope"]);
    const open = (await json<{ items: Alert[] }>("/api/alerts?open=true&limit=500")).body.items;
    expect(ids(open)).not.toContain(alertB!.id);

    const tooMany = await t.request("/api/alerts/ack", {
      method: "POST",
      body: JSON.stringify({ ids: Array.from({ length: 501 }, (_, i) => `alert_${i}`) }),
    });
    expect(tooMany.status).toBe(400);
    const none = await t.request("/api/alerts/ack", {
      method: "POST",
      body: JSON.stringify({ ids: [] }),
    });
    expect(none.status).toBe(400);
  });
});
