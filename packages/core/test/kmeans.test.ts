import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { openEngine } from "../src/segment/kmeans/engine";
import {
  allocate,
  chooseK,
  fitKMeans,
  type KMeansModel,
  KMeansPool,
  predict,
  Rng,
  readModel,
  silhouetteScore,
  standardize,
} from "../src/segment/kmeans/index";
import { seedPlusPlus } from "../src/segment/kmeans/seeding";
import { VisibleError } from "../src/util/error";

/** n rows around `centers` (round robin), gaussian noise of `spread`, seeded. */
function blobs(seed: number, n: number, centers: number[][], spread: number): Float64Array {
  const rng = new Rng(seed);
  const d = centers[0]!.length;
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = centers[i % centers.length]!;
    for (let t = 0; t < d; t++) {
      const g = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
      out[i * d + t] = c[t]! + spread * g;
    }
  }
  return out;
}

/** k random centres in [0, box)^d. */
function centres(seed: number, k: number, d: number, box: number): number[][] {
  const rng = new Rng(seed, 99);
  return Array.from({ length: k }, () => Array.from({ length: d }, () => rng.next() * box));
}

function iris(): { data: Float64Array; species: string[] } {
  // test/fixtures/iris.csv names its source in its first lines.
  const lines = readFileSync(new URL("fixtures/iris.csv", import.meta.url), "utf8")
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .slice(1);
  const rows = lines.map((l) => l.split(","));
  return {
    data: Float64Array.from(rows.flatMap((r) => r.slice(0, 4).map(Number))),
    species: rows.map((r) => r[4]!),
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof VisibleError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return "no error";
}

describe("k-means++ seeding", () => {
  test("picks k distinct rows of the data", async () => {
    const n = 2000;
    const d = 3;
    const data = blobs(1, n, centres(1, 5, d, 20), 2);
    const e = await openEngine(data, n, d, 8, { workers: 0 });
    const c = await seedPlusPlus(e, new Rng(7));
    const rows = new Set<string>();
    for (let j = 0; j < 8; j++) {
      const centre = Array.from(c.subarray(j * d, j * d + d));
      let found = false;
      for (let i = 0; i < n && !found; i++) {
        found = centre.every((v, t) => v === data[i * d + t]);
      }
      expect(found, `centre ${j} is a row of the data`).toBe(true);
      rows.add(centre.join(","));
    }
    expect(rows.size).toBe(8);
  });

  test("favours far rows: the second centre lands among 10 far rows out of 1,010 for most seeds", async () => {
    // 1,000 rows near the origin and 10 rows 100 away: the far rows hold ~99 % of D² once a
    // near row is the first centre, against 1 % of the rows.
    const near = blobs(2, 1000, [[0, 0]], 1);
    const data = new Float64Array(1010 * 2);
    data.set(near);
    for (let i = 1000; i < 1010; i++) data.set([100 + (i - 1000) * 0.1, 100], i * 2);
    let far = 0;
    for (let seed = 0; seed < 100; seed++) {
      const e = await openEngine(data, 1010, 2, 2, { workers: 0 });
      const c = await seedPlusPlus(e, new Rng(seed));
      // One centre near, the other far (whichever came first).
      if (Math.max(c[0]!, c[2]!) > 50 && Math.min(c[0]!, c[2]!) < 50) far++;
    }
    expect(far).toBeGreaterThanOrEqual(90);
  });
});

describe("Hamerly's step against plain Lloyd", () => {
  const cases = [
    {
      name: "well separated, d 2, k 4",
      seed: 3,
      n: 4000,
      d: 2,
      k: 4,
      truth: 4,
      maxShare: 0.35,
      box: 50,
      spread: 1,
    },
    {
      name: "overlapping, d 8, k 6",
      seed: 4,
      n: 12000,
      d: 8,
      k: 6,
      truth: 6,
      maxShare: 0.55,
      box: 10,
      spread: 3,
    },
    {
      name: "more k than blobs, d 5",
      seed: 5,
      n: 6000,
      d: 5,
      k: 9,
      truth: 3,
      maxShare: 0.3,
      box: 20,
      spread: 2,
    },
    {
      name: "one blob, d 3, k 5",
      seed: 6,
      n: 5000,
      d: 3,
      k: 5,
      truth: 1,
      maxShare: 0.3,
      box: 1,
      spread: 1,
    },
    {
      name: "high d 30, k 7",
      seed: 7,
      n: 3000,
      d: 30,
      k: 7,
      truth: 7,
      maxShare: 0.8,
      box: 4,
      spread: 1.5,
    },
  ];
  for (const c of cases) {
    test(`same assignments, centroids and iterations: ${c.name}`, async () => {
      const data = blobs(c.seed, c.n, centres(c.seed, c.truth, c.d, c.box), c.spread);
      const opts = { n: c.n, d: c.d, k: c.k, seed: c.seed, starts: 2, tolerance: 0, workers: 0 };
      const fast = await fitKMeans(data, { ...opts, algorithm: "hamerly" });
      const plain = await fitKMeans(data, { ...opts, algorithm: "lloyd" });
      expect(fast.assignments).toEqual(plain.assignments);
      expect(fast.model).toEqual(plain.model);
      const steps = (r: typeof fast) => r.runs.map(({ distances: _, ...rest }) => rest);
      expect(steps(fast)).toEqual(steps(plain));
      // tolerance 0: each start ran until no row moved (or the cap).
      expect(fast.model.iterations).toBeGreaterThan(2);
      // …and Hamerly's bounds spared most distances.
      const dist = (r: typeof fast) => r.runs.reduce((s, x) => s + x.distances, 0);
      const iterations = plain.runs.reduce((s, x) => s + x.iterations, 0);
      expect(dist(plain)).toBeGreaterThanOrEqual(c.n * c.k * iterations);
      console.log(
        c.name,
        dist(fast) / dist(plain),
        plain.runs.map((r) => r.iterations),
      );
      expect(dist(fast)).toBeLessThan(dist(plain) * c.maxShare);
    });
  }

  test("degenerate data: duplicated rows give the same result; k above the distinct rows is a clear error", async () => {
    // 40 distinct rows, each repeated 50 times (in a shuffled order).
    const distinct = blobs(8, 40, centres(8, 4, 3, 10), 2);
    const rng = new Rng(8);
    const n = 2000;
    const data = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      const r = i % 40 === 0 ? rng.below(40) : i % 40;
      data.set(distinct.subarray(r * 3, r * 3 + 3), i * 3);
    }
    const opts = { n, d: 3, seed: 1, starts: 3, tolerance: 0, workers: 0 };
    for (const k of [4, 12, 30]) {
      const fast = await fitKMeans(data, { ...opts, k });
      const plain = await fitKMeans(data, { ...opts, k, algorithm: "lloyd" });
      expect(fast.assignments).toEqual(plain.assignments);
      expect(fast.model).toEqual(plain.model);
      expect(Math.min(...fast.sizes)).toBeGreaterThan(0);
    }
    const same = new Float64Array(300).fill(2.5);
    expect(await codeOf(fitKMeans(same, { n: 100, d: 3, k: 2 }))).toBe(
      "kmeans.too_few_distinct: k = 2, but the data has only 1 distinct row: choose k ≤ 1",
    );
    const distinctRows = new Set<string>();
    for (let i = 0; i < n; i++) distinctRows.add(data.subarray(i * 3, i * 3 + 3).join());
    const k = distinctRows.size + 1;
    expect(await codeOf(fitKMeans(data, { ...opts, k }))).toBe(
      `kmeans.too_few_distinct: k = ${k}, but the data has only ${k - 1} distinct rows: choose k ≤ ${k - 1}`,
    );
  });
});

describe("determinism", () => {
  const n = 30_000;
  const d = 4;
  const data = blobs(9, n, centres(9, 5, d, 8), 2);

  test("the same seed gives the same model and assignments; another seed its own starts", async () => {
    const a = await fitKMeans(data, { n, d, k: 5, seed: 11, starts: 3, workers: 0 });
    const b = await fitKMeans(data, { n, d, k: 5, seed: 11, starts: 3, workers: 0 });
    expect(b.model).toEqual(a.model);
    expect(b.assignments).toEqual(a.assignments);
    const c = await fitKMeans(data, { n, d, k: 5, seed: 12, starts: 3, workers: 0 });
    expect(c.runs.map((r) => r.inertia)).not.toEqual(a.runs.map((r) => r.inertia));
  });

  test("1, 2 and 3 worker threads give the same model and assignments", async () => {
    const opts = { n, d, k: 6, seed: 5, starts: 2, tolerance: 1e-6 };
    const one = await fitKMeans(data, { ...opts, workers: 1 });
    const two = await fitKMeans(data, { ...opts, workers: 2 });
    const three = await fitKMeans(data, { ...opts, workers: 3 });
    expect(two.model).toEqual(one.model);
    expect(two.assignments).toEqual(one.assignments);
    expect(three.model).toEqual(one.model);
    expect(three.runs).toEqual(one.runs);
    const lloyd = await fitKMeans(data, { ...opts, workers: 2, algorithm: "lloyd" });
    expect(lloyd.assignments).toEqual(one.assignments);
  });

  test("a pool serves several fits on shared rows, with the same results as one thread", async () => {
    const shared = allocate(n, d);
    shared.set(data);
    const pool = KMeansPool.open(2);
    try {
      for (const k of [3, 6]) {
        const opts = { n, d, k, seed: 8, starts: 2 };
        const pooled = await fitKMeans(shared, { ...opts, pool });
        const alone = await fitKMeans(data, { ...opts, workers: 0 });
        expect(pooled.model).toEqual(alone.model);
        expect(pooled.assignments).toEqual(alone.assignments);
      }
      // Each step's 8 blocks (4,096 rows each) were taken once, by one worker or the other.
      const taken = pool.blocks.reduce((a, b) => a + b, 0);
      expect(taken).toBeGreaterThan(0);
      expect(taken % Math.ceil(n / 4096)).toBe(0);
    } finally {
      await pool.close();
    }
  });
});

test("Iris (150 × 4, unscaled, k = 3, 10 starts) reaches the known best inertia 78.851", async () => {
  const { data, species } = iris();
  const fit = await fitKMeans(data, { n: 150, d: 4, k: 3, starts: 10, seed: 0 });
  expect(Math.abs(fit.model.inertia - 78.851)).toBeLessThan(0.01);
  expect(fit.converged).toBe(true);
  // Setosa is a segment of its own.
  const setosa = new Set(species.flatMap((s, i) => (s === "setosa" ? [fit.assignments[i]] : [])));
  expect(setosa.size).toBe(1);
  expect(fit.sizes.sort((x, y) => x - y)).toEqual([38, 50, 62]);
});

test("k auto picks the true k on well-separated blobs, with silhouette and inertia for every k", async () => {
  const n = 6000;
  const data = blobs(10, n, centres(10, 4, 3, 40), 1);
  const r = await chooseK(data, { n, d: 3, seed: 1, starts: 2, sampleSize: 1500 });
  expect(r.k).toBe(4);
  expect(r.scores.map((s) => s.k)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(r.best.model.k).toBe(4);
  expect(r.best.model.silhouette).toBe(r.scores[2]!.silhouette);
  expect(r.best.model.silhouette).toBeGreaterThan(0.8);
  // Inertia falls with k; the silhouette peaks at 4.
  for (let i = 1; i < r.scores.length; i++) {
    expect(r.scores[i]!.inertia).toBeLessThan(r.scores[i - 1]!.inertia);
    if (i !== 2) expect(r.scores[i]!.silhouette!).toBeLessThan(r.scores[2]!.silhouette!);
  }
});

test("silhouette of two tight, far pairs is near 1; one segment has none", () => {
  const data = Float64Array.from([0, 0, 0, 1, 100, 0, 100, 1]);
  const sample = Int32Array.from([0, 1, 2, 3]);
  const s = silhouetteScore(data, 2, sample, Int32Array.from([0, 0, 1, 1]), 2)!;
  // Every row: a = 1 (its pair), b = the mean distance to the far pair.
  expect(s).toBeCloseTo(1 - 1 / ((100 + Math.hypot(100, 1)) / 2), 12);
  expect(silhouetteScore(data, 2, sample, Int32Array.from([0, 0, 0, 0]), 2)).toBeNull();
});

test("an empty segment takes the farthest row, and the fit still finds all groups", async () => {
  // Groups at (0,0) ×300, (10,0) ×300 and (0,40) ×30; the third initial centroid is far from
  // every row, so it is empty after the first assignment and must be re-seeded: the farthest
  // row from its centroid is in the (0,40) group.
  const a = blobs(11, 300, [[0, 0]], 0.5);
  const b = blobs(12, 300, [[10, 0]], 0.5);
  const c = blobs(13, 30, [[0, 40]], 0.5);
  const data = new Float64Array([...a, ...b, ...c]);
  const init = [
    [0, 0],
    [10, 0],
    [500, 500],
  ];
  for (const algorithm of ["hamerly", "lloyd"] as const) {
    const fit = await fitKMeans(data, { n: 630, d: 2, k: 3, init, algorithm, workers: 0 });
    expect(fit.sizes).toEqual([300, 300, 30]);
    expect(fit.model.centroids[2]![1]).toBeCloseTo(40, 0);
    expect(fit.model.starts).toBe(1);
  }
});

describe("input validation", () => {
  test("NaN or Infinity names the row and feature", async () => {
    const data = Float64Array.from([1, 2, 3, 4, Number.NaN, 6]);
    expect(await codeOf(fitKMeans(data, { n: 3, d: 2, k: 2, features: ["x", "y"] }))).toBe(
      "kmeans.not_finite: row 2, feature x is NaN: every value must be a finite number (impute or drop missing values first)",
    );
    data[4] = Number.POSITIVE_INFINITY;
    expect(await codeOf(fitKMeans(data, { n: 3, d: 2, k: 2 }))).toMatch(
      /^kmeans.not_finite: row 2, feature 0 is Infinity/,
    );
  });

  test("fewer rows than k, no features, a short array and bad options", async () => {
    const data = Float64Array.from([1, 2, 3, 4, 5, 6]);
    expect(await codeOf(fitKMeans(data, { n: 3, d: 2, k: 5 }))).toBe(
      "kmeans.k_above_n: k = 5 segments, but only 3 rows: k ≤ n",
    );
    expect(await codeOf(fitKMeans(new Float64Array(0), { n: 3, d: 0, k: 2 }))).toBe(
      "kmeans.no_features: no features (d = 0): give at least one column",
    );
    expect(await codeOf(fitKMeans(data, { n: 4, d: 2, k: 2 }))).toBe(
      "kmeans.bad_data: data has 6 values, n × d = 4 × 2 needs 8",
    );
    expect(await codeOf(fitKMeans(data, { n: 3, d: 2, k: 0 }))).toBe(
      "kmeans.bad_option: k must be an integer ≥ 1, got 0",
    );
    expect(await codeOf(fitKMeans(data, { n: 3, d: 2, k: 2, seed: 1.5 }))).toBe(
      "kmeans.bad_option: seed must be an integer, got 1.5",
    );
    expect(await codeOf(chooseK(data, { n: 3, d: 2, kMin: 1 }))).toMatch(/^kmeans.bad_k_range/);
  });
});

describe("the model", () => {
  test("standardize: mean 0 and std 1 per feature; a constant feature is centred, not scaled", () => {
    const data = Float64Array.from([1, 5, 100, 3, 5, 300, 5, 5, 200]);
    const { data: z, scaler } = standardize(data, 3, 3);
    expect(scaler.mean).toEqual([3, 5, 200]);
    expect(scaler.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(scaler.std[1]).toBe(1);
    expect(Array.from(z.filter((_, i) => i % 3 === 1))).toEqual([0, 0, 0]);
    expect(z[0]).toBeCloseTo(-2 / Math.sqrt(8 / 3), 12);
  });

  test("predict on raw rows gives each row its fitted segment; the JSON round-trips", async () => {
    const n = 3000;
    const raw = blobs(14, n, centres(14, 3, 2, 1), 0.05).map((v, i) => (i % 2 ? v * 1000 : v));
    const { data, scaler } = standardize(raw, n, 2);
    const fit = await fitKMeans(data, {
      n,
      d: 2,
      k: 3,
      seed: 3,
      starts: 2,
      features: ["recency", "monetary"],
      scaler,
    });
    const model: KMeansModel = readModel(JSON.parse(JSON.stringify(fit.model)));
    expect(model).toEqual(fit.model);
    for (let i = 0; i < n; i += 7) {
      const p = predict(model, raw.subarray(i * 2, i * 2 + 2));
      expect(p.segment).toBe(fit.assignments[i]);
      expect(p.distance).toBe(Math.min(...p.distances));
      expect(p.distances).toHaveLength(3);
    }
    expect(() => predict(model, [1])).toThrow(/the row has 1 values, the model 2 features/);
    expect(() => readModel({ ...model, centroids: [[1, 2]] })).toThrow(
      /centroids must be 3 rows of 2 numbers/,
    );
  });
});
