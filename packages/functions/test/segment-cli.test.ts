import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { cdp, startServer } from "../../../test/support/cli";
import { defaultSchedules } from "../src/local/scheduler";

const dirs: string[] = [];
function tmp(prefix = "cdp-segment-cli-") {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: test reads of API JSON
type Json = any;
const get = async (url: string, token: string): Promise<Json> =>
  (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json();

describe("cdp segment", () => {
  test("flags it cannot use are usage errors (exit 2) naming what it takes; with no customers table the run fails (exit 1) saying what to load", async () => {
    const data = tmp();
    const usage = async (args: string[], message: RegExp) => {
      const r = await cdp(["segment", ...args, "--data-dir", data]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    };
    await usage(["--k", "0"], /--k must be an integer ≥ 1, not 0/);
    await usage(["--scale", "robust"], /--scale must be standard or none, not robust/);
    await usage(["--missing", "drop"], /--missing must be median, mean, zero, skip, not drop/);
    await usage(
      ["--features", "monetary,ltv"],
      /unknown feature ltv: configured are recency_days, frequency, monetary, engagement, tenure_days, loyalty, crm_spend/,
    );
    await usage(["explain"], /wrong number of arguments|unexpected explain/);
    const r = await cdp(["segment", "--json", "--data-dir", data]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      runId: expect.stringMatching(/^run_/),
      status: "FAILED",
      k: null,
      sizes: [],
    });
    expect(out.error).toMatch(/^no table customers in the warehouse: load the CRM export first/);
  }, 180_000);

  test("segments the customers of a loaded CSV, printing {runId, status, k, inertia, silhouette, sizes, modelKey, resultKey}; explain says why a user is where they are", async () => {
    const data = tmp();
    const files = tmp();
    const lines = ["user_id,total_spend,orders_count,last_purchase_at,is_subscribed,signup_date"];
    for (let i = 1; i <= 30; i++) {
      const g = i % 3;
      const spend = [6000, 30, 800][g]! + i;
      const orders = [30, 1, 10][g]!;
      const last = ["2026-11-28", "2026-05-01", "2026-10-01"][g]!;
      lines.push(`${i},${spend},${orders},${last},${g === 0},2020-0${1 + g}-15`);
    }
    const csv = join(files, "customers_2026-12-01.csv");
    writeFileSync(csv, `${lines.join("\n")}\n`);
    expect((await cdp(["ingest", csv, "--data-dir", data])).code).toBe(0);

    const r = await cdp([
      "segment",
      "--k",
      "3",
      "--starts",
      "2",
      "--seed",
      "5",
      "--json",
      "--data-dir",
      data,
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual([
      "runId",
      "status",
      "k",
      "inertia",
      "silhouette",
      "sizes",
      "labels",
      "modelKey",
      "resultKey",
    ]);
    expect(out).toMatchObject({
      status: "SUCCEEDED",
      k: 3,
      sizes: [10, 10, 10],
      modelKey: `ml/models/${out.runId}/model.json`,
      resultKey: `ml/segments/${out.runId}/features.csv.out`,
    });
    expect(out.inertia).toBeGreaterThan(0);
    expect(out.silhouette).toBeGreaterThan(0.5);

    const text = await cdp(["segment", "--k", "3", "--starts", "2", "--data-dir", data]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/segment SUCCEEDED in .*: customers → 3 segments/);
    expect(text.stdout).toMatch(/30 users · 3 segments · 0 moved/);
    expect(text.stdout).toMatch(/crm_spend not used: no table crm\.customers/);
    expect(text.stdout).toMatch(/warehouse _cdp\.segments \(latest: _cdp\.segments_latest\)/);

    const why = await cdp([
      "segment",
      "explain",
      "3",
      "--run",
      out.runId,
      "--json",
      "--data-dir",
      data,
    ]);
    expect(why.code).toBe(0);
    const w = JSON.parse(why.stdout);
    expect(w).toMatchObject({ runId: out.runId, userId: "3", consistent: true });
    expect(w.label).toBe(out.labels[w.segment]);
    const plain = await cdp(["segment", "explain", "3", "--data-dir", data]);
    expect(plain.stdout).toMatch(/^user 3 in run_\w+: segment \d+ ".+" \(distance [\d.e-]+\)/);
    expect(plain.stdout).toMatch(/← nearest/);
    expect(plain.stdout).toMatch(/decided against segment \d+ by: /);
    const missing = await cdp(["segment", "explain", "999", "--data-dir", data]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/user 999 is not in segment run run_/);
  }, 180_000);

  test("under cdp start: the first start's sample segments at once through the running server, and the scheduler runs segment daily", async () => {
    expect(defaultSchedules).toContainEqual(
      expect.objectContaining({ pipeline: "segment", everyMs: 24 * 3_600_000 }),
    );
    const data = tmp();
    const server = await startServer(["--data-dir", data]);
    try {
      for (let i = 0; ; i++) {
        const page = await get(`${server.url}/api/runs?pipeline=ingest`, server.token);
        if (page.items.length >= 2 && page.items.every((r: Json) => r.status === "SUCCEEDED"))
          break;
        if (i > 480) throw new Error(`the sample was not ingested: ${JSON.stringify(page.items)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const r = await cdp(["segment", "--k", "4", "--starts", "2", "--json", "--data-dir", data]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.status).toBe("SUCCEEDED");
      expect(out.sizes).toHaveLength(4);
      const runs = await get(`${server.url}/api/segments/runs`, server.token);
      expect(runs.items[0]).toMatchObject({ runId: out.runId, k: 4 });
    } finally {
      await server.stop();
    }
  }, 180_000);
});
