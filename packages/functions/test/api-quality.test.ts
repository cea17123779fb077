// The Quality API through app.request(): a file ingested twice does not double its failing rows,
// and a corrected version moves them from open to fixed — the default view shows open ones only.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames } from "../../../test/support/engines";
import { makePlatform, type TestPlatform } from "../../../test/support/platform";

type Summary = {
  byRule: { table: string; rule: string; count: number; runs: number }[];
  overTime: { day: string; count: number }[];
  statuses: { open: number; fixed: number };
};
type Failures = {
  items: { rule: string; rowNumber: number; runId: string; runs: number; fixedBy: string | null }[];
};

const header = "user_id,name,email,total_spend";
const file = (row4: string) =>
  `${[header, "1,A,a@example.com,1", "2,B,b@example.com,2", "3,C,c@example.com,3", row4, "5,E,e@example.com,5"].join("\n")}\n`;

describe.each(engineNames)("quality API on %s", (engine) => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await makePlatform(engine);
  });
  afterAll(() => t.close());

  const upload = async (body: string) => {
    const res = await t.request("/api/ingest?name=leads.csv&wait=true", { method: "POST", body });
    expect(res.status).toBe(201);
    const { run } = (await res.json()) as { run: { id: string; status: string } };
    expect(run.status).toBe("SUCCEEDED");
    return run.id;
  };
  const get = async <T>(path: string): Promise<T> => {
    const res = await t.request(path);
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };
  const summary = (q = "") => get<Summary>(`/api/quality/summary?table=leads${q}`);
  const failures = (q = "") => get<Failures>(`/api/quality/failures?table=leads${q}`);

  test("the same file twice: counts by rule, per day and the samples stay as they were", async () => {
    const bad = file("4,D,not-an-email,4");
    const first = await upload(bad);
    const once = await summary();
    expect(once.byRule).toMatchObject([{ rule: "email_format", count: 1, runs: 1 }]);

    const second = await upload(bad);
    const twice = await summary();
    expect(twice.byRule).toMatchObject([{ rule: "email_format", count: 1, runs: 2 }]);
    expect(twice.overTime.reduce((n, d) => n + d.count, 0)).toBe(1);
    expect(twice.statuses).toEqual({ open: 1, fixed: 0 });
    const { items } = await failures();
    expect(items).toMatchObject([{ rule: "email_format", rowNumber: 4, runId: second, runs: 2 }]);
    // Opened from either run, the page lists that run's row.
    for (const run of [first, second]) {
      expect((await failures(`&runId=${run}`)).items).toMatchObject([{ rowNumber: 4 }]);
    }
  });

  test("a corrected file: its failing row is fixed — gone from the default view, listed with status=fixed", async () => {
    const fix = await upload(file("4,D,d@example.com,4"));
    const open = await summary();
    expect(open.byRule).toEqual([]);
    expect(open.overTime).toEqual([]);
    expect(open.statuses).toEqual({ open: 0, fixed: 1 });
    expect((await failures()).items).toEqual([]);

    expect((await summary("&status=fixed")).byRule).toMatchObject([
      { rule: "email_format", count: 1 },
    ]);
    expect((await failures("&status=fixed")).items).toMatchObject([
      { rule: "email_format", fixedBy: fix },
    ]);
    expect((await summary("&status=all")).byRule).toMatchObject([{ count: 1 }]);
    const bad = await t.request("/api/quality/summary?status=closed");
    expect(bad.status).toBe(400);
  });
});
