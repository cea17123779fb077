// The sync's per-record outcomes are pruned after every run: the latest runs keep all their rows,
// older runs only what is still a record's latest outcome or the payload Salesforce last accepted —
// so the console still shows every record's last error, and the snapshot still finds its payload.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames, makeOps } from "../../../test/support/engines";
import type { OpsStore } from "../src/ops/db";
import type { OutRecord } from "../src/sync/records";
import { pruneSyncRecords } from "../src/sync/retention";
import { loadSnapshot, type Outcome, recordOutcomes } from "../src/sync/state";
import { syncRecordTable } from "../src/sync/sync.sql";

const TARGET = "salesforce:Contact";
const rec = (externalId: string, v: string): OutRecord => ({
  externalId,
  payload: { External_Id__c: externalId, Segment__c: v },
  hash: `${externalId}:${v}`,
});
const ok = (r: OutRecord): Outcome => ({
  record: r,
  status: "succeeded",
  transport: "collections",
});
const refused = (r: OutRecord): Outcome => ({
  record: r,
  status: "failed",
  errorCode: "REQUIRED_FIELD_MISSING",
  message: "Required fields are missing: [LastName]",
  transport: "collections",
});
const tick = () => new Promise((r) => setTimeout(r, 5));

describe.each(engineNames)("pruning the sync's per-record outcomes on %s", (engine) => {
  let ops: OpsStore;
  beforeAll(async () => {
    ops = await makeOps(engine);
  });
  afterAll(() => ops.close());

  const rows = async () =>
    (
      await ops.db
        .select({ runId: syncRecordTable.runId, externalId: syncRecordTable.externalId })
        .from(syncRecordTable)
    )
      .map((r) => `${r.runId}/${r.externalId}`)
      .sort();

  test("the latest runs keep every row; older runs keep each record's latest outcome and the payload Salesforce last accepted", async () => {
    // run1: a, b, c accepted. run2: a accepted again; c refused. run3, run4: a again.
    await recordOutcomes(ops.db, "run1", TARGET, [
      ok(rec("a", "1")),
      ok(rec("b", "1")),
      ok(rec("c", "1")),
    ]);
    await tick();
    await recordOutcomes(ops.db, "run2", TARGET, [ok(rec("a", "2")), refused(rec("c", "2"))]);
    await tick();
    await recordOutcomes(ops.db, "run3", TARGET, [ok(rec("a", "3"))]);
    await tick();
    await recordOutcomes(ops.db, "run4", TARGET, [ok(rec("a", "4"))]);

    expect(await pruneSyncRecords(ops.db, 2)).toBe(2);
    expect(await rows()).toEqual([
      // b's only outcome, however old; c's accepted payload (the snapshot's) and its latest error.
      "run1/b",
      "run1/c",
      "run2/c",
      // The two latest runs, whole.
      "run3/a",
      "run4/a",
    ]);
    // What the snapshot points at is still there.
    const snap = await loadSnapshot(ops.db, TARGET);
    for (const [id, s] of snap) expect(await rows()).toContain(`${s.runId}/${id}`);
    // Pruning again finds nothing more.
    expect(await pruneSyncRecords(ops.db, 2)).toBe(0);
  });
});
