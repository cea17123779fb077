import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames } from "../../../test/support/engines";
import {
  makeSyncEnv,
  makeUsers,
  type SyncEnv,
  writeCustomers,
  writeSegmentRun,
} from "../../../test/support/sync";
import { listRecords } from "../src/sync/state";

describe.each(engineNames)("the Salesforce sync on %s", (engine) => {
  let env: SyncEnv;
  const users = makeUsers(450);
  beforeAll(async () => {
    env = await makeSyncEnv(engine);
    await writeCustomers(env.wh, users);
  });
  afterAll(() => env.close());

  test("with no segmentation run yet there is nothing to sync, and Salesforce is not called", async () => {
    const r = await env.sync();
    expect(r.status).toBe("SUCCEEDED");
    expect(r.steps).toContain("nothing to sync: no segmentation run yet");
    expect(env.sf.calls).toEqual([]);
  });

  test("the first sync upserts every user of the latest run by External_Id__c with the mapped fields, by sObject Collections (200 a call)", async () => {
    await writeSegmentRun(env.wh, { runId: "seg_1", createdAt: "2026-11-01T08:00:00.000Z", users });
    env.sf.resetCalls();
    const r = await env.sync();
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats).toMatchObject({
      segmentRunId: "seg_1",
      source: "public.customers",
      users: 450,
      owed: 450,
      sent: 450,
      created: 450,
      updated: 0,
      failed: 0,
      unsent: 0,
      skippedUnchanged: 0,
      transport: "collections",
    });
    const upserts = env.sf.callsTo("PATCH", /composite\/sobjects\/Contact\/External_Id__c$/);
    expect(upserts).toHaveLength(3); // 200 + 200 + 50
    // /limits, then the three upserts: what the org counted is what the run says.
    expect(r.stats.apiCalls).toBe(4);
    expect(env.sf.apiCalls()).toBe(4);
    const u7 = env.sf.records().get("u0000007")!;
    expect(u7.fields).toEqual({
      External_Id__c: "u0000007",
      Email: "user7@example.com",
      FirstName: "First7",
      LastName: "Last7",
      Segment__c: users[6]!.label,
      Segment_Score__c: users[6]!.distance,
      Segment_Updated__c: "2026-11-01T08:00:00.000Z",
    });
  });

  test("a rerun with nothing changed sends nothing and makes no API call, not even a login", async () => {
    env.sf.resetCalls();
    const r = await env.sync();
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats).toMatchObject({ owed: 0, sent: 0, skippedUnchanged: 450, apiCalls: 0 });
    expect(env.sf.calls).toEqual([]);
  });

  test("a new segmentation run sends only the users whose values changed — a new run time alone changes nothing — and they are updated, stamped with the new run's time", async () => {
    const next = users.map((u, i) =>
      i === 3
        ? { ...u, segment: 9, label: "Moved up" }
        : i === 4
          ? { ...u, distance: u.distance + 0.5 }
          : u,
    );
    await writeSegmentRun(env.wh, {
      runId: "seg_2",
      createdAt: "2026-11-02T08:00:00.000Z",
      users: next,
    });
    env.sf.resetCalls();
    const r = await env.sync();
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats).toMatchObject({
      segmentRunId: "seg_2",
      owed: 2,
      sent: 2,
      created: 0,
      updated: 2,
      skippedUnchanged: 448,
    });
    expect(env.sf.records().get("u0000004")!.fields).toMatchObject({
      Segment__c: "Moved up",
      Segment_Updated__c: "2026-11-02T08:00:00.000Z",
    });
    // The others still carry the first run's time: nothing was sent for them.
    expect(env.sf.records().get("u0000001")!.fields.Segment_Updated__c).toBe(
      "2026-11-01T08:00:00.000Z",
    );
    expect(env.sf.records().get("u0000001")!.writes).toBe(1);
    const page = await listRecords(env.ops.db, r.id, { status: ["succeeded"], limit: 10 });
    expect(page.items.map((i) => i.externalId)).toEqual(["u0000004", "u0000005"]);
  });

  test("a segmentation of the Oracle-fed crm.customers is joined on that table's primary key (customer_id)", async () => {
    await env.wh.query("CREATE SCHEMA IF NOT EXISTS crm");
    await env.wh.query(
      "CREATE TABLE crm.customers (customer_id bigint PRIMARY KEY, first_name text, last_name text, email text)",
    );
    await env.wh.query(
      "INSERT INTO crm.customers VALUES (9001, 'Ora', 'Cle', 'ora@example.com'), (9002, 'Dee', 'Ems', 'dee@example.com')",
    );
    const crmUsers = [9001, 9002].map((id, i) => ({ ...users[i]!, id: String(id) }));
    await writeSegmentRun(env.wh, {
      runId: "seg_crm",
      createdAt: "2026-11-03T08:00:00.000Z",
      users: crmUsers,
      source: "crm.customers",
    });
    const r = await env.sync();
    expect(r.stats).toMatchObject({ source: "crm.customers", users: 2, created: 2 });
    expect(env.sf.records().get("9001")!.fields).toMatchObject({
      External_Id__c: "9001",
      Email: "ora@example.com",
      LastName: "Cle",
    });
  });

  test("a change in the source table (an email) is a change too", async () => {
    await writeSegmentRun(env.wh, { runId: "seg_3", createdAt: "2026-11-04T08:00:00.000Z", users });
    await writeCustomers(env.wh, [{ ...users[9]!, email: "new10@example.com" }]);
    const r = await env.sync();
    // seg_3 puts back users 4 and 5 as they were in seg_1, and user 10's email changed.
    expect(r.stats).toMatchObject({ owed: 3, updated: 3 });
    expect(env.sf.records().get("u0000010")!.fields.Email).toBe("new10@example.com");
  });
});
