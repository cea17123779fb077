// The segmentation API through app.request(), on the first-start sample: the CRM export and the
// DMS sample ingested, then segment runs started as the console starts them.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames } from "../../../test/support/engines";
import { makePlatform, type TestPlatform } from "../../../test/support/platform";
import { dmsSampleFiles, sampleFiles } from "../src/local/sample-data";

// biome-ignore lint/suspicious/noExplicitAny: test reads of API JSON
type Json = any;

describe.each(engineNames)("segments API on %s", (engine) => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await makePlatform(engine);
    const { platform } = t;
    for (const f of [...sampleFiles(), ...dmsSampleFiles()]) {
      await platform.lake.put(
        f.key,
        (async function* () {
          for (const line of f.lines()) yield Buffer.from(line);
        })(),
      );
    }
    for (const f of sampleFiles()) {
      const r = await platform.runner.submit("ingest", { sourceKey: f.key });
      expect((await platform.runner.wait(r.id)).status).toBe("SUCCEEDED");
    }
    const r = await platform.runner.submit("cdc", { path: "dms/" });
    expect((await platform.runner.wait(r.id)).status).toBe("SUCCEEDED");
  }, 180_000);
  afterAll(() => t.close());

  const get = async (path: string, status = 200): Promise<Json> => {
    const res = await t.request(path);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(status);
    return body;
  };
  const start = async (args: Record<string, unknown>): Promise<Json> => {
    const res = await t.request("/api/runs?wait=true", {
      method: "POST",
      body: JSON.stringify({ pipeline: "segment", args }),
    });
    const body = (await res.json()) as Json;
    expect(res.status, JSON.stringify(body)).toBe(201);
    return body.run;
  };

  const sql = async (query: string) => {
    const res = await t.request("/api/sql", { method: "POST", body: JSON.stringify({ query }) });
    return { status: res.status, body: (await res.json()) as Json };
  };

  test("before any run: no profile, no drift, nothing to explain — 404s that say to run cdp segment; the list is empty", async () => {
    // The SQL endpoint's reader exists before the segments tables do (they are shared when made).
    expect((await sql("select 1 as one")).body.rows).toEqual([{ one: 1 }]);
    expect(await get("/api/segments/runs")).toEqual({ items: [] });
    expect(await get("/api/segments/profile", 404)).toMatchObject({
      message: "no segment run yet: run `cdp segment`",
    });
    await get("/api/segments/drift", 404);
    await get("/api/segments/users/1", 404);
  });

  let first: Json;
  let second: Json;

  test("the sample segments at once: one row per customer in _cdp.segments; the CRM table is there but joins no customer, so its feature is skipped and said", async () => {
    first = await start({ k: 4, starts: 3 });
    expect(first.status).toBe("SUCCEEDED");
    const wh = await t.platform.warehouse();
    const n = (await wh.query<{ n: number }>("select count(*)::int as n from customers"))[0]!.n;
    const s = first.stats;
    expect(s).toMatchObject({
      rowsRead: n,
      rowsLoaded: n,
      k: 4,
      table: "customers",
      key: "user_id",
    });
    expect(s.featuresSkipped).toEqual([
      {
        name: "crm_spend",
        reason: "no user of customers has a row in crm.customers (joined on customer_id = user_id)",
      },
    ]);
    expect(s.sizes.reduce((a: number, b: number) => a + b)).toBe(n);
    expect(first.subject).toBe("customers → 4 segments");
    const rows = await wh.query<{ users: number; rows: number }>(
      "select count(distinct user_id)::int as users, count(*)::int as rows from _cdp.segments_latest",
    );
    expect(rows).toEqual([{ users: n, rows: n }]);
    // The SQL endpoint reads the segments (not the rest of _cdp).
    const latest = await sql(
      "select count(*)::int as n, min(run_id) as run from _cdp.segments_latest",
    );
    expect(latest.body.rows).toEqual([{ n, run: first.id }]);
    expect((await sql("select count(*) from _cdp.cdc_files")).status).toBe(400);
  });

  test("GET /api/segments/runs: runs newest first with k, sizes and labels by segment, inertia, silhouette and the lake keys", async () => {
    second = await start({ k: 4, starts: 3, seed: 1 });
    const { items } = await get("/api/segments/runs");
    expect(items.map((r: Json) => r.runId)).toEqual([second.id, first.id]);
    expect(items[1]).toMatchObject({
      runId: first.id,
      k: 4,
      kChosenBy: "given",
      sizes: first.stats.sizes,
      labels: first.stats.labels,
      inertia: first.stats.inertia,
      features: ["recency_days", "frequency", "monetary", "engagement", "tenure_days"],
      modelKey: `ml/models/${first.id}/model.json`,
      resultKey: `ml/segments/${first.id}/features.csv.out`,
      previousRunId: null,
    });
    expect(items[1].silhouette).toBeGreaterThan(0);
    expect(items[0]).toMatchObject({ previousRunId: first.id, moved: expect.any(Number) });
    for (const l of items[0].labels) expect(l.length).toBeLessThanOrEqual(80);
    expect(new Set(items[0].labels).size).toBe(4);
  });

  test("GET /api/segments/profile: the latest run by default, or the one named; centroids in the features' units", async () => {
    const latest = await get("/api/segments/profile");
    expect(latest.runId).toBe(second.id);
    const p = await get(`/api/segments/profile?run=${first.id}`);
    expect(p).toMatchObject({ runId: first.id, k: 4, table: "customers", scale: "standard" });
    expect(p.segments.map((s: Json) => s.size)).toEqual(first.stats.sizes);
    expect(p.segments.map((s: Json) => s.label)).toEqual(first.stats.labels);
    const spend = p.features.find((f: Json) => f.name === "monetary");
    for (const s of p.segments) {
      expect(s.centroid.monetary).toBeGreaterThanOrEqual(spend.min);
      expect(s.centroid.monetary).toBeLessThanOrEqual(spend.max);
      expect(s.centroid.engagement).toBeGreaterThanOrEqual(0);
      expect(s.centroid.engagement).toBeLessThanOrEqual(1);
    }
    await get("/api/segments/profile?run=run_nope", 404);
  });

  test("GET /api/segments/drift: the latest run against the one before by default; the matrix holds every user of both", async () => {
    const d = await get("/api/segments/drift");
    expect(d).toMatchObject({ from: first.id, to: second.id });
    const n = first.stats.rowsLoaded;
    expect(d.matrix.flat().reduce((a: number, b: number) => a + b)).toBe(n);
    expect(d.stayed + d.moved).toBe(n);
    expect(d.entered).toEqual([0, 0, 0, 0]);
    expect(d.fromLabels).toEqual(first.stats.labels);
    expect(d.toLabels).toEqual(second.stats.labels);
    expect(d.moved).toBe(second.stats.moved);
    const back = await get(`/api/segments/drift?from=${second.id}&to=${first.id}`);
    expect(back.matrix).toEqual(
      d.matrix[0].map((_: number, j: number) => d.matrix.map((r: number[]) => r[j])),
    );
  });

  test("GET /api/segments/users/:id: why a customer is in their segment, consistent with the stored one", async () => {
    const why = await get(`/api/segments/users/42?run=${first.id}`);
    expect(why).toMatchObject({ runId: first.id, userId: "42", consistent: true });
    expect(why.current.segment).toBe(why.segment);
    expect(why.distances).toHaveLength(4);
    expect(why.distances[why.segment].distance).toBeCloseTo(why.distance, 9);
    expect(why.decidedBy[0]).toEqual({
      name: expect.any(String),
      value: expect.any(Number),
      nearest: expect.any(Number),
      runnerUp: expect.any(Number),
      contribution: expect.any(Number),
      share: expect.any(Number),
    });
    expect(why.features.map((f: Json) => f.name)).toEqual(
      first.stats.features.map((f: Json) => f.name),
    );
    expect((await get("/api/segments/users/42")).runId).toBe(second.id);
    expect(await get("/api/segments/users/99999", 404)).toMatchObject({
      message: `user 99999 is not in segment run ${second.id}`,
    });
  });

  test("a run asking for an unknown feature is refused before it starts, naming the configured ones", async () => {
    const res = await t.request("/api/runs", {
      method: "POST",
      body: JSON.stringify({ pipeline: "segment", args: { features: ["ltv"] } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).message).toBe(
      'segment: argument features.0: unknown feature "ltv" (configured: recency_days, frequency, monetary, engagement, tenure_days, loyalty, crm_spend)',
    );
  });
});
