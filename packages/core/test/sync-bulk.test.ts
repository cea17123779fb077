// The sync's Bulk API 2.0 path through the real jsforce and the HTTP double: one job above the
// threshold, its API calls, polling that backs off, and the job-level faults (a 503 or a 401 on
// the upload, a job that fails as a whole, records left unprocessed or locked).
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import {
  makeSyncEnv,
  makeUsers,
  resetSyncEnv,
  type SyncEnv,
  type User,
  writeCustomers,
  writeSegmentRun,
} from "../../../test/support/sync";
import { bulkCsv, parseBulkError } from "../src/sync/bulk";
import { SALESFORCE_MAPPING } from "../src/sync/mapping";

let env: SyncEnv;
let seq = 0;
beforeAll(async () => {
  env = await makeSyncEnv("pglite");
});
afterAll(() => env.close());
beforeEach(() => resetSyncEnv(env, { SALESFORCE_BULK_THRESHOLD: "100" }));

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
const apiPaths = () =>
  env.sf.calls
    .filter((c) => c.api)
    .map(
      (c) =>
        `${c.method} ${c.path.replace(/^\/services\/data\/v62\.0/, "").replace(/750\d+/, "<job>")}`,
    );

test("above the threshold the records go in one Bulk API 2.0 job — limits, create, upload, close, poll, results: six requests — and are upserted with their fields", async () => {
  const users = await latestRun(300);
  const r = await env.sync();
  expect(r.status).toBe("SUCCEEDED");
  expect(r.stats).toMatchObject({
    transport: "bulk",
    sent: 300,
    created: 300,
    failed: 0,
    apiCalls: 6,
  });
  expect(r.stats.bulkJobs).toHaveLength(1);
  expect(apiPaths()).toEqual([
    "GET /limits",
    "POST /jobs/ingest",
    "PUT /jobs/ingest/<job>/batches",
    "PATCH /jobs/ingest/<job>",
    "GET /jobs/ingest/<job>",
    "GET /jobs/ingest/<job>/successfulResults",
  ]);
  // Our CSV: the mapping's fields, no Id column.
  const csv = env.sf.uploads[0]!.body;
  expect(csv.split("\n")[0]).toBe(
    "External_Id__c,Email,FirstName,LastName,Segment__c,Segment_Score__c,Segment_Updated__c",
  );
  expect(env.sf.records().get(users[0]!.id)!.fields).toMatchObject({
    Email: users[0]!.email,
    Segment__c: users[0]!.label,
  });
  // An update of the same users goes the same way, and is counted as updates.
  await writeSegmentRun(env.wh, {
    runId: `seg_${seq}b`,
    createdAt: new Date(Date.UTC(2026, 10, 1, seq, 30)).toISOString(),
    users: users.map((u) => ({ ...u, label: `${u.label}!` })),
  });
  const next = await env.sync();
  expect(next.stats).toMatchObject({ transport: "bulk", created: 0, updated: 300 });
});

test("text with commas, quotes, line breaks and semicolons arrives intact, and null clears a field (#N/A), as by collections", async () => {
  const tricky = 'Big "spenders", north;\nsouth | ^ `x`';
  const users = await latestRun(120, (u, i) => (i === 0 ? { ...u, label: tricky } : u));
  await env.sync();
  expect(env.sf.records().get(users[0]!.id)!.fields.Segment__c).toBe(tricky);
  await writeCustomers(
    env.wh,
    users.map((u, i) => (i === 1 ? { ...u, email: null } : u)),
  );
  const r = await env.sync();
  expect(r.stats).toMatchObject({ owed: 1, updated: 1, transport: "collections" });
  // Below the threshold that went by collections; the same null by bulk:
  await writeCustomers(
    env.wh,
    users.map((u) => ({ ...u, email: null })),
  );
  const bulk = await env.sync();
  expect(bulk.stats).toMatchObject({ transport: "bulk", updated: 119 });
  expect(users.map((u) => env.sf.records().get(u.id)!.fields.Email)).toEqual(Array(120).fill(null));
  const row = (
    parse(env.sf.uploads.at(-1)!.body, { columns: true }) as Record<string, string>[]
  )[0]!;
  expect(row.Email).toBe("#N/A");
});

test("a 503 on the upload: the job is abandoned and its records go in a new job — never an empty upload — and the run succeeds", async () => {
  const users = await latestRun(150);
  env.sf.inject({ kind: "http", status: 503, method: "PUT", path: /batches$/ });
  const r = await env.sync();
  expect(r.status).toBe("SUCCEEDED");
  expect(r.stats.bulkJobs).toHaveLength(2);
  expect(env.sf.callsTo("PUT", /batches$/).map((c) => c.status)).toEqual([503, 201]);
  expect(env.sf.uploads.slice(-2).every((u) => u.body.length > 0)).toBe(true);
  expect(new Set(writes(users))).toEqual(new Set([1]));
});

test("a 401 on the upload: the session is renewed and the whole CSV sent again (jsforce's own upload would hang)", async () => {
  const users = await latestRun(150);
  env.sf.inject({ kind: "http", status: 401, method: "PUT", path: /batches$/ });
  const r = await env.sync();
  expect(r.status).toBe("SUCCEEDED");
  expect(env.sf.callsTo("PUT", /batches$/).map((c) => c.status)).toEqual([401, 201]);
  const [first, second] = env.sf.uploads.slice(-2);
  expect(second!.body).toBe(first!.body);
  expect(new Set(writes(users))).toEqual(new Set([1]));
});

test("a job that fails as a whole before processing a record ('No data was uploaded') is retried as a new job", async () => {
  const users = await latestRun(150);
  env.sf.inject({ kind: "jobFails", message: "InvalidBatch : No data was uploaded" });
  const r = await env.sync();
  expect(r.status).toBe("SUCCEEDED");
  expect(r.stats.bulkJobs).toHaveLength(2);
  expect(r.steps).toContain("bulk job failed as a whole: sending its records in a new job");
  expect(new Set(writes(users))).toEqual(new Set([1]));
});

test("records a job left unprocessed, and a locked row in its failed results, are sent again — only they — and the run succeeds", async () => {
  const users = await latestRun(200);
  env.sf.inject(
    { kind: "unprocessed", count: 5 },
    { kind: "record", externalId: users[10]!.id, statusCode: "UNABLE_TO_LOCK_ROW" },
  );
  const r = await env.sync();
  expect(r.status).toBe("SUCCEEDED");
  expect(r.stats).toMatchObject({ transport: "bulk", created: 200, failed: 0 });
  const paths = apiPaths();
  expect(paths).toContain("GET /jobs/ingest/<job>/failedResults");
  expect(paths).toContain("GET /jobs/ingest/<job>/unprocessedrecords");
  // The six left go by collections (fewer than the threshold).
  const again = env.sf.callsTo("PATCH", /composite/);
  expect(again).toHaveLength(1);
  expect(new Set(writes(users))).toEqual(new Set([1]));
});

test("polling backs off: a job that takes 300 ms is checked a handful of times, not every few ms", async () => {
  await latestRun(150);
  env.sf.options.processingMs = 300;
  try {
    const r = await env.sync({}, { poll: { initialMs: 5, maxMs: 1000, timeoutMs: 10_000 } });
    expect(r.status).toBe("SUCCEEDED");
    // 5, 10, 20, 40, 80, 160 ms … : about seven checks where a 5 ms interval would take sixty.
    const checks = env.sf.callsTo("GET", /jobs\/ingest\/750\d+$/).length;
    expect(checks).toBeGreaterThanOrEqual(2);
    expect(checks).toBeLessThanOrEqual(8);
  } finally {
    env.sf.options.processingMs = 0;
  }
});

test("bulk error strings and CSV values read as Salesforce writes them", () => {
  expect(
    parseBulkError("REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"),
  ).toEqual({
    code: "REQUIRED_FIELD_MISSING",
    message: "Required fields are missing: [LastName]",
  });
  expect(
    parseBulkError("UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--"),
  ).toEqual({
    code: "UNABLE_TO_LOCK_ROW",
    message: "unable to obtain exclusive access to this record",
  });
  const csv = bulkCsv(SALESFORCE_MAPPING, [
    {
      externalId: "a",
      hash: "",
      payload: { External_Id__c: "a", Email: null, FirstName: " x", LastName: "O'Brien, Jr" },
    },
  ]);
  expect(csv.split("\n")[1]).toBe('a,#N/A," x","O\'Brien, Jr",#N/A,#N/A,#N/A');
});
