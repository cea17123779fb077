// The sync's API through app.request() on a real local platform (PGlite), Salesforce played by
// the HTTP double and reached through the real jsforce; credentials in the data dir's secrets.env.
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { makePlatform, type TestPlatform } from "../../../test/support/platform";
import { SalesforceDouble } from "../../../test/support/salesforce-double";
import {
  doubleSecrets,
  makeUsers,
  type User,
  writeCustomers,
  writeSegmentRun,
} from "../../../test/support/sync";

// biome-ignore lint/suspicious/noExplicitAny: test reads of API JSON
type Json = any;

let t: TestPlatform;
let sf: SalesforceDouble;
let seq = 0;
beforeAll(async () => {
  [t, sf] = await Promise.all([makePlatform("pglite"), SalesforceDouble.start()]);
});
afterAll(async () => {
  await sf.close();
  await t.close();
});

const secretsEnv = (values: Record<string, string>) =>
  writeFileSync(
    t.platform.dir.secretsFile,
    `# Salesforce (test double)\n${Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n")}\n`,
    { mode: 0o600 },
  );

async function latestRun(n: number, edit: (u: User, i: number) => User = (u) => u) {
  const wh = await t.platform.warehouse();
  const users = makeUsers(n, 1000 * ++seq).map(edit);
  await writeCustomers(wh, users);
  await writeSegmentRun(wh, {
    runId: `seg_${seq}`,
    createdAt: new Date(Date.UTC(2026, 10, 2, seq)).toISOString(),
    users,
  });
  return users;
}

async function call(method: string, path: string): Promise<{ status: number; body: Json }> {
  const res = await t.request(path, { method });
  return { status: res.status, body: await res.json() };
}

const syncNow = async () => {
  const r = await t.request("/api/runs?wait=true", {
    method: "POST",
    body: JSON.stringify({ pipeline: "sync", args: {} }),
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as Json).run;
};

test("with no credentials a sync is a dry run; GET /api/sync/runs lists it with its counts", async () => {
  await latestRun(3);
  const run = await syncNow();
  expect(run).toMatchObject({ pipeline: "sync", status: "SUCCEEDED" });
  expect(run.subject).toBe(
    `Salesforce Contact (dry run) ← segmentation seg_${seq} (public.customers)`,
  );
  const { status, body } = await call("GET", "/api/sync/runs");
  expect(status).toBe(200);
  expect(body.items[0]).toEqual({
    runId: run.id,
    status: "SUCCEEDED",
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    error: null,
    retryOf: null,
    retryFailedOf: null,
    dryRun: true,
    dryRunReason: expect.stringMatching(/^no Salesforce credentials \(SALESFORCE_\* in /),
    object: "Contact",
    outboxKey: `sync/outbox/${run.id}/contacts.jsonl`,
    segmentRunId: `seg_${seq}`,
    transport: "none",
    users: 3,
    owed: 3,
    sent: 3,
    created: 0,
    updated: 0,
    failed: 0,
    unsent: 0,
    skippedUnchanged: 0,
    apiCalls: 0,
    waitingForBudget: false,
    errorCodes: {},
  });
  expect(sf.calls).toEqual([]);
});

test("a half-configured secrets.env fails the run, saying what to set — a fix, not a retry", async () => {
  await latestRun(2);
  const { SALESFORCE_CLIENT_SECRET: _s, ...rest } = doubleSecrets(sf);
  secretsEnv(rest);
  const run = await syncNow();
  expect(run).toMatchObject({ status: "FAILED", failureClass: "needs_fix" });
  expect(run.error).toMatch(
    /set SALESFORCE_CLIENT_SECRET \(read from the environment, then .*secrets\.env\)/,
  );
  expect(run.failureHint).toMatch(/the Salesforce credentials/);
});

test("a record Salesforce refuses: the run fails, /errors gives its code, message and the payload sent; retry-failed re-sends only it; a second retry has nothing to send", async () => {
  secretsEnv(doubleSecrets(sf));
  const users = await latestRun(4);
  sf.inject({
    kind: "record",
    externalId: users[1]!.id,
    statusCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
    message: "Segment must be approved",
  });
  const run = await syncNow();
  expect(run).toMatchObject({ status: "FAILED", failureClass: "needs_fix" });
  expect(run.stats).toMatchObject({ sent: 4, created: 3, failed: 1 });

  const runs = await call("GET", "/api/sync/runs?limit=1");
  expect(runs.body.items[0]).toMatchObject({
    runId: run.id,
    status: "FAILED",
    dryRun: false,
    dryRunReason: null,
    object: "Contact",
    created: 3,
    failed: 1,
    apiCalls: 2,
    transport: "collections",
    errorCodes: { FIELD_CUSTOM_VALIDATION_EXCEPTION: 1 },
  });
  expect(runs.body.nextCursor).toEqual(expect.any(String));

  const errors = await call("GET", `/api/sync/runs/${run.id}/errors`);
  expect(errors.status).toBe(200);
  expect(errors.body).toEqual({
    runId: run.id,
    items: [
      {
        externalId: users[1]!.id,
        status: "failed",
        errorCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        message: "Segment must be approved",
        payload: {
          External_Id__c: users[1]!.id,
          Email: users[1]!.email,
          FirstName: users[1]!.first,
          LastName: users[1]!.last,
          Segment__c: users[1]!.label,
          Segment_Score__c: users[1]!.distance,
          Segment_Updated__c: new Date(Date.UTC(2026, 10, 2, seq)).toISOString(),
        },
        attempts: 1,
        transport: "collections",
        updatedAt: expect.any(String),
      },
    ],
    nextCursor: null,
  });

  // The org's rule was fixed (the double refuses once): retry the failed records only.
  sf.resetCalls();
  const retried = await call("POST", `/api/sync/runs/${run.id}/retry-failed?wait=true`);
  expect(retried.status).toBe(201);
  expect(retried.body.run).toMatchObject({
    pipeline: "sync",
    status: "SUCCEEDED",
    args: { retryFailedOf: run.id },
    stats: { retryFailedOf: run.id, owed: 1, sent: 1, created: 1 },
  });
  expect(sf.callsTo("PATCH", /composite/)).toHaveLength(1);
  expect(sf.records().get(users[1]!.id)?.writes).toBe(1);

  const again = await call("POST", `/api/sync/runs/${run.id}/retry-failed`);
  expect(again.status).toBe(409);
  expect(again.body).toMatchObject({ error: "sync.nothing_to_retry" });
  expect(again.body.message).toMatch(/delivered by later runs since/);

  const list = await call("GET", "/api/sync/runs?limit=1");
  expect(list.body.items[0]).toMatchObject({ runId: retried.body.run.id, retryFailedOf: run.id });
});

test("errors of a run that is not a sync run are a 404; a status filter that names no status is a 400", async () => {
  expect((await call("GET", "/api/sync/runs/run_nope/errors")).status).toBe(404);
  const runs = await call("GET", "/api/sync/runs?limit=1");
  const bad = await call("GET", `/api/sync/runs/${runs.body.items[0].runId}/errors?status=bogus`);
  expect(bad.status).toBe(400);
  const nothing = await call("POST", "/api/sync/runs/run_nope/retry-failed");
  expect(nothing.status).toBe(404);
});
