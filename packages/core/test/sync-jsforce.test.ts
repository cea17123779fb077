// jsforce 3.10 behaviour the sync is built around, shown on the installed jsforce (3.10.16)
// against the Salesforce double: what it retries, and what its own bulk upload does with faults
// and with array input. If an upgrade changes one of these, this file says which assumption moved.
import { Connection } from "jsforce";
import { afterEach, beforeEach, expect, test } from "vitest";
import { SalesforceDouble } from "../../../test/support/salesforce-double";

let sf: SalesforceDouble;
let conn: Connection;
beforeEach(async () => {
  sf = await SalesforceDouble.start();
  conn = new Connection({
    loginUrl: sf.url,
    version: "62.0",
    oauth2: {
      loginUrl: sf.url,
      clientId: sf.options.clientId,
      clientSecret: sf.options.clientSecret,
    },
  });
  await conn.login(sf.options.username, sf.options.password);
});
afterEach(() => sf.close());

const statuses = (method: string, path: RegExp) => sf.callsTo(method, path).map((c) => c.status);
const openJob = async () => {
  const job = conn.bulk2.createJob({
    object: "Contact",
    operation: "upsert",
    externalIdFieldName: "External_Id__c",
    lineEnding: "LF",
  });
  await job.open();
  return job;
};

test("a 503 is retried by jsforce for GET and DELETE (and PUT), not for PATCH or POST", async () => {
  sf.inject({ kind: "http", status: 503, method: "GET", path: /limits$/ });
  await conn.limits();
  expect(statuses("GET", /limits$/)).toEqual([503, 200]);

  const job = await openJob();
  sf.inject({ kind: "http", status: 503, method: "DELETE" });
  await job.delete();
  expect(statuses("DELETE", /jobs\/ingest/)).toEqual([503, 204]);

  sf.inject({ kind: "http", status: 503, method: "PATCH" });
  await expect(
    conn.sobject("Contact").upsert([{ External_Id__c: "a", LastName: "A" }], "External_Id__c", {
      allOrNone: false,
      allowRecursive: true,
    }),
  ).rejects.toMatchObject({ errorCode: "SERVER_UNAVAILABLE" });
  expect(statuses("PATCH", /composite/)).toEqual([503]);

  sf.inject({ kind: "http", status: 503, method: "POST", path: /jobs\/ingest$/ });
  await expect(openJob()).rejects.toMatchObject({ errorCode: "SERVER_UNAVAILABLE" });
  expect(statuses("POST", /jobs\/ingest$/)).toEqual([200, 503]);
});

test("a 503 on jsforce's bulk upload makes its retry send an empty body, and the job then fails 'No data was uploaded'", async () => {
  const job = await openJob();
  sf.inject({ kind: "http", status: 503, method: "PUT" });
  await job.uploadData("External_Id__c,LastName\nd,Dee\n");
  expect(statuses("PUT", /batches$/)).toEqual([503, 201]);
  expect(sf.uploads.map((u) => u.body)).toEqual(["External_Id__c,LastName\nd,Dee\n", ""]);
  await job.close();
  await new Promise((r) => setTimeout(r, 10));
  expect(await job.check()).toMatchObject({
    state: "Failed",
    numberRecordsProcessed: 0,
    errorMessage: "InvalidBatch : No data was uploaded",
  });
});

test("array input for a bulk upsert gets an empty Id column, and null written as #N/A", async () => {
  const job = await openJob();
  await job.uploadData([{ External_Id__c: "c", LastName: "Cee", Email: null }]);
  expect(sf.uploads[0]!.body).toBe("Id,External_Id__c,LastName,Email\n,c,Cee,#N/A\n");
});

test("a 401 on jsforce's bulk upload: it logs in again, then re-sends the PUT with a body nothing writes — it never completes", async () => {
  const job = await openJob();
  sf.inject({ kind: "http", status: 401, method: "PUT" });
  const outcome = await Promise.race([
    job.uploadData("External_Id__c,LastName\nd,Dee\n").then(() => "uploaded"),
    new Promise((r) => setTimeout(() => r("still waiting after 2 s"), 2000)),
  ]);
  expect(outcome).toBe("still waiting after 2 s");
  expect(sf.callsTo("POST", /oauth2\/token/)).toHaveLength(2);
  expect(statuses("PUT", /batches$/)).toEqual([401]);
});

test("an expired session on a REST call is renewed by logging in again, and the call re-sent", async () => {
  sf.expireSessions();
  const limits = await conn.limits();
  expect(limits.DailyApiRequests?.Max).toBe(15_000);
  expect(statuses("GET", /limits$/)).toEqual([401, 200]);
});
