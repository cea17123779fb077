// The sync against Salesforce's faults, through the real jsforce and the HTTP double: 503s,
// locked rows, refused records, the daily limit, the budget reserve, expired sessions; and the
// credentials: none (a dry run), half of them (an error), either OAuth flow.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  doubleSecrets,
  makeSyncEnv,
  makeUsers,
  resetSyncEnv,
  type SyncEnv,
  type User,
  writeCustomers,
  writeSegmentRun,
} from "../../../test/support/sync";
import { listRecords } from "../src/sync/state";

let env: SyncEnv;
let seq = 0;
beforeAll(async () => {
  env = await makeSyncEnv("pglite");
});
afterAll(() => env.close());
beforeEach(() => resetSyncEnv(env));

/** A new segmentation run of fresh users (ids no earlier test used), as the latest run. */
async function latestRun(n: number, edit: (u: User, i: number) => User = (u) => u) {
  const users = makeUsers(n, 10_000 * ++seq).map(edit);
  await writeCustomers(env.wh, users);
  await writeSegmentRun(env.wh, {
    runId: `seg_${seq}`,
    createdAt: new Date(Date.UTC(2026, 10, 1, seq)).toISOString(),
    users,
  });
  return users;
}
const writes = (users: User[]) => users.map((u) => env.sf.records().get(u.id)?.writes ?? 0);

describe("faults", () => {
  test("a 503 on a collections upsert is retried by the sync with backoff (jsforce does not retry PATCH), and every record is written once", async () => {
    const users = await latestRun(250);
    env.sf.inject({ kind: "http", status: 503, method: "PATCH", times: 2 });
    const r = await env.sync();
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats).toMatchObject({ created: 250, failed: 0, unsent: 0 });
    expect(env.sf.callsTo("PATCH", /composite/).map((c) => c.status)).toEqual([503, 503, 200, 200]);
    expect(new Set(writes(users))).toEqual(new Set([1]));
  });

  test("UNABLE_TO_LOCK_ROW on one record: only that record is sent again, after a backoff, until it is accepted", async () => {
    const users = await latestRun(10);
    env.sf.inject({
      kind: "record",
      externalId: users[3]!.id,
      statusCode: "UNABLE_TO_LOCK_ROW",
      times: 2,
    });
    const r = await env.sync();
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats).toMatchObject({ sent: 10, created: 10, failed: 0 });
    expect(env.sf.callsTo("PATCH", /composite/).map((c) => c.bytes < 400)).toEqual([
      false,
      true,
      true,
    ]);
    expect(writes(users)).toEqual(Array(10).fill(1));
    const rows = await listRecords(env.ops.db, r.id, { status: ["succeeded"], limit: 20 });
    expect(rows.items.find((i) => i.externalId === users[3]!.id)?.attempts).toBe(3);
  });

  test("a record Salesforce refuses fails the run (needs a fix) with its code, message and payload kept; the next run sends only it, and succeeds once the data is fixed", async () => {
    const users = await latestRun(5, (u, i) => (i === 2 ? { ...u, last: null } : u));
    const r = await env.sync();
    expect(r.status).toBe("FAILED");
    expect(r.failureClass).toBe("needs_fix");
    expect(r.error).toMatch(
      /1 of 5 records were not accepted by Salesforce \(REQUIRED_FIELD_MISSING ×1\)/,
    );
    expect(r.stats).toMatchObject({
      created: 4,
      failed: 1,
      errorCodes: { REQUIRED_FIELD_MISSING: 1 },
    });
    const failed = await listRecords(env.ops.db, r.id, { status: ["failed"], limit: 10 });
    expect(failed.items).toEqual([
      expect.objectContaining({
        externalId: users[2]!.id,
        errorCode: "REQUIRED_FIELD_MISSING",
        message: "Required fields are missing: [LastName]",
        payload: expect.objectContaining({ External_Id__c: users[2]!.id, LastName: null }),
      }),
    ]);

    env.sf.resetCalls();
    const again = await env.sync();
    expect(again.stats).toMatchObject({ owed: 1, sent: 1, failed: 1, skippedUnchanged: 4 });

    await writeCustomers(env.wh, [{ ...users[2]!, last: "Fixed" }]);
    const fixed = await env.sync();
    expect(fixed.status).toBe("SUCCEEDED");
    expect(fixed.stats).toMatchObject({ owed: 1, created: 1 });
    expect(writes(users)).toEqual([1, 1, 1, 1, 1]);
  });

  test("REQUEST_LIMIT_EXCEEDED part way stops the run cleanly as FAILED (a passing fault); what was not sent is kept and the next run sends just that — no record twice", async () => {
    const users = await latestRun(600);
    env.sf.inject({ kind: "http", status: 403, method: "PATCH", skip: 1, times: 100 });
    const r = await env.sync();
    expect(r.status).toBe("FAILED");
    expect(r.failureClass).toBe("transient");
    expect(r.error).toMatch(
      /REQUEST_LIMIT_EXCEEDED.*200 of 600 records accepted; the other 400 are kept/,
    );
    expect(r.stats).toMatchObject({ created: 200, unsent: 400, waitingForBudget: true });
    const unsent = await listRecords(env.ops.db, r.id, { status: ["unsent"], limit: 500 });
    expect(unsent.items).toHaveLength(400);
    expect(unsent.items[0]!.errorCode).toBe("REQUEST_LIMIT_EXCEEDED");

    env.sf.faults.length = 0;
    const next = await env.sync();
    expect(next.status).toBe("SUCCEEDED");
    expect(next.stats).toMatchObject({ owed: 400, created: 400, skippedUnchanged: 200 });
    expect(new Set(writes(users))).toEqual(new Set([1]));
  });

  test("a sync that would eat into the API reserve waits: FAILED 'waiting for API budget' after one request (/limits), nothing sent; with room, the next run sends", async () => {
    const users = await latestRun(300);
    env.secrets.SALESFORCE_API_RESERVE = "500";
    env.sf.limits.used = env.sf.limits.max - 501; // 501 left: /limits takes one, 2 upserts would cut into 500
    const r = await env.sync();
    expect(r.status).toBe("FAILED");
    expect(r.failureClass).toBe("transient");
    expect(r.error).toMatch(
      /^waiting for API budget: the org has 500 daily API requests left, the sync keeps 500 in reserve .* needs about 2/,
    );
    expect(r.stats).toMatchObject({
      sent: 0,
      unsent: 300,
      waitingForBudget: true,
      apiCalls: 1,
      apiReserve: 500,
    });
    expect(env.sf.calls.filter((c) => c.api).map((c) => c.path)).toEqual([
      "/services/data/v62.0/limits",
    ]);

    env.secrets.SALESFORCE_API_RESERVE = "10%";
    env.sf.limits.used = 0;
    const next = await env.sync();
    expect(next.status).toBe("SUCCEEDED");
    expect(next.stats).toMatchObject({ created: 300, apiReserve: 1500 });
    expect(new Set(writes(users))).toEqual(new Set([1]));
  });

  test("when other integrations spend the budget during a run, it stops between batches and keeps the rest, waiting for budget", async () => {
    const users = await latestRun(600);
    env.secrets.SALESFORCE_API_RESERVE = "1000";
    // After the first upsert the org has 1,000 requests left: one more would cut into the reserve.
    env.sf.inject({ kind: "usage", method: "PATCH", add: env.sf.limits.max - 1002 });
    const r = await env.sync();
    expect(r.status).toBe("FAILED");
    expect(r.failureClass).toBe("transient");
    expect(r.error).toMatch(
      /^waiting for API budget: the org has \d+ daily API requests left, the sync keeps 1000 in reserve/,
    );
    expect(r.stats).toMatchObject({
      created: 200,
      unsent: 400,
      waitingForBudget: true,
      apiCalls: 2,
    });
    expect(env.sf.callsTo("PATCH", /composite/)).toHaveLength(1);
    env.sf.limits.used = 0;
    const next = await env.sync();
    expect(next.stats).toMatchObject({ owed: 400, created: 400 });
    expect(new Set(writes(users))).toEqual(new Set([1]));
  });

  // The fault-injection suite's Salesforce case (docs/reliability.md): storms through a whole sync.
  test("a storm through a whole sync — 503s, 429s and an expired session on every batch — still writes every record exactly once", async () => {
    const users = await latestRun(600);
    // Faults are taken in order; `skip: 1` lets the request before it through (a batch's last try).
    env.sf.inject(
      { kind: "http", status: 503, method: "PATCH", times: 3 },
      { kind: "http", status: 429, method: "PATCH", times: 3, skip: 1 },
      { kind: "http", status: 401, method: "PATCH", skip: 1 },
      { kind: "http", status: 503, method: "PATCH" },
      { kind: "http", status: 429, method: "PATCH" },
    );
    const r = await env.sync();
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats).toMatchObject({ created: 600, failed: 0, unsent: 0 });
    expect(env.sf.callsTo("PATCH", /composite/).map((c) => c.status)).toEqual([
      ...[503, 503, 503, 200],
      ...[429, 429, 429, 200],
      ...[401, 503, 429, 200],
    ]);
    expect(env.sf.callsTo("POST", /oauth2\/token/)).toHaveLength(2);
    expect(new Set(writes(users))).toEqual(new Set([1]));
  });

  test.each([503, 429])(
    "a %i storm that outlasts the retries stops the run as FAILED (a passing fault) saying so; what was not sent is kept and the next run sends only that",
    async (status) => {
      const users = await latestRun(400);
      env.sf.inject({ kind: "http", status, method: "PATCH", skip: 1, times: 1000 });
      const r = await env.sync();
      expect(r.status).toBe("FAILED");
      expect(r.failureClass).toBe("transient");
      expect(r.error).toMatch(
        new RegExp(
          `Salesforce was unavailable .*${status === 503 ? "SERVER_UNAVAILABLE" : "ERROR_HTTP_429"}.*after retries`,
        ),
      );
      expect(r.stats).toMatchObject({ created: 200, unsent: 200 });
      env.sf.faults.length = 0;
      const next = await env.sync();
      expect(next.status).toBe("SUCCEEDED");
      expect(next.stats).toMatchObject({ owed: 200, created: 200, skippedUnchanged: 200 });
      expect(new Set(writes(users))).toEqual(new Set([1]));
    },
  );

  test.each(["password", "client_credentials"] as const)(
    "an expired session (401) is renewed — %s flow — and the upsert goes through",
    async (flow) => {
      const users = await latestRun(20);
      for (const k of Object.keys(env.secrets)) delete env.secrets[k];
      Object.assign(env.secrets, doubleSecrets(env.sf, flow));
      env.sf.inject({ kind: "http", status: 401, method: "PATCH" });
      const r = await env.sync();
      expect(r.status).toBe("SUCCEEDED");
      expect(r.stats.created).toBe(20);
      expect(env.sf.callsTo("POST", /oauth2\/token/)).toHaveLength(2);
      expect(env.sf.callsTo("PATCH", /composite/).map((c) => c.status)).toEqual([401, 200]);
      expect(writes(users)).toEqual(Array(20).fill(1));
    },
  );
});

describe("credentials", () => {
  test("with no credentials the sync is a dry run: exactly what would be sent goes to the outbox, Salesforce is not called, and the run says so", async () => {
    const users = await latestRun(3, (u, i) => (i === 1 ? { ...u, email: null } : u));
    for (const k of Object.keys(env.secrets)) delete env.secrets[k];
    const dry = await env.sync();
    expect(dry.status).toBe("SUCCEEDED");
    expect(dry.stats).toMatchObject({
      mode: "dry_run",
      dryRunReason: "no Salesforce credentials (SALESFORCE_* in the test's secrets)",
      outboxKey: `sync/outbox/${dry.id}/contacts.jsonl`,
      sent: 3,
      apiCalls: 0,
    });
    expect(env.sf.calls).toEqual([]);
    const lines = readFileSync(env.lake.path(dry.stats.outboxKey!), "utf8").trim().split("\n");
    const outbox = lines.map((l) => JSON.parse(l));
    expect(outbox[1]).toEqual({
      External_Id__c: users[1]!.id,
      Email: null,
      FirstName: users[1]!.first,
      LastName: users[1]!.last,
      Segment__c: users[1]!.label,
      Segment_Score__c: users[1]!.distance,
      Segment_Updated__c: expect.stringMatching(/^2026-11-01T\d\d:00:00.000Z$/),
    });
    const manifest = JSON.parse(
      readFileSync(env.lake.path(`sync/outbox/${dry.id}/manifest.json`), "utf8"),
    );
    expect(manifest).toMatchObject({
      object: "Contact",
      externalIdField: "External_Id__c",
      records: 3,
      transport: "collections",
      estimatedApiCalls: 1,
    });

    // A dry run tells Salesforce nothing: with credentials, the same records go, exactly as written.
    Object.assign(env.secrets, doubleSecrets(env.sf));
    const live = await env.sync();
    expect(live.stats).toMatchObject({ mode: "live", owed: 3, created: 3 });
    const body = JSON.parse(
      JSON.stringify(outbox.map((o) => ({ attributes: { type: "Contact" }, ...o }))),
    );
    expect(users.map((u) => env.sf.records().get(u.id)!.fields)).toEqual(
      body.map(({ attributes: _a, ...f }: Record<string, unknown>) => f),
    );
  });

  test("--dry-run with credentials writes the outbox and calls nothing", async () => {
    await latestRun(2);
    const r = await env.sync({ dryRun: true });
    expect(r.stats).toMatchObject({
      mode: "dry_run",
      dryRunReason: "asked for a dry run",
      sent: 2,
    });
    expect(env.sf.calls).toEqual([]);
  });

  test("half-configured credentials fail the run (needs a fix) naming what is missing, rather than running dry", async () => {
    await latestRun(2);
    delete env.secrets.SALESFORCE_CLIENT_SECRET;
    await expect(env.sync()).rejects.toThrow(
      /credentials are incomplete for the username-password flow: set SALESFORCE_CLIENT_SECRET/,
    );
    expect(env.sf.calls).toEqual([]);
  });

  test("wrong credentials: the login is refused and the run needs a fix; no API request counted", async () => {
    await latestRun(2);
    env.secrets.SALESFORCE_PASSWORD = "wrong";
    await expect(env.sync()).rejects.toThrow(/Salesforce refused the username-password login/);
    expect(env.sf.apiCalls()).toBe(0);
  });
});
