import { text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames } from "../../../test/support/engines";
import {
  AS_OF,
  loadCustomers,
  makeSegmentEnv,
  type SegmentEnv,
  threeGroups,
} from "../../../test/support/segment";
import { predict, readModel } from "../src/segment/kmeans";
import { SegmentProfile } from "../src/segment/model";
import { parseResults, resultKey } from "../src/segment/results-format";
import { drift, loadResults, previousRun } from "../src/segment/store";
import { explainUser } from "../src/segment/views";
import { runReadOnly } from "../src/warehouse/read-only-sql";

describe.each(engineNames)("segment runs on %s", (engine) => {
  let env: SegmentEnv;
  beforeAll(async () => {
    env = await makeSegmentEnv(engine);
    await loadCustomers(env.warehouse, threeGroups(20));
  });
  afterAll(() => env.close());

  let first: Awaited<ReturnType<SegmentEnv["run"]>>;

  test("a run finds the three groups: one row per user in _cdp.segments, sizes by segment, the model and the results file in the lake, labels in words", async () => {
    first = await env.run({ k: 3, starts: 4, seed: 7 });
    const s = first.stats;
    expect(s).toMatchObject({
      table: "customers",
      key: "user_id",
      rowsRead: 60,
      rowsLoaded: 60,
      k: 3,
      kChosenBy: "given",
      scale: "standard",
      modelKey: `ml/models/${first.runId}/model.json`,
      resultKey: `ml/segments/${first.runId}/features.csv.out`,
      profileKey: `ml/models/${first.runId}/profile.json`,
      previousRunId: null,
      moved: null,
    });
    expect(s.sizes).toEqual([20, 20, 20]);
    expect(s.silhouette).toBeGreaterThan(0.5);
    const rows = await env.rows(
      `select user_id, segment, label, distance, run_id from _cdp.segments where run_id = '${first.runId}' order by user_id`,
    );
    expect(rows).toHaveLength(60);
    expect(new Set(rows.map((r) => r.user_id)).size).toBe(60);
    // Each group is one segment, labelled by what sets it apart.
    const segOf = (id: number) => rows.find((r) => r.user_id === String(id))!;
    const big = segOf(1);
    const lapsed = segOf(101);
    const middle = segOf(201);
    expect(new Set([big.segment, lapsed.segment, middle.segment]).size).toBe(3);
    for (const r of rows) {
      const group = Math.floor((Number(r.user_id) - 1) / 100);
      expect(r.segment).toBe([big, lapsed, middle][group]!.segment);
      expect(r.label).toBe(s.labels[r.segment as number]);
    }
    expect(big.label).toMatch(/top spend \(5k\+\)|bought this week|20\+ orders/);
    expect(lapsed.label).toMatch(/lapsed 180\+ days|very low spend|one order or none/);
    for (const l of s.labels) expect(l.length).toBeLessThanOrEqual(80);
    expect(new Set(s.labels).size).toBe(3);

    // The model reads back and puts each user where the table says.
    const model = readModel(JSON.parse(await text(await env.lake.get(s.modelKey!))));
    expect(model).toMatchObject({
      k: 3,
      features: ["recency_days", "frequency", "monetary", "engagement", "tenure_days"],
      inertia: s.inertia,
    });
    expect(model.scaler).not.toBeNull();
    // The results file parses back to the table's rows.
    const parsed = [];
    for await (const batch of parseResults(await env.lake.get(resultKey(first.runId)), { k: 3 }))
      parsed.push(...batch);
    expect(parsed.map((p) => [p.userId, p.segment]).sort()).toEqual(
      rows.map((r) => [r.user_id, r.segment]).sort(),
    );
    for (const p of parsed)
      expect(p.distance).toBeCloseTo(Number(segOf(Number(p.userId)).distance), 9);
    const raw = await text(await env.lake.get(resultKey(first.runId)));
    expect(raw.split("\n")[0]).toMatch(/^1,[0-2]\.0,\d+(\.\d+)?(e-\d+)?$/);
  });

  test("the SQL endpoint reads the segments (its reader made after them): the latest run is what it sees", async () => {
    const r = await runReadOnly(
      env.warehouse,
      "select run_id, count(*)::int as n from _cdp.segments_latest group by run_id",
    );
    expect(r.rows).toEqual([{ run_id: first.runId, n: 60 }]);
  });

  test("the profile beside the model: each segment's centroid in the features' units, its size and label", async () => {
    const p = SegmentProfile.parse(
      JSON.parse(await text(await env.lake.get(first.stats.profileKey!))),
    );
    expect(p.k).toBe(3);
    expect(p.drift).toBeNull();
    const big = p.segments.find(
      (s) =>
        s.label ===
        first.stats.labels[p.segments.find((x) => x.centroid.monetary! > 5000)!.segment],
    )!;
    expect(big.size).toBe(20);
    expect(big.centroid.monetary).toBeCloseTo(6000, 6);
    expect(big.centroid.recency_days).toBeCloseTo(3, 6);
    expect(big.centroid.engagement).toBeCloseTo(1, 9);
    expect(big.z.monetary).toBeGreaterThan(1);
    expect(p.features.map((f) => [f.name, f.unit])).toContainEqual(["monetary", "spend"]);
  });

  test("why a user is in their segment: the run's model over their features now agrees with the stored segment, distances to every centroid, the deciding features first", async () => {
    const why = await explainUser(env.warehouse, env.lake, "101", first.runId);
    expect(why.consistent).toBe(true);
    expect(why.current!.segment).toBe(why.segment);
    expect(why.distances).toHaveLength(3);
    expect(why.distances[why.segment]!.distance).toBeCloseTo(why.distance, 9);
    const model = readModel(JSON.parse(await text(await env.lake.get(first.stats.modelKey!))));
    const p = predict(
      model,
      why.features!.map((f) => f.value),
    );
    expect(p.distances).toEqual(why.distances.map((d) => d.distance));
    const sum = why.decidedBy.reduce((a, f) => a + f.contribution, 0);
    expect(sum).toBeCloseTo(why.margin!, 9);
    expect(why.margin).toBeCloseTo(p.distances[why.runnerUp!]! ** 2 - p.distance ** 2, 9);
    expect(why.decidedBy[0]!.contribution).toBeGreaterThanOrEqual(
      why.decidedBy.at(-1)!.contribution,
    );
    // The latest run by default; a user not in the run is a 404-class error.
    expect((await explainUser(env.warehouse, env.lake, "1")).runId).toBe(first.runId);
    await expect(explainUser(env.warehouse, env.lake, "424242")).rejects.toMatchObject({
      code: "segment.no_user",
    });
  });

  test("a second run: drift against the first (users who moved), and segments_latest serves the second", async () => {
    // Five lapsed small spenders came back and spent big.
    await env.warehouse.query(
      `update customers set total_spend = 6000, orders_count = 30, last_purchase_at = '2026-11-29', is_subscribed = true, signup_date = '2021-06-01' where user_id between 101 and 105`,
    );
    const second = await env.run({ k: 3, starts: 4, seed: 7 });
    expect(second.stats.previousRunId).toBe(first.runId);
    expect(second.stats.moved).toBe(5);
    expect(second.stats.stayed).toBe(55);
    const latest = await env.rows(
      "select run_id, count(*) as n from _cdp.segments_latest group by run_id",
    );
    expect(latest).toEqual([{ run_id: second.runId, n: 60 }]);
    const p = SegmentProfile.parse(
      JSON.parse(await text(await env.lake.get(second.stats.profileKey!))),
    );
    expect(p.drift).toMatchObject({ from: first.runId, to: second.runId, moved: 5, stayed: 55 });
    expect(p.drift!.matrix.flat().reduce((a, b) => a + b)).toBe(60);
    // Both runs stay in the table; one row per user per run.
    expect(
      await env.rows("select count(*) as n, count(distinct run_id) as runs from _cdp.segments"),
    ).toEqual([{ n: 120, runs: 2 }]);
  });

  test("k auto: k chosen by silhouette among 2…8, the scores kept in the stats", async () => {
    const r = await env.run({ k: "auto", starts: 3 });
    expect(r.stats.kChosenBy).toBe("silhouette");
    expect(r.stats.kScores.map((s) => s.k)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    const best = Math.max(...r.stats.kScores.map((s) => s.silhouette ?? -1));
    expect(r.stats.silhouette).toBe(best);
    expect(r.stats.sizes.reduce((a, b) => a + b)).toBe(60);
  });

  test("--scale none fits the raw values: inertia in that space, the model without a scaler", async () => {
    const r = await env.run({ k: 3, scale: "none", starts: 2 });
    const model = readModel(JSON.parse(await text(await env.lake.get(r.stats.modelKey!))));
    expect(model.scaler).toBeNull();
    // Spend dominates raw distances: inertia is in spend² units, far above the standardised one.
    expect(r.stats.inertia!).toBeGreaterThan(first.stats.inertia! * 100);
  });
  test("segment numbers follow the previous run: the same groups found from another seed keep their numbers, so nobody 'moved'", async () => {
    const a = await env.run({ k: 3, starts: 1, seed: 1 });
    const b = await env.run({ k: 3, starts: 1, seed: 99 });
    expect(b.stats.alignedWith).toBe(a.runId);
    expect(b.stats.moved).toBe(0);
    expect(b.stats.labels).toEqual(a.stats.labels);
    // With another k there is nothing to follow: largest first.
    const c = await env.run({ k: 4, starts: 1 });
    expect(c.stats.alignedWith).toBeNull();
    expect(c.stats.sizes).toEqual([...c.stats.sizes].sort((x, y) => y - x));
  });
});

describe.each(engineNames)("drift between two runs on %s", (engine) => {
  let env: SegmentEnv;
  beforeAll(async () => {
    env = await makeSegmentEnv(engine);
  });
  afterAll(() => env.close());

  test("the transition matrix counts users by (segment in A, segment in B); users only in one run are entered/left", async () => {
    // Run A (k = 2): u1..u4 in 0, u5..u6 in 1, u7 only in A.
    // Run B (k = 3): u1,u2 stay in 0; u3 → 2; u4 → 1; u5 → 0; u6 stays 1; u8 new in 2.
    const a = ["u1,0.0,1", "u2,0.0,1", "u3,0.0,1", "u4,0.0,1", "u5,1.0,1", "u6,1.0,1", "u7,1.0,1"];
    const b = ["u1,0.0,1", "u2,0.0,1", "u3,2.0,1", "u4,1.0,1", "u5,0.0,1", "u6,1.0,1", "u8,2.0,1"];
    await env.lake.put(resultKey("run_A"), `${a.join("\n")}\n`);
    await env.lake.put(resultKey("run_B"), `${b.join("\n")}\n`);
    const load = (runId: string, k: number, createdAt: string) =>
      loadResults(env.warehouse, env.lake, {
        runId,
        createdAt,
        k,
        labels: Array.from({ length: k }, (_, j) => `s${j}`),
        source: "customers",
      });
    expect(await load("run_A", 2, "2026-11-01T00:00:00Z")).toBe(7);
    expect(await load("run_B", 3, "2026-11-02T00:00:00Z")).toBe(7);
    expect(await previousRun(env.warehouse, "run_B")).toBe("run_A");
    expect(await drift(env.warehouse, "run_A", "run_B")).toEqual({
      from: "run_A",
      to: "run_B",
      fromSizes: [4, 3],
      toSizes: [3, 2, 2],
      matrix: [
        [2, 1, 1],
        [1, 1, 0],
      ],
      entered: [0, 0, 1],
      left: [0, 1],
      stayed: 3,
      moved: 3,
    });
    // Loading a run again replaces its rows (a retry), never doubles them.
    expect(await load("run_A", 2, "2026-11-01T00:00:00Z")).toBe(7);
    expect(
      await env.rows("select count(*) as n from _cdp.segments where run_id = 'run_A'"),
    ).toEqual([{ n: 7 }]);
    expect(await env.rows("select distinct run_id from _cdp.segments_latest")).toEqual([
      { run_id: "run_B" },
    ]);
  });

  test("a results file that does not load: a segment out of range, a user twice", async () => {
    await env.lake.put(resultKey("run_C"), "u1,0.0,1\nu2,5.0,1\n");
    await expect(
      loadResults(env.warehouse, env.lake, {
        runId: "run_C",
        createdAt: AS_OF,
        k: 2,
        labels: ["a", "b"],
        source: "customers",
      }),
    ).rejects.toThrow(
      'results file ml/segments/run_C/features.csv.out, record 2: closest_cluster "5.0" is not a segment (0 to 1)'.replace(
        "results file ",
        "",
      ),
    );
    await env.lake.put(resultKey("run_D"), "u1,0.0,1\nu1,1.0,1\n");
    await expect(
      loadResults(env.warehouse, env.lake, {
        runId: "run_D",
        createdAt: AS_OF,
        k: 2,
        labels: ["a", "b"],
        source: "customers",
      }),
    ).rejects.toThrow("1 users more than once");
    expect(
      await env.rows("select count(*) as n from _cdp.segments where run_id in ('run_C', 'run_D')"),
    ).toEqual([{ n: 0 }]);
  });
});
