import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type CdcEnv, type Change, dmsCsv, makeCdcEnv, seq } from "../../../test/support/cdc";
import { engineNames } from "../../../test/support/engines";
import { commitFile, prepareFile } from "../src/cdc/apply";
import { applyDms } from "../src/cdc/cdc";
import { compareDmsFiles, dmsFile, dmsTable, tombstoneTable } from "../src/cdc/files";
import { CdcStats } from "../src/cdc/model";
import { buildCdcPlan, type CdcPlanInput } from "../src/cdc/plan";
import { defaultQuality } from "../src/ingest/model";
import { check } from "../src/quality/check";
import { failureSamples } from "../src/quality/failures";
import { insertRun } from "../src/run/store";
import { onFaultPoint } from "../src/util/fault";
import { createId } from "../src/util/id";
import type { Warehouse } from "../src/warehouse/warehouse";

const COLS = ["CUSTOMER_ID", "NAME", "EMAIL", "SPEND"];

describe.each(engineNames)("DMS changes applied on %s", (engine) => {
  let env: CdcEnv;
  beforeAll(async () => {
    env = await makeCdcEnv(engine);
  });
  afterAll(() => env.close());

  const live = (table: string) =>
    env.rows(`select customer_id as id, name, email, spend from ${table} order by 1`);
  const tombstones = async (schema: string, table: string) =>
    (
      await env.rows(
        `select customer_id as id, _cdp_seq as seq from "_cdp"."${tombstoneTable({ schema, table })}" order by 1`,
      )
    ).map((r) => [r.id, r.seq]);

  test("a full load creates <schema>.<table> lower-cased, keyed by the first data column; full-load files apply by their hex counter, all before the change files", async () => {
    const src = "CRM/CUSTOMERS";
    // Names in the order a listing gives them: the change file first, LOAD00000010 before
    // LOAD0000000A. They must apply as LOAD0000000A, LOAD00000010, then the change file.
    await env.drop(
      src,
      "20261101-1200000000.csv",
      dmsCsv(COLS, [["U", seq(5), "1", "Ann (changed)", "ann@example.com", "12.5"]]),
    );
    await env.drop(
      src,
      "LOAD00000010.csv",
      dmsCsv(COLS, [
        ["I", null, "1", "Ann (second load file)", "ann@example.com", "11"],
        ["I", null, "3", "Cy", "cy@example.com", "3"],
      ]),
    );
    await env.drop(
      src,
      "LOAD0000000A.csv",
      dmsCsv(COLS, [
        ["I", null, "1", "Ann", "ann@example.com", "10"],
        ["I", null, "2", "Bob", "bob@example.com", "2"],
      ]),
    );
    const r = await env.apply();
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats.tables).toEqual([
      expect.objectContaining({
        table: "crm.customers",
        source: "CRM/CUSTOMERS",
        key: "customer_id",
        filesApplied: 3,
        filesSkipped: 0,
        changes: 5,
        inserted: 3,
        updated: 2,
        deleted: 0,
        skippedStale: 0,
        quarantined: 0,
        columnsAdded: ["customer_id", "name", "email", "spend"],
      }),
    ]);
    expect(await live("crm.customers")).toEqual([
      { id: 1, name: "Ann (changed)", email: "ann@example.com", spend: "12.5" },
      { id: 2, name: "Bob", email: "bob@example.com", spend: "2" },
      { id: 3, name: "Cy", email: "cy@example.com", spend: "3" },
    ]);
    // The DMS columns are bookkeeping, not data: the table has _cdp_ columns instead.
    const cols = await env.rows(
      `select column_name as c from information_schema.columns where table_schema = 'crm' and table_name = 'customers' order by ordinal_position`,
    );
    expect(cols.map((c) => c.c)).toEqual([
      "customer_id",
      "name",
      "email",
      "spend",
      "_cdp_seq",
      "_cdp_commit_ts",
      "_cdp_run",
    ]);
    const [one] = await env.rows(
      `select _cdp_seq as s, _cdp_run as r, _cdp_commit_ts as t from crm.customers where customer_id = 1`,
    );
    expect(one).toEqual({ s: seq(5), r: r.runId, t: "2026-11-01 12:00:00" });
    // Every file left dms/ for processed/dms/.
    expect((await env.lake.list("dms/")).map((o) => o.key)).toEqual([]);
    expect((await env.lake.list("processed/dms/CRM/CUSTOMERS/")).length).toBe(3);
  });

  test("within a file the change sequence orders the rows, not their place or their commit time: a transaction's rows share one time", async () => {
    const src = "CRM/TXN";
    await env.drop(
      src,
      "20261101-1200000000.csv",
      dmsCsv(
        COLS,
        [
          // one transaction (same commit time), written out of order
          ["U", seq(12), "1", "third", "a@example.com", "3"],
          ["I", seq(10), "1", "first", "a@example.com", "1"],
          ["U", seq(11), "1", "second", "a@example.com", "2"],
          ["I", seq(13), "2", "other", "b@example.com", "9"],
        ],
        "2026-11-01 12:00:00.000000",
      ),
    );
    const r = await env.apply("dms/CRM/TXN/");
    expect(r.stats.tables[0]).toMatchObject({ changes: 4, inserted: 2, superseded: 2 });
    expect(await live("crm.txn")).toEqual([
      { id: 1, name: "third", email: "a@example.com", spend: 3 },
      { id: 2, name: "other", email: "b@example.com", spend: 9 },
    ]);
    const [s] = await env.rows(`select _cdp_seq as s from crm.txn where customer_id = 1`);
    expect(s!.s).toBe(seq(12));
  });

  test("a key's last good change wins whether the file's sequences are in order (as DMS writes them) or not: a quarantined later change never hides it", async () => {
    const rows: Change[] = [
      ["I", seq(1), "1", "Ann", "ann@example.com", "1"],
      ["U", seq(2), "1", "Ann", "ann2@example.com", "2"],
      ["U", seq(3), "1", "Ann", "not-an-email", "3"],
      ["I", seq(4), "2", "Bob", "bob@example.com", "4"],
      ["U", seq(5), "2", "Bob", "bob5@example.com", "5"],
      ["D", seq(6), "3"],
      ["I", seq(7), "3", "Cy", "cy@example.com", "7"],
    ];
    const expected = [
      { id: 1, name: "Ann", email: "ann2@example.com", spend: 2 },
      { id: 2, name: "Bob", email: "bob5@example.com", spend: 5 },
      { id: 3, name: "Cy", email: "cy@example.com", spend: 7 },
    ];
    for (const [src, written] of [
      ["CRM/INORDER", rows],
      ["CRM/SHUFFLED", [rows[6]!, rows[2]!, rows[4]!, rows[0]!, rows[5]!, rows[3]!, rows[1]!]],
    ] as const) {
      await env.drop(src, "20261101-1200000000.csv", dmsCsv(COLS, [...written]));
      const r = await env.apply(`dms/${src}/`);
      expect(r.stats.tables[0]).toMatchObject({ changes: 7, quarantined: 1, inserted: 3 });
      expect(await live(`crm.${src.split("/")[1]!.toLowerCase()}`)).toEqual(expected);
    }
  });

  test("a change sequence shorter than DMS's 35 digits orders as its number (left-padded), in a file and against the table", async () => {
    const src = "CRM/SHORT";
    await env.drop(
      src,
      "20261101-1200000000.csv",
      dmsCsv(COLS, [
        // as text "9" sorts after "10"; as a change sequence it comes before
        ["U", "10", "1", "ten", "a@example.com", "10"],
        ["I", "9", "1", "nine", "a@example.com", "9"],
      ]),
    );
    const first = await env.apply("dms/CRM/SHORT/");
    expect(first.stats.tables[0]).toMatchObject({ inserted: 1, superseded: 1 });
    await env.drop(
      src,
      "20261101-1300000000.csv",
      dmsCsv(COLS, [["U", "9", "1", "nine again", "a@example.com", "9"]]),
    );
    const late = await env.apply("dms/CRM/SHORT/");
    expect(late.stats.tables[0]).toMatchObject({ skippedStale: 1, updated: 0 });
    expect(await live("crm.short")).toEqual([
      { id: 1, name: "ten", email: "a@example.com", spend: 10 },
    ]);
    const [s] = await env.rows(`select _cdp_seq as s from crm.short where customer_id = 1`);
    expect(s!.s).toBe("10".padStart(35, "0"));
  });

  test("an insert then a delete in one file leaves nothing (but a tombstone); an update of a missing key inserts; a delete matches on the key alone", async () => {
    const src = "CRM/OPS";
    await env.drop(
      src,
      "LOAD00000001.csv",
      dmsCsv(COLS, [
        ["I", null, "1", "Ann", "ann@example.com", "1"],
        ["I", null, "2", "Bob", "bob@example.com", "2"],
      ]),
    );
    await env.drop(
      src,
      "20261101-1200000000.csv",
      dmsCsv(COLS, [
        ["I", seq(20), "10", "Temp", "temp@example.com", "5"],
        ["D", seq(21), "10"],
        ["U", seq(22), "11", "Nobody before", "nb@example.com", "7"],
        // the delete's other columns are empty: it matches Bob by key alone
        ["D", seq(23), "2"],
      ]),
    );
    const r = await env.apply("dms/CRM/OPS");
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats.tables[0]).toMatchObject({
      filesApplied: 2,
      changes: 6,
      inserted: 3,
      updated: 0,
      deleted: 2,
      superseded: 1,
    });
    expect(await live("crm.ops")).toEqual([
      { id: 1, name: "Ann", email: "ann@example.com", spend: 1 },
      { id: 11, name: "Nobody before", email: "nb@example.com", spend: 7 },
    ]);
    expect(await tombstones("crm", "ops")).toEqual([
      [2, seq(23)],
      [10, seq(21)],
    ]);
  });

  test("a late older file never overwrites a newer change; a delete then a late update leaves the row deleted; a newer insert brings it back", async () => {
    const src = "CRM/LATE";
    await env.drop(
      src,
      "LOAD00000001.csv",
      dmsCsv(COLS, [
        ["I", null, "1", "Ann", "ann@example.com", "1"],
        ["I", null, "2", "Bob", "bob@example.com", "2"],
        ["I", null, "3", "Cy", "cy@example.com", "3"],
      ]),
    );
    await env.drop(
      src,
      "20261101-1300000000.csv",
      dmsCsv(COLS, [
        ["U", seq(200), "1", "Ann (newer)", "ann@example.com", "100"],
        ["D", seq(201), "2"],
      ]),
    );
    expect((await env.apply("dms/CRM/LATE/")).status).toBe("SUCCEEDED");
    // The file for 12:00 arrives after the 13:00 one was applied.
    await env.drop(
      src,
      "20261101-1200000000.csv",
      dmsCsv(COLS, [
        ["U", seq(100), "1", "Ann (older)", "ann@example.com", "50"],
        ["U", seq(101), "2", "Bob (older)", "bob@example.com", "51"],
        ["U", seq(102), "3", "Cy (only here)", "cy@example.com", "52"],
      ]),
    );
    const late = await env.apply("dms/CRM/LATE/");
    expect(late.stats.tables[0]).toMatchObject({ updated: 1, skippedStale: 2, inserted: 0 });
    expect(await live("crm.late")).toEqual([
      { id: 1, name: "Ann (newer)", email: "ann@example.com", spend: 100 },
      { id: 3, name: "Cy (only here)", email: "cy@example.com", spend: 52 },
    ]);
    expect(await tombstones("crm", "late")).toEqual([[2, seq(201)]]);
    await env.drop(
      src,
      "20261101-1400000000.csv",
      dmsCsv(COLS, [["I", seq(300), "2", "Bob (again)", "bob@example.com", "9"]]),
    );
    const again = await env.apply("dms/CRM/LATE/");
    expect(again.stats.tables[0]).toMatchObject({ inserted: 1 });
    expect((await live("crm.late")).map((r) => r.name)).toEqual([
      "Ann (newer)",
      "Bob (again)",
      "Cy (only here)",
    ]);
    expect(await tombstones("crm", "late")).toEqual([]);
  });

  test("a replayed file (same key below dms/, same content) is skipped and changes nothing; the same name with new content is applied", async () => {
    const src = "CRM/REPLAY";
    const content = dmsCsv(COLS, [
      ["I", seq(1), "1", "Ann", "ann@example.com", "1"],
      ["U", seq(2), "1", "Ann 2", "ann@example.com", "2"],
    ]);
    await env.drop(src, "20261101-1200000000.csv", content);
    const first = await env.apply("dms/CRM/REPLAY/");
    expect(first.stats.tables[0]).toMatchObject({ filesApplied: 1, inserted: 1 });
    await env.rows(`update crm.replay set name = 'edited by hand' where customer_id = 1`);
    await env.drop(src, "20261101-1200000000.csv", content);
    const replay = await env.apply("dms/CRM/REPLAY/20261101-1200000000.csv");
    expect(replay.status).toBe("SUCCEEDED");
    expect(replay.stats.tables[0]).toMatchObject({
      filesApplied: 0,
      filesSkipped: 1,
      inserted: 0,
      updated: 0,
    });
    expect((await live("crm.replay"))[0]!.name).toBe("edited by hand");
    // the same name, different bytes: another file
    await env.drop(
      src,
      "20261101-1200000000.csv",
      dmsCsv(COLS, [["U", seq(3), "1", "Ann 3", "ann@example.com", "3"]]),
    );
    const changed = await env.apply("dms/CRM/REPLAY/");
    expect(changed.stats.tables[0]).toMatchObject({ filesApplied: 1, updated: 1 });
    const ledger = await env.rows(
      `select file_key, inserted, updated from "_cdp"."cdc_files" where target_table = 'crm.replay' order by applied_at`,
    );
    expect(ledger).toEqual([
      { file_key: "CRM/REPLAY/20261101-1200000000.csv", inserted: 1, updated: 0 },
      { file_key: "CRM/REPLAY/20261101-1200000000.csv", inserted: 0, updated: 1 },
    ]);
  });

  test("a change failing an error rule is quarantined, not applied; a delete is checked on its key only", async () => {
    const src = "CRM/QUALITY";
    await env.drop(
      src,
      "LOAD00000001.csv",
      dmsCsv(COLS, [
        ["I", null, "1", "Ann", "ann@example.com", "1"],
        ["I", null, "2", "Bob", "bob@example.com", "2"],
        ["I", null, "3", "Cy", "cy@example.com", "3"],
        ["I", null, "4", "Di", "di@example.com", "4"],
        ["I", null, "5", "Ed", "ed@example.com", "5"],
        ["I", null, "6", "Flo", "flo@example.com", "6"],
      ]),
    );
    await env.drop(
      src,
      "20261101-1200000000.csv",
      dmsCsv(COLS, [
        ["U", seq(1), "1", "Ann", "not-an-email", "10"],
        ["D", seq(2), "2"],
        ["X", seq(3), "3", "Cy", "cy@example.com", "30"],
        ["U", seq(4), "4", "Di", "di@example.com", "40"],
        ["U", "12a", "5", "Ed", "ed@example.com", "50"],
        ["U", seq(6), "6", "Flo", "flo@example.com", "60"],
        ["U", seq(7), "7", "Gus", "gus@example.com", "70"],
        ["U", seq(8), "8", "Hal", "hal@example.com", "80"],
        ["U", seq(9), "9", "Ivy", "ivy@example.com", "90"],
        ["U", seq(10), "10", "Jo", "jo@example.com", "100"],
        ["U", seq(11), "11", "Kim", "kim@example.com", "110"],
        ["U", seq(12), "12", "Lu", "lu@example.com", "120"],
        ["U", seq(13), "13", "Mo", "mo@example.com", "130"],
        ["U", seq(14), "14", "Ny", "ny@example.com", "140"],
        ["U", seq(15), "15", "Oz", "oz@example.com", "150"],
      ]),
    );
    const r = await env.apply("dms/CRM/QUALITY/");
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats.tables[0]).toMatchObject({
      quarantined: 3,
      updated: 2,
      deleted: 1,
      inserted: 15,
    });
    expect(r.stats.rejectsKeys).toEqual(["error/dms/CRM/QUALITY/20261101-1200000000.rejects.csv"]);
    const rows = await live("crm.quality");
    expect(rows.find((x) => x.id === 1)).toMatchObject({ email: "ann@example.com", spend: 1 });
    expect(rows.find((x) => x.id === 2)).toBeUndefined();
    expect(rows.find((x) => x.id === 3)).toMatchObject({ spend: 3 });
    expect(rows.find((x) => x.id === 5)).toMatchObject({ spend: 5 });
    const failures = await failureSamples(env.ops.db, { runId: r.runId });
    expect(failures.map((f) => f.rule).sort()).toEqual([
      "change_seq_valid",
      "email_format",
      "op_valid",
    ]);
    expect(failures.every((f) => f.tableName === "crm.quality")).toBe(true);
    const rejects = await env.lake.get("error/dms/CRM/QUALITY/20261101-1200000000.rejects.csv");
    let text = "";
    for await (const c of rejects) text += c;
    expect(text.split(/\r?\n/)[0]).toBe(
      "row,rule,error_type,description,op,dms_commit_ts,customer_id,name,email,spend,dms_change_seq,raw_record",
    );
    expect(text).toMatch(/email_format/);
  });

  test("a blank email on an insert or update (missing or spaces only) and an Op that is not exactly I, U or D are quarantined, while a delete's empty columns are not: whether or not the reader's counts leave those checks out", async () => {
    const src = "CRM/BLANKS";
    // Deletes only lack emails: the reader's counts prove the checks cannot fail; none run.
    await env.drop(
      src,
      "20261101-1200000000.csv",
      dmsCsv(COLS, [
        ["I", seq(1), "1", "Ann", "ann@example.com", "1"],
        ["I", seq(2), "2", "Bob", "bob@example.com", "2"],
        ["I", seq(3), "3", "Cy", "cy@example.com", "3"],
        ["I", seq(4), "4", "Di", "di@example.com", "4"],
        ["D", seq(5), "2"],
      ]),
    );
    await env.drop(
      src,
      "20261101-1300000000.csv",
      dmsCsv(COLS, [
        ["U", seq(6), "1", "Ann", "   ", "10"], // the file's only blank outside deletes
        ["u", seq(8), "3", "Cy", "cy@example.com", "30"],
        ["D", seq(9), "4"],
        ["U", seq(10), "6", "Flo", " flo@example.com", "6"],
        // Enough good changes to keep the file under the table's reject threshold.
        ...Array.from(
          { length: 16 },
          (_, i): Change => ["I", seq(11 + i), `${10 + i}`, "Gus", "gus@example.com", "7"],
        ),
      ]),
    );
    await env.drop(
      src,
      "20261101-1400000000.csv",
      dmsCsv(COLS, [
        ["I", seq(7), "5", "Ed", "", "5"],
        ...Array.from(
          { length: 5 },
          (_, i): Change => ["U", seq(30 + i), `${10 + i}`, "Gus", "gus@example.com", "8"],
        ),
      ]),
    );
    const r = await env.apply(`dms/${src}/`);
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats.tables[0]).toMatchObject({ filesApplied: 3, quarantined: 4 });
    const failures = await failureSamples(env.ops.db, { runId: r.runId });
    expect(failures.map((f) => [f.rule, f.rowNumber]).sort()).toEqual([
      ["email_format", 4], // a leading space is no address, but not blank
      ["not_null_email", 1], // spaces only
      ["not_null_email", 1], // missing, in the last file
      ["op_valid", 2],
    ]);
    const rows = (await live("crm.blanks")).filter((x) => Number(x.id) < 10);
    expect(rows.map((x) => [x.id, x.email, x.spend])).toEqual([
      [1, "ann@example.com", 1],
      [3, "cy@example.com", 3],
    ]);
  });

  test("new columns are added and numbers widened as for CSV ingest; the key comes from --key, else rules.ts, else the first column; an existing table keeps its own key", async () => {
    const src = "SALES/ORDERS";
    await env.drop(
      src,
      "LOAD00000001.csv",
      dmsCsv(
        ["LINE_NO", "ORDER_ID", "QTY"],
        [
          ["I", null, "1", "100", "2"],
          ["I", null, "1", "101", "3"],
        ],
      ),
    );
    const keyed = await env.apply("dms/SALES/", { key: "ORDER_ID" });
    expect(keyed.stats.tables[0]).toMatchObject({ key: "order_id", inserted: 2 });
    await env.drop(
      src,
      "20261101-1200000000.csv",
      dmsCsv(
        ["LINE_NO", "ORDER_ID", "QTY", "NOTE"],
        [["U", seq(1), "1", "100", "9999999999", "big order"]],
      ),
    );
    // no --key now: the table's own primary key (order_id) wins over the first column
    const evolved = await env.apply("dms/SALES/");
    expect(evolved.status).toBe("SUCCEEDED");
    expect(evolved.stats.tables[0]).toMatchObject({
      key: "order_id",
      updated: 1,
      columnsAdded: ["note"],
      columnsWidened: ["qty"],
    });
    expect(
      await env.rows(`select order_id, qty, note from sales.orders order by order_id`),
    ).toEqual([
      { order_id: 100, qty: 9999999999, note: "big order" },
      { order_id: 101, qty: 3, note: null },
    ]);
    // rules.ts names a key for the target table
    await env.drop(
      "SALES/ITEMS",
      "LOAD00000001.csv",
      dmsCsv(["ROW_NO", "SKU", "NAME"], [["I", null, "1", "A-1", "Widget"]]),
    );
    const quality = {
      ...defaultQuality,
      tables: { ...defaultQuality.tables, "sales.items": { key: "sku" } },
    };
    const items = await env.apply("dms/SALES/ITEMS/", { quality });
    expect(items.stats.tables[0]).toMatchObject({ key: "sku", inserted: 1 });
  });

  test("a file staged before the one ahead of it made the table is planned and checked again against the table that file made", async () => {
    const src = "CRM/CODES";
    await env.drop(
      src,
      "LOAD00000001.csv",
      dmsCsv(
        ["ID", "CODE"],
        [
          ["I", null, "1", "1"],
          ["I", null, "2", "2"],
        ],
      ),
    );
    // Alone, this file's CODE is text (one value in ten is not a number); the table made by the
    // full load has it as an integer, so "x9" must be quarantined, not cast.
    const rows: Change[] = Array.from({ length: 9 }, (_, i) => [
      "U",
      seq(i + 1),
      String(i + 3),
      String(10 + i),
    ]);
    rows.push(["U", seq(10), "20", "x9"]);
    await env.drop(src, "20261101-1200000000.csv", dmsCsv(["ID", "CODE"], rows));
    const r = await env.apply("dms/CRM/CODES/");
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats.tables[0]).toMatchObject({ filesApplied: 2, inserted: 11, quarantined: 1 });
    const [type] = await env.rows(
      `select data_type as t from information_schema.columns where table_schema = 'crm' and table_name = 'codes' and column_name = 'code'`,
    );
    expect(type!.t).toBe("integer");
  });

  test("a file staged before an earlier file made its table applies by the table's key, not the one it took alone", async () => {
    // Staged first, the second file's key is its own first column (NAME); the first file then
    // makes the table keyed by ID. Every change of the second file is applied by ID.
    const src = "CRM/REORDERED";
    const first = await env.drop(
      src,
      "20261101-1200000000.csv",
      dmsCsv(["ID", "NAME"], [["I", seq(1), "k9", "z"]]),
    );
    const second = await env.drop(
      src,
      "20261101-1300000000.csv",
      dmsCsv(
        ["NAME", "ID"],
        [
          ["I", seq(2), "a", "k1"],
          ["I", seq(3), "a", "k2"],
        ],
      ),
    );
    const run = await insertRun(env.ops.db, { pipeline: "cdc", args: {}, status: "RUNNING" });
    const table = dmsTable(src);
    const ctx = (i: number) => ({ runId: run.id, scratch: `${run.id}_${i}` });
    const file = (key: string) => dmsFile({ key, size: 1 });
    const p1 = await prepareFile(env.deps, ctx(0), table, file(first));
    const p2 = await prepareFile(env.deps, ctx(1), table, file(second));
    if (p1.outcome !== "prepared" || p2.outcome !== "prepared") throw new Error("not prepared");
    expect(p2.key).toBe("name");
    await commitFile(env.deps, ctx(0), table, file(first), p1);
    const r = await commitFile(env.deps, ctx(1), table, file(second), p2);
    expect(r).toMatchObject({ outcome: "applied", key: "id" });
    expect(r.counts).toMatchObject({ inserted: 2, superseded: 0, quarantined: 0 });
    expect(await env.rows("select id, name from crm.reordered order by 1")).toEqual([
      { id: "k1", name: "a" },
      { id: "k2", name: "a" },
      { id: "k9", name: "z" },
    ]);
  });

  test("a gzipped file (DMS CompressionType GZIP) applies; a file of only a header applies nothing and makes no table", async () => {
    const { gzipSync } = await import("node:zlib");
    await env.drop(
      "CRM/ZIPPED",
      "LOAD00000001.csv.gz",
      gzipSync(dmsCsv(COLS, [["I", null, "1", "Ann", "ann@example.com", "1"]])),
    );
    await env.drop("CRM/EMPTY", "20261101-1200000000.csv", `${dmsCsv(COLS, [])}`);
    const r = await env.apply("dms/CRM/");
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats.tables).toEqual([
      expect.objectContaining({ table: "crm.empty", filesApplied: 1, changes: 0, inserted: 0 }),
      expect.objectContaining({ table: "crm.zipped", filesApplied: 1, inserted: 1 }),
    ]);
    expect((await live("crm.zipped")).map((x) => x.name)).toEqual(["Ann"]);
    expect(
      await env.rows(`select 1 from information_schema.tables where table_name = 'empty'`),
    ).toEqual([]);
    expect(await env.lake.exists("processed/dms/CRM/ZIPPED/LOAD00000001.csv.gz")).toBe(true);
  });

  test("a file that cannot be applied goes to error/ with its reason, the table's other files apply, and a retry puts it back", async () => {
    const src = "CRM/BROKEN";
    await env.drop(
      src,
      "LOAD00000001.csv",
      "CUSTOMER_ID,NAME\n1,Ann\n", // no Op column: not what the DMS target writes
    );
    await env.drop(
      src,
      "20261101-1200000000.csv",
      dmsCsv(COLS, [["I", seq(1), "2", "Bob", "bob@example.com", "2"]]),
    );
    const r = await env.apply("dms/CRM/BROKEN/");
    expect(r.status).toBe("FAILED");
    expect(r.error).toMatch(
      /1 file could not be applied; the others were\. LOAD00000001\.csv: .*no Op column/,
    );
    expect(r.stats.failedFiles).toEqual([
      {
        key: "dms/CRM/BROKEN/LOAD00000001.csv",
        errorKey: "error/dms/CRM/BROKEN/LOAD00000001.csv",
        reason: expect.stringMatching(/IncludeOpForFullLoad/),
      },
    ]);
    expect(await env.lake.exists("error/dms/CRM/BROKEN/LOAD00000001.csv.reason.txt")).toBe(true);
    expect((await live("crm.broken")).map((x) => x.id)).toEqual([2]);
    // fixed where it lies, then retried: it goes back to dms/ and applies (older than the change)
    await env.lake.put(
      "error/dms/CRM/BROKEN/LOAD00000001.csv",
      dmsCsv(COLS, [["I", null, "1", "Ann", "ann@example.com", "1"]]),
    );
    const retry = await env.apply("dms/CRM/BROKEN/", { retryOf: r.runId });
    expect(retry.status).toBe("SUCCEEDED");
    expect((await live("crm.broken")).map((x) => x.id)).toEqual([1, 2]);
    expect(await env.lake.exists("error/dms/CRM/BROKEN/LOAD00000001.csv.reason.txt")).toBe(false);
  });
  test("a PostgreSQL without MERGE … WHEN MATCHED AND (14) applies by DELETE, UPDATE and INSERT — Redshift's statements — to the same rows, tombstones and counts", async () => {
    // The engine says it is PostgreSQL 14: the plan falls back to the portable statements.
    const recording = (version?: string) => {
      const wh = env.warehouse;
      const seen: string[] = [];
      const warehouse: Warehouse = {
        ...wh,
        query: (sql, params) =>
          version && /server_version_num/.test(sql)
            ? Promise.resolve([{ v: version }] as never)
            : wh.query(sql, params),
        transaction: (fn) =>
          wh.transaction((tx) =>
            fn({
              query: (sql, params) => {
                seen.push(sql);
                return tx.query(sql, params);
              },
            }),
          ),
      };
      return { warehouse, seen };
    };
    const files: [string, Change[]][] = [
      [
        "LOAD00000001.csv",
        [
          ["I", null, "1", "Ann", "ann@example.com", "1"],
          ["I", null, "2", "Bob", "bob@example.com", "2"],
          ["I", null, "3", "Cy", "cy@example.com", "3"],
        ],
      ],
      [
        "20261101-1200000000.csv",
        [
          ["U", seq(10), "1", "Ann", "ann2@example.com", "10"],
          ["D", seq(11), "2"],
          ["I", seq(12), "4", "Di", "di@example.com", "12"],
          ["D", seq(13), "4"],
          ["U", seq(14), "5", "Ed", "ed@example.com", "14"],
        ],
      ],
      [
        "20261101-1300000000.csv",
        [
          ["D", seq(20), "2"], // renews Bob's tombstone
          ["I", seq(21), "4", "Di", "di2@example.com", "21"], // brings Di back
          ["U", seq(5), "3", "Cy", "cy2@example.com", "5"], // a full-load row has no sequence: newer
          ["U", seq(9), "1", "Ann", "stale@example.com", "9"], // older than Ann's: stale
        ],
      ],
    ];
    const results = [];
    for (const [src, version] of [
      ["CRM/MERGED", undefined],
      ["CRM/PORTABLE", "140000"],
    ] as const) {
      for (const [name, changes] of files) await env.drop(src, name, dmsCsv(COLS, changes));
      const { warehouse, seen } = recording(version);
      const deps = { ...env.deps, warehouse };
      const r = await applyDms(deps, { id: createId("run") }, { path: `dms/${src}/` });
      const merges = seen.filter((sql) => sql.startsWith("MERGE INTO")).length;
      expect(merges).toBe(version ? 0 : 2 * files.length);
      expect(r.status).toBe("SUCCEEDED");
      const table = src.split("/")[1]!.toLowerCase();
      results.push({
        counts: r.stats.tables[0],
        rows: await live(`crm.${table}`),
        tombstones: await tombstones("crm", table),
      });
    }
    const [merged, portable] = results;
    expect(portable!.rows).toEqual(merged!.rows);
    expect(portable!.tombstones).toEqual(merged!.tombstones);
    expect({ ...portable!.counts, source: "", table: "" }).toEqual({
      ...merged!.counts,
      source: "",
      table: "",
    });
    expect(merged!.rows.map((r) => [r.id, r.email])).toEqual([
      [1, "ann2@example.com"],
      [3, "cy2@example.com"],
      [4, "di2@example.com"],
      [5, "ed@example.com"],
    ]);
    expect(merged!.tombstones).toEqual([[2, seq(20)]]);
    expect(merged!.counts).toMatchObject({ skippedStale: 1, deleted: 3 });
  });

  test("a table's files apply in order with several in flight: a bad one in the middle fails alone; a crash leaves its file and those behind it in dms/", async () => {
    const src = "CRM/FLIGHT";
    const names = [1, 2, 3, 4, 5, 6].map((k) => `20261101-12000${k}0000.csv`);
    for (const [k, name] of names.entries()) {
      const n = k + 1;
      await env.drop(
        src,
        name,
        n === 3
          ? "CUSTOMER_ID,NAME\n1,x\n" // no Op column: fails on its own
          : dmsCsv(COLS, [
              ["U", seq(10 * n), "1", `v${n}`, "a@example.com", String(n)],
              ["I", seq(10 * n + 1), String(10 + n), `k${n}`, "k@example.com", String(n)],
            ]),
      );
    }
    // The warehouse refuses the fourth commit (file 5's): a crash, not a bad file.
    let commits = 0;
    const off = onFaultPoint("cdc.commit", () => {
      if (++commits === 4) throw new Error("the warehouse went away");
    });
    let r: Awaited<ReturnType<CdcEnv["apply"]>>;
    try {
      r = await env.apply(`dms/${src}/`);
    } finally {
      off();
    }
    expect(r.status).toBe("FAILED");
    expect(r.error).toMatch(
      /20261101-1200050000\.csv: the warehouse went away\. Nothing of this file was applied/,
    );
    expect(await live("crm.flight")).toEqual([
      { id: 1, name: "v4", email: "a@example.com", spend: 4 },
      { id: 11, name: "k1", email: "k@example.com", spend: 1 },
      { id: 12, name: "k2", email: "k@example.com", spend: 2 },
      { id: 14, name: "k4", email: "k@example.com", spend: 4 },
    ]);
    const left = async (prefix: string) =>
      (await env.lake.list(`${prefix}${src}/`)).map((o) => o.key.split("/").pop()).sort();
    expect(await left("dms/")).toEqual([names[4], names[5]]);
    expect(await left("error/dms/")).toEqual([names[2], `${names[2]}.reason.txt`]);
    // No scratch table of the run is left behind, in flight or not.
    const id = r.runId.toLowerCase().replace(/[^a-z0-9_]/g, "_");
    const scratch = await env.rows(
      `select table_name from information_schema.tables where table_schema = 'cdp_stage' and table_name like '%${id}%'`,
    );
    expect(scratch).toEqual([]);
    // Run again: the two left apply, in order.
    const again = await env.apply(`dms/${src}/`);
    expect(again.status).toBe("SUCCEEDED");
    expect(again.stats.tables[0]).toMatchObject({ filesApplied: 2, updated: 2, inserted: 2 });
    expect((await live("crm.flight")).map((x) => [x.id, x.name])).toEqual([
      [1, "v6"],
      [11, "k1"],
      [12, "k2"],
      [14, "k4"],
      [15, "k5"],
      [16, "k6"],
    ]);
  });
});

describe.each(engineNames)("a run's records on %s", (engine) => {
  test("the run's stats parse with the pipeline's schema and its subject names the tables", async () => {
    const env = await makeCdcEnv(engine);
    try {
      await env.drop(
        "HR/STAFF",
        "LOAD00000001.csv",
        dmsCsv(["ID", "NAME"], [["I", null, "1", "x"]]),
      );
      const r = await env.apply();
      const parsed = CdcStats.parse(r.stats);
      expect(parsed).toMatchObject({ rowsRead: 1, rowsLoaded: 1, filesApplied: 1 });
      const { cdcSubject, cdcCounts } = await import("../src/cdc/model");
      expect(cdcSubject({ args: { path: "dms/" }, stats: r.stats })).toBe("hr.staff ← 1 file");
      expect(cdcCounts({ args: {}, stats: r.stats })).toBe(
        "1 changes · 1 inserted · 0 updated · 0 deleted",
      );
    } finally {
      await env.close();
    }
  });
});

describe("a cdc run's arguments", () => {
  test("name a lake path under dms/, never outside it", async () => {
    const { CdcArgs } = await import("../src/cdc/model");
    expect(CdcArgs.safeParse({ path: "dms/CRM/" }).success).toBe(true);
    expect(CdcArgs.safeParse({ path: "dms" }).success).toBe(true);
    for (const path of ["inbox/x.csv", "dms/../secrets.json", "dms/./x", ""]) {
      expect(CdcArgs.safeParse({ path }).success).toBe(false);
    }
  });
});

describe("the apply plan", () => {
  const header = ["op", "dms_commit_ts", "customer_id", "name", "dms_change_seq"].map((name) => ({
    name,
    original: name,
  }));
  const stat = {
    nonEmpty: 1,
    integer: 1,
    bigint: 1,
    numeric: 1,
    boolean: 0,
    date: 0,
    timestamp: 0,
  };
  const text = { ...stat, integer: 0, bigint: 0, numeric: 0 };
  const plan = (dialect: "postgres" | "redshift") => buildCdcPlan(planInput(dialect));
  const planInput = (dialect: "postgres" | "redshift") =>
    ({
      runId: "run_1",
      file: { key: "CRM/CUSTOMERS/20261101-1200000000.csv", sha256: "ab", kind: "change" },
      schema: "crm",
      table: "customers",
      tombstones: "crm__customers__tombstones",
      key: "customer_id",
      dialect,
      header,
      stats: [text, text, stat, text, text],
      existing: [{ name: "customer_id", type: "integer" }],
      rules: defaultQuality.rules,
      appliedAt: new Date("2026-11-01T12:00:00Z"),
      s3:
        dialect === "redshift"
          ? {
              stagingUri: "s3://b/staging.csv",
              rejectsUri: "s3://b/rejects/",
              iamRole: "arn:aws:iam::1:role/r",
            }
          : undefined,
    }) satisfies CdcPlanInput;

  test("is plain statements Redshift runs too: no ON CONFLICT, no DISTINCT ON; a JSON round trip keeps it", () => {
    const p = plan("redshift");
    const sql = [
      ...p.ensure,
      ...p.prepare,
      ...p.load,
      ...p.check.map((c) => c.sql),
      ...p.select,
      ...p.apply,
    ].join(";\n");
    expect(sql).not.toMatch(/ON CONFLICT|DISTINCT ON|IS DISTINCT FROM/i);
    expect(sql).toMatch(/ROW_NUMBER\(\) OVER \(PARTITION BY/);
    expect(p.apply[0]).toBe(`LOCK "crm"."customers"`);
    expect(p.load[0]).toMatch(
      /^COPY "cdp_stage"\."s_run_1" .* FROM 's3:\/\/b\/staging\.csv' IAM_ROLE/,
    );
    expect(p.apply.some((s) => /ADD COLUMN "_cdp_seq" varchar\(35\)/.test(s))).toBe(true);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });

  test("a new table leaves room on its pages for updates on PostgreSQL; on Redshift it is distributed and sorted by the key", () => {
    const created = (dialect: "postgres" | "redshift") =>
      buildCdcPlan({ ...planInput(dialect), existing: null }).apply.find((s) =>
        s.startsWith(`CREATE TABLE "crm"."customers"`),
      );
    expect(created("postgres")).toMatch(/\) WITH \(fillfactor = 80\)$/);
    expect(created("redshift")).toMatch(/\) DISTKEY\("customer_id"\) SORTKEY\("customer_id"\)$/);
  });

  test("the sequence check is left out only when the reader's counts prove every sequence well formed", () => {
    const seqStats = (over: Partial<typeof text & { digits: number; maxBytes: number }>) => ({
      ...text,
      nonEmpty: 10,
      digits: 10,
      maxBytes: 35,
      ...over,
    });
    const checks = (seqStat: ReturnType<typeof seqStats>, kind: "load" | "change" = "change") =>
      buildCdcPlan({
        runId: "run_1",
        file: { key: "CRM/CUSTOMERS/f.csv", sha256: "ab", kind },
        schema: "crm",
        table: "customers",
        tombstones: "crm__customers__tombstones",
        key: "customer_id",
        dialect: "postgres",
        header,
        stats: [text, text, stat, text, seqStat],
        rows: 10,
        existing: [{ name: "customer_id", type: "integer" }],
        rules: defaultQuality.rules,
        appliedAt: new Date("2026-11-01T12:00:00Z"),
      })
        .check.map((c) => c.sql)
        .join("\n");
    expect(checks(seqStats({}))).not.toMatch(/dms_change_seq/);
    expect(checks(seqStats({ digits: 9 }))).toMatch(/change_seq_valid|dms_change_seq/);
    expect(checks(seqStats({ maxBytes: 36 }))).toMatch(/dms_change_seq/);
    // A change without a sequence cannot be ordered; a full-load row may lack one.
    expect(checks(seqStats({ nonEmpty: 9, digits: 9 }))).toMatch(/dms_change_seq/);
    expect(checks(seqStats({ nonEmpty: 9, digits: 9 }), "load")).not.toMatch(/dms_change_seq/);
    // Counts from a reader that did not count digits prove nothing.
    expect(checks({ ...seqStats({}), digits: undefined as unknown as number })).toMatch(
      /dms_change_seq/,
    );
  });

  test("the Op check and a not-null check are left out only when the reader's counts prove them: every Op exactly I, U or D; no blank value outside deletes (on the key: none at all)", () => {
    const rules = {
      sql: {},
      columns: [check.notNull("name"), check.notNull("customer_id", { name: "id_required" })],
    };
    const checks = (o: {
      ops?: CdcPlanInput["ops"];
      name?: { blank: number; blankLive?: number };
      id?: { blank: number; blankLive?: number };
    }) =>
      buildCdcPlan({
        ...planInput("postgres"),
        rules,
        rows: 10,
        ops: o.ops,
        stats: [
          text,
          text,
          { ...stat, nonEmpty: 10, integer: 10, bigint: 10, numeric: 10, blank: 0, ...o.id },
          { ...text, nonEmpty: 8, ...(o.name ?? { blank: 2, blankLive: 0 }) },
          { ...text, nonEmpty: 10, digits: 10, maxBytes: 35 },
        ],
      }).check.map((c) => c.sql);
    const proven = { ops: { I: 5, U: 3, D: 2, other: 0 } };
    // All proven: no scan of the staged rows at all.
    expect(checks(proven)).toEqual([]);
    expect(checks({ ...proven, ops: { I: 5, U: 3, D: 1, other: 1 } }).join()).toMatch(/'op_valid'/);
    expect(checks({})).toHaveLength(3); // not counted: checked (two halves, then the insert)
    expect(checks({ ...proven, name: { blank: 2, blankLive: 1 } }).join()).toMatch(
      /'not_null_name'/,
    );
    // Counted without the operations: a blank in a delete may be one outside them.
    expect(checks({ ...proven, name: { blank: 2 } }).join()).toMatch(/'not_null_name'/);
    expect(checks({ ...proven, name: { blank: 0 } })).toEqual([]);
    // The key's checks look at deletes too: its blank values anywhere count.
    expect(checks({ ...proven, id: { blank: 1, blankLive: 0 } }).join()).toMatch(/'id_required'/);
  });

  test("a check on the key looks at deletes too, a check on another column does not, even when two rules share a name", () => {
    const sql = buildCdcPlan({
      ...planInput("postgres"),
      rules: {
        sql: {},
        columns: [
          check.notNull("customer_id", { name: "required" }),
          check.notNull("name", { name: "required" }),
        ],
      },
    })
      .check.map((c) => c.sql)
      .join("\n");
    expect(sql).toContain(`CASE WHEN ("customer_id" IS NULL OR trim("customer_id") = '') THEN`);
    expect(sql).toContain(
      `CASE WHEN (COALESCE("op", '') <> 'D' AND ("name" IS NULL OR trim("name") = '')) THEN`,
    );
  });

  test("a file whose sequences never decrease picks each key's last record by number, without sorting every change", () => {
    const pick = (dialect: "postgres" | "redshift", seqOrdered?: boolean) =>
      buildCdcPlan({ ...planInput(dialect), seqOrdered }).select.join("\n");
    expect(pick("postgres", true)).toMatch(/max\(s\."_cdp_row"\) AS "_cdp_row" .* GROUP BY 1/);
    expect(pick("postgres", true)).toMatch(/ORDER BY x\."_cdp_k"$/);
    expect(pick("postgres", true)).not.toMatch(/DISTINCT ON/);
    expect(pick("redshift", true)).not.toMatch(/ROW_NUMBER|ORDER BY/);
    // Out of order, or not known to be in order: sorted by sequence.
    for (const ordered of [false, undefined]) {
      expect(pick("postgres", ordered)).toMatch(
        /DISTINCT ON .* ORDER BY y\."_cdp_k", y\."_cdp_seq" DESC/,
      );
      expect(pick("redshift", ordered)).toMatch(/ROW_NUMBER\(\) OVER/);
    }
  });

  test("the reader's marks of each key's last record replace the aggregate in the pick made while the checks run, where bytes compare as the warehouse compares keys", () => {
    const bitmap = Buffer.from([0b1010_0110, 0b1]);
    const early = (o: Partial<CdcPlanInput>, dialect: "postgres" | "redshift" = "postgres") => {
      const p = buildCdcPlan({ ...planInput(dialect), seqOrdered: true, ...o });
      return { early: p.selectUnchecked.join("\n"), checked: p.select.join("\n") };
    };
    const marked = early({ lastOfKey: { column: "customer_id", bitmap, canonicalInteger: true } });
    expect(marked.early).toContain(
      `get_bit(decode('a601', 'hex'), CAST(s."_cdp_row" AS integer)) = 1`,
    );
    expect(marked.early).not.toMatch(/max\(|NOT EXISTS/);
    // After the checks (when they quarantined rows) the pick leaves those out, by the aggregate.
    expect(marked.checked).toMatch(/max\(s\."_cdp_row"\) .*NOT EXISTS/);
    expect(marked.checked).not.toContain("get_bit");
    const unmarked = [
      early({ lastOfKey: { column: "customer_id", bitmap, canonicalInteger: false } }), // "007" and "7": one integer
      early({ lastOfKey: null }), // the reader gave up
      early({
        lastOfKey: { column: "customer_id", bitmap, canonicalInteger: true },
        seqOrdered: false,
      }),
      early({ lastOfKey: { column: "customer_id", bitmap, canonicalInteger: true } }, "redshift"),
      early({
        lastOfKey: { column: "customer_id", bitmap, canonicalInteger: true },
        existing: [{ name: "customer_id", type: "numeric" }], // 1.0 = 1.00
      }),
    ];
    unmarked.push(early({ lastOfKey: { column: "name", bitmap, canonicalInteger: true } }));
    for (const p of unmarked) expect(p.early).not.toContain("get_bit");
    // A text key compares as bytes: marked even when its values are not integers.
    const textKey = early({
      lastOfKey: { column: "customer_id", bitmap, canonicalInteger: false },
      existing: [{ name: "customer_id", type: "text" }],
    });
    expect(textKey.early).toContain("get_bit");
  });

  test("where the warehouse has MERGE … WHEN MATCHED AND, one MERGE applies the table and one the tombstones; Redshift never gets one", () => {
    const statements = (dialect: "postgres" | "redshift", merge: boolean) =>
      buildCdcPlan({ ...planInput(dialect), merge }).apply.map((sql) =>
        sql.split(" ").slice(0, 2).join(" "),
      );
    const merged = statements("postgres", true);
    expect(merged.filter((s) => s === "MERGE INTO")).toHaveLength(2);
    expect(merged.some((s) => /^(UPDATE|DELETE FROM|INSERT INTO) "crm"/.test(s))).toBe(false);
    for (const portable of [statements("postgres", false), statements("redshift", true)]) {
      expect(portable).not.toContain("MERGE INTO");
      expect(portable).toEqual(expect.arrayContaining(['UPDATE "crm"."customers"', "DELETE FROM"]));
    }
  });

  test("full-load files order by their hex counter, all before change files", () => {
    const names = [
      "20261101-1200000000.csv",
      "LOAD00000010.csv",
      "LOAD0000000A.csv",
      "LOAD00000009.csv",
      "20261101-1100000000.csv",
    ];
    const sorted = names
      .map((name) => dmsFile({ key: `dms/A/B/${name}`, size: 1 }))
      .sort(compareDmsFiles)
      .map((f) => f.name);
    expect(sorted).toEqual([
      "LOAD00000009.csv",
      "LOAD0000000A.csv",
      "LOAD00000010.csv",
      "20261101-1100000000.csv",
      "20261101-1200000000.csv",
    ]);
    expect(dmsTable("CRM/CUSTOMERS")).toMatchObject({
      schema: "crm",
      table: "customers",
      target: "crm.customers",
    });
    expect(() => dmsTable("CRM/¿?")).toThrow(/not make a usable warehouse name/);
  });
});
