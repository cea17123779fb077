// Fault injection: `kill -9` of `cdp start` in the middle of an ingest, a CDC apply and a sync,
// each stopped on purpose inside its warehouse transaction (or after its first Salesforce batch)
// by the test-only CDP_FAULT_PAUSE fault points (core util/fault.ts), then killed. One data dir and
// one PostgreSQL ops store and warehouse (databases on the shared test server) across three
// starts: each restart checks what the kill before it left and sets the next fault point. Then two
// operators retry the interrupted sync at once, from the API and from `cdp retry`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dmsCsv } from "../../../test/support/cdc";
import { cdp, type Server, startServer } from "../../../test/support/cli";
import { pgServerUrl } from "../../../test/support/engines";
import { createDatabase } from "../../../test/support/postgres";
import { SalesforceDouble } from "../../../test/support/salesforce-double";
import {
  doubleSecrets,
  makeUsers,
  writeCustomers,
  writeSegmentRun,
} from "../../../test/support/sync";
import { postgresWarehouse } from "../../core/src/warehouse/postgres";
import type { Warehouse } from "../../core/src/warehouse/warehouse";

// biome-ignore lint/suspicious/noExplicitAny: test reads of API JSON
type Json = any;

let dir: string;
let opsUrl: string;
let whUrl: string;
let wh: Warehouse;
let sf: SalesforceDouble;
const servers: Server[] = [];
const users = makeUsers(250);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cdp-faults-kill-"));
  opsUrl = await createDatabase(pgServerUrl());
  whUrl = await createDatabase(pgServerUrl());
  wh = postgresWarehouse(whUrl);
  sf = await SalesforceDouble.start();
  await writeCustomers(wh, users);
  await writeSegmentRun(wh, { runId: "seg_kill", createdAt: "2026-11-05T06:00:00.000Z", users });
});
afterAll(async () => {
  for (const s of servers) await s.stop("SIGKILL");
  await wh?.close();
  await sf?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `cdp start` on the shared data dir; `pause` names the fault point it stops at. */
async function start(pause = "") {
  const server = await startServer(["--data-dir", dir], {
    CDP_NO_SAMPLE: "1",
    CDP_OPS_URL: opsUrl,
    CDP_WAREHOUSE_URL: whUrl,
    CDP_FAULT_PAUSE: pause,
    ...doubleSecrets(sf),
  });
  servers.push(server);
  return server;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const pausedAt = (s: Server, point: string) =>
  until(`fault point ${point}`, () => s.output().includes(`fault point ${point}: paused`));

const api = (s: Server, path: string, init: RequestInit = {}) =>
  fetch(`${s.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" },
  });
const runOf = async (s: Server, id: string): Promise<Json> =>
  (await api(s, `/api/runs/${id}`)).json();

/** The retry of an interrupted run, once finished. */
const finishedRetry = (s: Server, id: string) =>
  until(`the retry of ${id}`, async () => {
    const run = await runOf(s, id);
    if (!run.retriedBy) return undefined;
    const retry = await runOf(s, run.retriedBy);
    return ["QUEUED", "RUNNING"].includes(retry.status) ? undefined : retry;
  });

async function count(table: string): Promise<number> {
  try {
    const [row] = await wh.query<{ n: unknown }>(`select count(*) as n from ${table}`);
    return Number(row?.n);
  } catch (err) {
    if ((err as { code?: string }).code === "42P01") return 0; // never created: no rows either
    throw err;
  }
}

const INTERRUPTED =
  /^Interrupted: the process running it \(.+:\d+\) stopped before the run finished/;

describe("kill -9 of cdp start mid-run", () => {
  let last: Server;

  test("mid-ingest and mid-CDC apply (each stopped inside its commit's transaction, in one process): no row lands; on restart both runs are FAILED as interrupted and the watchers' retries load every row once", async () => {
    const s1 = await start("ingest.merge,cdc.commit");
    const csv = `user_id,email\n${Array.from({ length: 50 }, (_, i) => `${i + 1},u${i}@example.com`).join("\n")}\n`;
    const res = await api(s1, "/api/ingest?name=killed.csv&table=killed", {
      method: "POST",
      body: csv,
    });
    expect(res.status).toBe(201);
    const ingestRun: string = ((await res.json()) as Json).run.id;
    const folder = join(dir, "lake", "dms", "CRM", "KILLED");
    mkdirSync(folder, { recursive: true });
    const changes = Array.from(
      { length: 20 },
      (_, i) => ["I", null, String(i + 1), `Name ${i}`] as [string, null, string, string],
    );
    writeFileSync(join(folder, "LOAD00000001.csv"), dmsCsv(["ID", "NAME"], changes));
    await pausedAt(s1, "ingest.merge");
    await pausedAt(s1, "cdc.commit");
    const page = (await (await api(s1, "/api/runs?pipeline=cdc")).json()) as Json;
    const cdcRun: string = page.items[0].id;
    // Neither merge has committed.
    expect(await count("public.killed")).toBe(0);
    expect(await count("crm.killed")).toBe(0);
    await s1.stop("SIGKILL");
    expect(await count("public.killed")).toBe(0);
    expect(await count("crm.killed")).toBe(0);

    const s2 = await start("sync.batch");
    last = s2;
    const alerts = ((await (await api(s2, "/api/alerts")).json()) as Json).items as Json[];
    for (const id of [ingestRun, cdcRun]) {
      const failed = await runOf(s2, id);
      expect(failed.status).toBe("FAILED");
      expect(failed.error).toMatch(INTERRUPTED);
      // The operator is told as of any failed run: an alert, not only a row in the runs list.
      expect(alerts.find((a) => a.runId === id)).toMatchObject({
        kind: "run_failed",
        message: expect.stringMatching(/Interrupted: the process running it/),
      });
    }
    // The files stayed where they were; the watchers take them up again as those runs' retries.
    const ingestRetry = await finishedRetry(s2, ingestRun);
    expect(ingestRetry).toMatchObject({ status: "SUCCEEDED", retryOf: ingestRun });
    expect(ingestRetry.stats).toMatchObject({ rowsRead: 50, rowsLoaded: 50 });
    expect(await count("public.killed")).toBe(50);
    expect((await runOf(s2, ingestRun)).resolvedBy).toBe(ingestRetry.id);

    const cdcRetry = await finishedRetry(s2, cdcRun);
    expect(cdcRetry).toMatchObject({ status: "SUCCEEDED", retryOf: cdcRun });
    expect(await count("crm.killed")).toBe(20);
    const [distinct] = await wh.query<{ n: unknown }>(
      "select count(distinct id) as n from crm.killed",
    );
    expect(Number(distinct?.n)).toBe(20);
  }, 180_000);

  test("mid-sync (after its first batch was accepted): on restart FAILED as interrupted; the API and `cdp retry` retrying it at once start exactly one retry, which sends only the rest", async () => {
    const s2 = last;
    const res = await api(s2, "/api/runs", {
      method: "POST",
      body: JSON.stringify({ pipeline: "sync", args: {} }),
    });
    expect(res.status).toBe(201);
    const syncRun: string = ((await res.json()) as Json).run.id;
    await pausedAt(s2, "sync.batch");
    const before = sf.records().size;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(250);
    await s2.stop("SIGKILL");

    const s3 = await start();
    const failed = await runOf(s3, syncRun);
    expect(failed.status).toBe("FAILED");
    expect(failed.error).toMatch(INTERRUPTED);

    // Two operators: one in the console (the API), one at a terminal.
    const [viaApi, viaCli] = await Promise.all([
      api(s3, `/api/runs/${syncRun}/retry?wait=true`, { method: "POST" }),
      cdp(["retry", syncRun, "--json", "--data-dir", dir]),
    ]);
    const apiBody = (await viaApi.json()) as Json;
    const outcomes = [viaApi.status === 201, viaCli.code === 0];
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const refusal = viaApi.status === 201 ? viaCli.stderr : apiBody.message;
    expect(refusal).toMatch(new RegExp(`run ${syncRun} was already retried as run_`));
    if (viaApi.status !== 201) expect(viaApi.status).toBe(409);
    else expect(viaCli.code).toBe(1);

    const retry = await finishedRetry(s3, syncRun);
    expect(retry.status).toBe("SUCCEEDED");
    const page = (await (await api(s3, "/api/runs?pipeline=sync&limit=50")).json()) as Json;
    expect(page.items.filter((r: Json) => r.retryOf === syncRun)).toHaveLength(1);
    // Every contact is in Salesforce once; what the killed run had sent was not sent again.
    const records = [...sf.records().values()];
    expect(records).toHaveLength(250);
    expect(records.every((r) => r.writes === 1)).toBe(true);
    expect(retry.stats).toMatchObject({ sent: 250 - before });
  }, 180_000);
});
