import { Readable } from "node:stream";
import { describe, expect, test } from "vitest";
import { alignmentOrder, renumber } from "../src/segment/align";
import { explainRow, labelSegments } from "../src/segment/explain";
import { type KMeansModel, MODEL_VERSION, predict, Rng } from "../src/segment/kmeans";
import type { FeatureStats } from "../src/segment/model";
import { encodeResults, parseResults, type ResultRow } from "../src/segment/results-format";

const FEATURES = ["recency_days", "frequency", "monetary", "engagement", "tenure_days"];

function stat(name: string, mean: number, std: number): FeatureStats {
  return {
    name,
    column: name,
    missing: "median",
    missingCount: 0,
    imputed: 0,
    skipped: 0,
    fill: null,
    mean,
    std,
    min: 0,
    max: 0,
  };
}
const STATS = [
  stat("recency_days", 60, 40),
  stat("frequency", 10, 5),
  stat("monetary", 1000, 2000),
  stat("engagement", 0.5, 0.5),
  stat("tenure_days", 1000, 500),
];

/** A model standardised with STATS whose centroids sit at these z-scores. */
function modelAt(zs: number[][]): KMeansModel {
  return {
    version: MODEL_VERSION,
    features: FEATURES,
    scaler: { mean: STATS.map((s) => s.mean), std: STATS.map((s) => s.std) },
    k: zs.length,
    centroids: zs,
    inertia: 1,
    iterations: 1,
    seed: 0,
    starts: 1,
  };
}

describe("segment labels", () => {
  test("the (up to) two features a centroid stands out on most, in the words of features.ts; a centroid near the mean everywhere is typical", () => {
    const labels = labelSegments(
      modelAt([
        [1.5, 0, 3, 0.1, 0], // recency 120 days, spend 7000
        [0.1, -0.2, 0.1, 0, 0.2],
        [0, 0, 0, -0.8, 0], // 10 % subscribed
        [-1.4, 2.5, 0, 0, -1.5], // 4 days ago, 22.5 orders, 250 days of tenure
      ]),
      STATS,
    );
    expect(labels).toEqual([
      "top spend (5k+), lapsed 90+ days",
      "typical customers",
      "not subscribed",
      "20+ orders, new (under 1 year)",
    ]);
  });

  test("segments that would read alike name more features, and never share a label; none is longer than 80 characters", () => {
    const alike = labelSegments(
      modelAt([
        [2, 0, 3, 0, 1],
        [2, 0, 3, 0, -1],
        [2, 0, 3, 0, 0],
      ]),
      STATS,
    );
    expect(alike[0]).toBe("top spend (5k+), lapsed 90+ days, long-standing");
    expect(alike[1]).toBe("top spend (5k+), lapsed 90+ days, newer customers");
    expect(alike[2]).toBe("top spend (5k+), lapsed 90+ days");
    const rng = new Rng(3);
    const many = labelSegments(
      modelAt(Array.from({ length: 12 }, () => FEATURES.map(() => (rng.next() - 0.5) * 6))),
      STATS,
    );
    expect(new Set(many).size).toBe(12);
    for (const l of many) expect(l.length).toBeLessThanOrEqual(80);
  });
});

describe("why a row is in its segment", () => {
  test("explainRow agrees with predict: the same segment and distances; the runner-up is the second nearest; the features' pulls add up to the margin", () => {
    const rng = new Rng(11);
    const model = modelAt(
      Array.from({ length: 4 }, () => FEATURES.map(() => (rng.next() - 0.5) * 4)),
    );
    for (let i = 0; i < 200; i++) {
      const row = STATS.map((s) => s.mean + (rng.next() - 0.5) * 6 * s.std);
      const p = predict(model, row);
      const e = explainRow(model, row);
      expect(e.segment).toBe(p.segment);
      expect(e.distances).toEqual(p.distances);
      const order = p.distances.map((d, j) => ({ d, j })).sort((a, b) => a.d - b.d || a.j - b.j);
      expect(e.runnerUp).toBe(order[1]!.j);
      expect(e.margin).toBeCloseTo(order[1]!.d ** 2 - order[0]!.d ** 2, 9);
      expect(e.decidedBy.reduce((s, f) => s + f.contribution, 0)).toBeCloseTo(e.margin, 9);
      expect(e.decidedBy.reduce((s, f) => s + f.share, 0)).toBeCloseTo(1, 9);
      for (let t = 1; t < e.decidedBy.length; t++) {
        expect(e.decidedBy[t - 1]!.contribution).toBeGreaterThanOrEqual(
          e.decidedBy[t]!.contribution,
        );
      }
    }
  });

  test("the decisive feature is the one the two nearest centroids differ on, values in the feature's own unit", () => {
    // Two segments apart on spend only: spend decides.
    const model = modelAt([
      [0, 0, 2, 0, 0],
      [0, 0, -0.5, 0, 0],
    ]);
    const e = explainRow(model, [60, 10, 4500, 0.5, 1000]);
    expect(e.segment).toBe(0);
    expect(e.decidedBy[0]).toMatchObject({
      name: "monetary",
      value: 4500,
      nearest: 5000,
      runnerUp: 0,
      share: 1,
    });
  });
});

const parse = async (content: string, k?: number) => {
  const out: ResultRow[] = [];
  for await (const b of parseResults(Readable.from([content]), { name: "r.out", k }))
    out.push(...b);
  return out;
};

describe("the results file (batch transform's text/csv with the id joined)", () => {
  test("id, closest_cluster, distance_to_cluster; a quoted id; a record that kept every input column reads by its first and last two fields", async () => {
    expect(await parse('42,3.0,0.8172\n"id, with a comma",0.0,1.25\n\n7,1.5,-0.3,2.0,3\n')).toEqual(
      [
        { userId: "42", segment: 3, distance: 0.8172 },
        { userId: "id, with a comma", segment: 0, distance: 1.25 },
        { userId: "7", segment: 2, distance: 3 },
      ],
    );
  });

  test("JSON lines (Accept application/jsonlines): the id attribute kept beside SageMakerOutput", async () => {
    const lines = [
      '{"user_id":"42","SageMakerOutput":{"closest_cluster":1.0,"distance_to_cluster":0.5}}',
      '{"user_id":43,"SageMakerOutput":{"closest_cluster":0.0,"distance_to_cluster":2}}',
    ];
    expect(await parse(`${lines.join("\n")}\n`)).toEqual([
      { userId: "42", segment: 1, distance: 0.5 },
      { userId: "43", segment: 0, distance: 2 },
    ]);
  });

  test("what the local run writes parses back to the same rows, in batches", async () => {
    const rows: ResultRow[] = Array.from({ length: 25 }, (_, i) => ({
      userId: i % 7 ? `u${i}` : `"q" ${i}`,
      segment: i % 3,
      distance: i / 7,
    }));
    async function* batches() {
      yield rows.slice(0, 10);
      yield rows.slice(10);
    }
    const chunks: Buffer[] = [];
    for await (const c of encodeResults(batches())) chunks.push(c);
    const text = Buffer.concat(chunks).toString();
    expect(text.split("\n")[1]).toBe("u1,1.0,0.14285714285714285");
    const batched: ResultRow[][] = [];
    for await (const b of parseResults(Readable.from([text]), { batch: 10 })) batched.push(b);
    expect(batched.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batched.flat()).toEqual(rows);
  });

  test("a record that is not a result is refused, naming it", async () => {
    await expect(parse("1,0.0,1\n2,x,1\n")).rejects.toThrow(
      'r.out, record 2: closest_cluster "x" is not a segment',
    );
    await expect(parse("1,4.0,1\n", 3)).rejects.toThrow(
      'r.out, record 1: closest_cluster "4.0" is not a segment (0 to 2)',
    );
    await expect(parse("1,0.5,1\n")).rejects.toThrow("is not a segment");
    await expect(parse("1,0.0\n")).rejects.toThrow(
      "r.out, record 1: 2 fields, expected id,closest_cluster,distance_to_cluster",
    );
    await expect(parse(",0.0,1\n")).rejects.toThrow("r.out, record 1: no user id");
    await expect(parse("1,0.0,-1\n")).rejects.toThrow('distance_to_cluster "-1" is not a distance');
    await expect(parse('{"user_id":"1"}\n')).rejects.toThrow(
      "closest_cluster undefined is not a segment",
    );
  });
});

describe("segment numbers across runs", () => {
  const A = [2, 0, 3, 0, 1];
  const B = [-1, 1, -0.5, 1, 0];
  const C = [0, -1, 0, -1, -1];

  test("the same groups found in another order take the previous run's numbers; assignments and sizes follow", () => {
    const previous = modelAt([A, B, C]);
    const fit = {
      model: modelAt([C, A, B]),
      assignments: Int32Array.from([0, 1, 2, 2]),
      sizes: [1, 1, 2],
    };
    const order = alignmentOrder(fit, previous);
    expect(order).toEqual([1, 2, 0]);
    const r = renumber(fit, order);
    expect(r.model.centroids).toEqual([A, B, C]);
    expect(Array.from(r.assignments)).toEqual([2, 0, 1, 1]);
    expect(r.sizes).toEqual([1, 2, 1]);
    // A row's prediction is the same segment under its new number.
    expect(predict(r.model, [140, 10, 7000, 0.5, 1500]).segment).toBe(0);
  });

  test("without a comparable previous run (none, another k, other features): largest first", () => {
    const fit = { model: modelAt([C, A, B]), assignments: new Int32Array(0), sizes: [5, 9, 7] };
    expect(alignmentOrder(fit, null)).toEqual([1, 2, 0]);
    expect(alignmentOrder(fit, modelAt([A, B]))).toEqual([1, 2, 0]);
    expect(
      alignmentOrder(fit, { ...modelAt([A, B, C]), features: ["a", "b", "c", "d", "e"] }),
    ).toEqual([1, 2, 0]);
  });
});
