// Fault injection, in-process: the warehouse (a PostgreSQL server of this file's own) stopped in
// the middle of an ingest and of a CDC apply — at the test-only fault point inside the commit's
// transaction — then started again; and the lake's disk full (the local lake adapter's writes
// failing with ENOSPC) for an upload and for an ingest that writes a rejects file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dmsCsv } from "../../../test/support/cdc";
import { pgServerUrl } from "../../../test/support/engines";
import { createDatabase, type PgServer, startPostgres } from "../../../test/support/postgres";
import { listRuns } from "../../core/src/run/store";
import { onFaultPoint } from "../../core/src/util/fault";
import { createApi } from "../src/api";
import { resolveDataDir } from "../src/local/data-dir";
import { type LocalPlatform, openLocalPlatform } from "../src/local/platform";

let root: string;
let pg: PgServer;
let platform: LocalPlatform;
let api: ReturnType<typeof createApi>;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "cdp-faults-storage-"));
  pg = await startPostgres();
  platform = await openLocalPlatform(resolveDataDir(root), {
    opsUrl: await createDatabase(pgServerUrl()),
    warehouseUrl: pg.url,
  });
  api = createApi(platform, { kind: "token", token: "t" });
});
afterAll(async () => {
  await platform?.close();
  await pg?.stop();
  rmSync(root, { recursive: true, force: true });
});

const rowsOf = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => `${from + i},u${from + i}@example.com`).join("\n");

async function count(sql: string): Promise<number> {
  const wh = await platform.warehouse();
  const [row] = await wh.query<{ n: unknown }>(sql);
  return Number(row?.n);
}

async function ingest(table: string, name: string, body: string) {
  const key = `inbox/${table}/${name}`;
  await platform.lake.put(key, body);
  const run = await platform.starter.start("ingest", { sourceKey: key, table });
  return platform.starter.wait(run.id);
}

describe("the warehouse stopped mid-run, then started", () => {
  test("ingest: FAILED with a readable reason, the file kept in error/; the retry loads it once, no duplicate rows", async () => {
    expect((await ingest("wh_down", "a.csv", `user_id,email\n${rowsOf(30)}\n`)).status).toBe(
      "SUCCEEDED",
    );
    // The second file (rows 21–60: 10 new, 20 updates) is cut off before its merge commits.
    const off = onFaultPoint("ingest.merge", () => pg.halt());
    let failed: Awaited<ReturnType<typeof ingest>>;
    try {
      failed = await ingest("wh_down", "b.csv", `user_id,email\n${rowsOf(40, 21)}\n`);
    } finally {
      off();
    }
    expect(failed.status).toBe("FAILED");
    expect(failed.failureClass).toBe("transient");
    expect(failed.error).toMatch(
      /^the ingest stopped on an unexpected error, not on this file's rows: .*(terminat|connect|ECONNRE)/i,
    );
    expect(failed.error).toMatch(/retry the run/);
    expect(failed.stats.sourceKey).toMatch(/^error\/wh_down\/b/);
    expect(await platform.lake.exists(failed.stats.sourceKey as string)).toBe(true);

    pg.resume();
    const retry = await platform.starter.wait((await platform.runner.retry(failed.id)).id);
    expect(retry).toMatchObject({ status: "SUCCEEDED", retryOf: failed.id });
    expect(await count("select count(*) as n from wh_down")).toBe(60);
    expect(await count("select count(distinct user_id) as n from wh_down")).toBe(60);
  });

  test("CDC: FAILED with a readable reason; the retry applies the file once, no duplicate rows", async () => {
    const changes = Array.from(
      { length: 15 },
      (_, i) => ["I", null, String(i + 1), `N${i}`] as [string, null, string, string],
    );
    await platform.lake.put("dms/CRM/WHDOWN/LOAD00000001.csv", dmsCsv(["ID", "NAME"], changes));
    const off = onFaultPoint("cdc.commit", () => pg.halt());
    let failed: Awaited<ReturnType<typeof platform.starter.wait>>;
    try {
      const run = await platform.starter.start("cdc", { path: "dms/CRM/WHDOWN/" });
      failed = await platform.starter.wait(run.id);
    } finally {
      off();
    }
    expect(failed.status).toBe("FAILED");
    expect(failed.error).toMatch(/LOAD00000001\.csv|terminat|connect/i);
    pg.resume();
    const retry = await platform.starter.wait((await platform.runner.retry(failed.id)).id);
    expect(retry).toMatchObject({ status: "SUCCEEDED", retryOf: failed.id });
    expect(await count("select count(*) as n from crm.whdown")).toBe(15);
    expect(await count("select count(distinct id) as n from crm.whdown")).toBe(15);
  });
});

/** The lake's disk is full: every write fails with ENOSPC as the file system says it. */
function diskFull(lake: LocalPlatform["lake"]) {
  const { put, putNew } = lake;
  const enospc = async () => {
    throw Object.assign(new Error("ENOSPC: no space left on device, write"), {
      code: "ENOSPC",
      errno: -28,
      syscall: "write",
    });
  };
  lake.put = enospc;
  lake.putNew = enospc;
  return () => {
    lake.put = put;
    lake.putNew = putNew;
  };
}

describe("the lake's disk full", () => {
  test("an upload is refused with 507 and a reason; nothing is half-written, no run starts", async () => {
    const runs = async () => (await listRuns(platform.ops.db, { limit: 200 })).items.length;
    const before = await runs();
    const free = diskFull(platform.lake);
    try {
      const res = await api.request("/api/ingest?name=full.csv&table=full", {
        method: "POST",
        body: `user_id,email\n${rowsOf(3)}\n`,
        headers: { authorization: "Bearer t", "content-type": "text/csv" },
      });
      expect(res.status).toBe(507);
      expect(await res.json()).toMatchObject({
        error: "storage.full",
        message: expect.stringMatching(/no space left on the disk.*send it again/),
      });
    } finally {
      free();
    }
    expect(await platform.lake.list("inbox/full/")).toEqual([]);
    expect(await runs()).toBe(before);
  });

  test("an ingest whose rejects file cannot be written: FAILED with the reason (its good rows merged, said so), the source file kept in error/ and the run knows where; retried once space is free, nothing doubles", async () => {
    const free = diskFull(platform.lake);
    let failed: Awaited<ReturnType<typeof ingest>>;
    try {
      const key = "inbox/full_rej/c.csv";
      // Put before the disk fills: the file came in, the rejects file cannot go out.
      free();
      await platform.lake.put(key, `user_id,email\n${rowsOf(20)}\n21,not-an-email\n`);
      diskFull(platform.lake);
      const run = await platform.starter.start("ingest", { sourceKey: key, table: "full_rej" });
      failed = await platform.starter.wait(run.id);
    } finally {
      free();
    }
    expect(failed.status).toBe("FAILED");
    expect(failed.error).toMatch(/ENOSPC: no space left on device/);
    // The good rows merged while the rejects file was being written; the reason says so.
    expect(failed.error).toMatch(/Its 20 good rows were merged before the error/);
    const kept = failed.stats.sourceKey as string;
    expect(kept).toMatch(/^error\/full_rej\/c/);
    expect(await platform.lake.exists(kept)).toBe(true);
    expect(await count("select count(*) as n from full_rej")).toBe(20);

    const retry = await platform.starter.wait((await platform.runner.retry(failed.id)).id);
    expect(retry).toMatchObject({ status: "SUCCEEDED", retryOf: failed.id });
    expect(retry.stats).toMatchObject({ rowsLoaded: 20, rowsQuarantined: 1 });
    expect(await count("select count(*) as n from full_rej")).toBe(20);
    expect(await platform.lake.exists(retry.stats.rejectsKey as string)).toBe(true);
  });
});
