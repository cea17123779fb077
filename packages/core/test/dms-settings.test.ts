// What infra/replication.ts tells AWS DMS, and proof that the files DMS writes under those settings
// are the files the apply reads: DMS's S3 target is stood in for by test/support/dms-target.ts,
// which writes files the way the settings say, and the local apply (cdc.ts) takes them.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type CdcEnv, makeCdcEnv } from "../../../test/support/cdc";
import { dmsS3Target, type SourceTable, type Value } from "../../../test/support/dms-target";
import { engineNames } from "../../../test/support/engines";
import {
  type DmsS3Settings,
  dmsReplicationSettings,
  dmsS3TargetSettings,
  dmsTableMappings,
  oracleConnectionSecret,
  oracleSourceSettings,
  parseOracleSelection,
  replicationConfig,
} from "../src/cdc/dms-settings";
import { splitDmsKey } from "../src/cdc/files";
import { DMS_COLUMNS, SEQ_WIDTH } from "../src/cdc/model";

describe("the table mappings DMS is given", () => {
  test("select every table of CRM by default, and add dms_change_seq = $AR_H_CHANGE_SEQ (35 characters) to every selected table", () => {
    expect(dmsTableMappings(parseOracleSelection(undefined))).toEqual({
      rules: [
        {
          "rule-type": "selection",
          "rule-id": "1",
          "rule-name": "include-CRM-all",
          "object-locator": { "schema-name": "CRM", "table-name": "%" },
          "rule-action": "include",
        },
        {
          "rule-type": "transformation",
          "rule-id": "2",
          "rule-name": "add-dms_change_seq",
          "rule-target": "column",
          "object-locator": { "schema-name": "%", "table-name": "%" },
          "rule-action": "add-column",
          value: "dms_change_seq",
          expression: "$AR_H_CHANGE_SEQ",
          "data-type": { type: "string", length: 35 },
        },
      ],
    });
    // What the apply reads (model.ts): the same names and width.
    expect(DMS_COLUMNS).toMatchObject({ commitTs: "dms_commit_ts", changeSeq: "dms_change_seq" });
    expect(SEQ_WIDTH).toBe(35);
  });

  test("a configured list selects schemas and single tables, each once, with unique rule ids", () => {
    const m = dmsTableMappings(parseOracleSelection(" CRM, SALES.ORDERS ,CRM, HR.EMP% "));
    expect(m.rules.map((r) => [r["rule-id"], r["rule-type"], r["object-locator"]])).toEqual([
      ["1", "selection", { "schema-name": "CRM", "table-name": "%" }],
      ["2", "selection", { "schema-name": "SALES", "table-name": "ORDERS" }],
      ["3", "selection", { "schema-name": "HR", "table-name": "EMP%" }],
      ["4", "transformation", { "schema-name": "%", "table-name": "%" }],
    ]);
  });

  test.each(["CRM.CUSTOMERS.X", "CRM;DROP", 'CRM."Mixed"', ".CUSTOMERS"])(
    "a selection that is not SCHEMA or SCHEMA.TABLE is refused: %s",
    (spec) => {
      expect(() => parseOracleSelection(spec)).toThrow(/not SCHEMA or SCHEMA\.TABLE/);
    },
  );
});

describe("the S3 target, task and source settings", () => {
  test("fix the layout the apply reads: dms/<SCHEMA>/<TABLE>/, a header, Op also in full loads, dms_commit_ts, RFC 4180 CSV, no date folders", () => {
    expect(dmsS3TargetSettings()).toMatchObject({
      bucketFolder: "dms",
      dataFormat: "csv",
      csvDelimiter: ",",
      csvRowDelimiter: "\\n",
      rfc4180: true,
      addColumnName: true,
      includeOpForFullLoad: true,
      cdcInsertsOnly: false,
      cdcInsertsAndUpdates: false,
      timestampColumnName: DMS_COLUMNS.commitTs,
      datePartitionEnabled: false,
      preserveTransactions: false,
    });
    expect(dmsS3TargetSettings()).not.toHaveProperty("cdcPath");
  });

  test("DMS never deletes the lake's files: a full load does nothing to the folder, a source DROP or TRUNCATE is not applied to it", () => {
    expect(dmsReplicationSettings()).toMatchObject({
      FullLoadSettings: { TargetTablePrepMode: "DO_NOTHING" },
      ChangeProcessingDdlHandlingPolicy: {
        HandleSourceTableDropped: false,
        HandleSourceTableTruncated: false,
        HandleSourceTableAltered: true,
      },
      TargetMetadata: { FullLobMode: false, BatchApplyEnabled: false },
    });
    expect(oracleSourceSettings()).toMatchObject({ numberDatatypeScale: -2 });
  });

  test("the Oracle connection secret carries the original's five settings under the names DMS reads", () => {
    const json = oracleConnectionSecret({
      host: "oracle.example.com",
      port: "1521",
      service_name: "ORCLPDB1",
      username: "DMS_USER",
      password: "s3cret-Pw",
    });
    expect(JSON.parse(json)).toEqual({
      host: "oracle.example.com",
      port: "1521",
      service_name: "ORCLPDB1",
      username: "DMS_USER",
      password: "s3cret-Pw",
    });
    const bad = { host: "h", port: "1521", service_name: "S", username: "U" };
    expect(() => oracleConnectionSecret({ ...bad, password: "a;b" })).toThrow(/DMS refuses/);
    expect(() => oracleConnectionSecret({ ...bad, port: "15x", password: "p" })).toThrow();
  });

  test("the stage config: CRM, stopped and a created dms-vpc-role by default; anything else is refused", () => {
    expect(replicationConfig({})).toEqual({
      selection: [{ schema: "CRM", table: "%" }],
      running: false,
      createVpcRole: true,
    });
    expect(
      replicationConfig({
        CDP_ORACLE_SCHEMAS: "SALES.ORDERS",
        CDP_ORACLE_REPLICATION: "Running",
        CDP_DMS_VPC_ROLE: "existing",
      }),
    ).toEqual({
      selection: [{ schema: "SALES", table: "ORDERS" }],
      running: true,
      createVpcRole: false,
    });
    expect(() => replicationConfig({ CDP_ORACLE_REPLICATION: "yes" })).toThrow(
      /CDP_ORACLE_REPLICATION/,
    );
  });
});

describe("infra/replication.ts", () => {
  test("hands DMS these builders' settings, with nothing after them to override one, for a full load and CDC", () => {
    const infra = readFileSync(new URL("../../../infra/replication.ts", import.meta.url), "utf8");
    expect(infra).toMatch(
      /new aws\.dms\.S3Endpoint\([\s\S]*?\.\.\.dmsS3TargetSettings\(\),\s*\}\);/,
    );
    expect(infra).toContain("tableMappings: JSON.stringify(dmsTableMappings(config.selection))");
    expect(infra).toContain("replicationSettings: JSON.stringify(dmsReplicationSettings())");
    expect(infra).toContain("oracleSettings: oracleSourceSettings()");
    expect(infra).toContain('replicationType: "full-load-and-cdc"');
    expect(infra).toContain("const config = replicationConfig(process.env)");
  });
});

// ── The files DMS writes under these settings, applied ──────────────────────────────────────

const CUSTOMERS: SourceTable = {
  schema: "CRM",
  table: "CUSTOMERS",
  columns: ["CUSTOMER_ID", "FULL_NAME", "EMAIL", "NOTE", "TOTAL_SPEND"],
  key: ["CUSTOMER_ID"],
};
const ORDERS: SourceTable = {
  schema: "CRM",
  table: "ORDERS",
  columns: ["ORDER_ID", "CUSTOMER_ID", "AMOUNT"],
  key: ["ORDER_ID"],
};
/** Not selected by the default mappings (CRM only): DMS writes nothing of it. */
const EMPLOYEES: SourceTable = {
  schema: "HR",
  table: "EMPLOYEES",
  columns: ["EMP_ID", "NAME"],
  key: ["EMP_ID"],
};

/** Values CSV must quote: a comma, a quote, a line break; and NULLs. */
const customer = (id: number, spend = id * 1.5): Value[] => [
  String(id),
  id % 3 === 0 ? `O"Brien, ${id}` : `Customer ${id}`,
  `c${id}@example.com`,
  id % 4 === 0 ? "first line\nsecond line" : id % 5 === 0 ? null : "plain",
  spend.toFixed(2),
];

const taskStart = new Date("2026-11-01T08:00:00.000Z");
const at = (hhmmss: string, ms = 0) =>
  new Date(
    `2026-11-01T${hhmmss.slice(0, 2)}:${hhmmss.slice(2, 4)}:${hhmmss.slice(4)}.${String(ms).padStart(3, "0")}Z`,
  );

/** Rows in CRM.CUSTOMERS's full load. */
const LOADED = 150;

/** A full load (cut into several LOAD files) and two change batches, as DMS writes them. */
function replicate(settings: DmsS3Settings) {
  const dms = dmsS3Target(settings, dmsTableMappings(parseOracleSelection(undefined)), {
    taskStart,
  });
  const ids = Array.from({ length: LOADED }, (_, i) => 1001 + i);
  return [
    ...dms.fullLoad(
      CUSTOMERS,
      ids.map((id) => customer(id)),
    ),
    ...dms.fullLoad(ORDERS, [["1", "1001", "10.00"]]),
    ...dms.fullLoad(EMPLOYEES, [["1", "Eve"]]),
    ...dms.changes(CUSTOMERS, at("090500"), [
      {
        // One transaction, one commit time: the second update of 1003 is the one that stands.
        commit: at("090112", 345),
        changes: [
          { op: "U", row: customer(1003, 99) },
          { op: "U", row: customer(1003, 50) },
          { op: "I", row: customer(2001) },
          { op: "D", row: ["1004"] },
        ],
      },
      {
        commit: at("090230"),
        changes: [
          { op: "I", row: customer(2002) },
          { op: "D", row: ["2002"] },
          { op: "U", row: customer(3001) },
        ],
      },
    ]),
    ...dms.changes(ORDERS, at("090500"), [
      { commit: at("090300"), changes: [{ op: "U", row: ["1", "1001", "12.50"] }] },
    ]),
    ...dms.changes(CUSTOMERS, at("091000"), [
      { commit: at("090740"), changes: [{ op: "U", row: customer(1001, 7) }] },
    ]),
  ];
}

describe.each(engineNames)("files DMS writes under these settings, applied on %s", (engine) => {
  let env: CdcEnv;
  beforeAll(async () => {
    env = await makeCdcEnv(engine);
  });
  afterAll(() => env.close());

  test("every file lands at dms/<SCHEMA>/<TABLE>/<LOAD hex | time>.csv, and the apply takes them: quoted values, NULLs, one transaction's updates in sequence order, deletes by key", async () => {
    // Small full-load files, so one table's load spans LOAD00000001 … past LOAD00000009.
    const files = replicate({ ...dmsS3TargetSettings(), maxFileSize: 1 });
    for (const f of files) {
      expect(splitDmsKey(f.key), f.key).not.toBeNull();
      await env.lake.put(f.key, f.body);
    }
    const loads = files.filter((f) => f.key.startsWith("dms/CRM/CUSTOMERS/LOAD"));
    expect(loads.length).toBeGreaterThan(10);
    expect(loads.map((f) => f.key)).toContain("dms/CRM/CUSTOMERS/LOAD0000000A.csv");
    expect(files.filter((f) => f.key.startsWith("dms/HR/"))).toEqual([]);
    expect(files.map((f) => f.key)).toContain("dms/CRM/CUSTOMERS/20261101-0905000000.csv");

    const r = await env.apply();
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats.tables.map((t) => [t.table, t.key, t.filesFailed, t.quarantined])).toEqual([
      ["crm.customers", "customer_id", 0, 0],
      ["crm.orders", "order_id", 0, 0],
    ]);
    expect(r.stats.tables[0]).toMatchObject({
      filesApplied: loads.length + 2,
      inserted: LOADED + 2,
      deleted: 2,
      superseded: 2,
    });
    const rows = await env.rows(
      "select customer_id as id, full_name as name, note, total_spend as spend, _cdp_seq as seq from crm.customers order by 1",
    );
    const byId = new Map(
      rows.map((row) => [
        Number(row.id),
        { ...row, spend: Number(row.spend) } as Record<string, unknown>,
      ]),
    );
    // + 2001 and 3001 (an update of a key never loaded), - 1004; 2002 came and went.
    expect(rows.length).toBe(LOADED + 1);
    // Two updates of 1003 at one commit time: the later in sequence stands, not the first.
    expect(byId.get(1003)).toMatchObject({ spend: 50 });
    expect(byId.get(1004)).toBeUndefined();
    expect(byId.get(2002)).toBeUndefined();
    const as = (row: Value[]) => ({ name: row[1], note: row[3], spend: Number(row[4]) });
    expect(byId.get(2001)).toMatchObject(as(customer(2001)));
    expect(byId.get(3001)).toMatchObject(as(customer(3001)));
    // RFC 4180: a quote and a comma, a line break, survive; an empty field is NULL. Full-load
    // rows carry no sequence: the lowest there is.
    const loaded = "0".repeat(SEQ_WIDTH);
    expect(byId.get(1002)).toMatchObject({ name: 'O"Brien, 1002', note: "plain", seq: loaded });
    expect(byId.get(1004 + 4)).toMatchObject({ note: "first line\nsecond line", seq: loaded });
    expect(byId.get(1010)).toMatchObject({ note: null });
    expect(byId.get(1001)).toMatchObject({ spend: 7 });
    expect(String(byId.get(1001)!.seq)).toMatch(/^2026110109074000\d{19}$/);
    expect(await env.rows("select order_id as id, amount::text as amount from crm.orders")).toEqual(
      [{ id: 1, amount: "12.50" }],
    );
    // Applied files leave dms/: nothing is left for the next run.
    expect(await env.lake.list("dms/")).toEqual([]);
  });
});

describe("what a changed setting would break (the layout test above can fail)", () => {
  const keysOf = (s: DmsS3Settings) => replicate(s).map((f) => f.key);

  test("date partitions put files in dated folders the apply does not read as DMS files", () => {
    const keys = keysOf({ ...dmsS3TargetSettings(), datePartitionEnabled: true });
    expect(keys[0]).toBe("dms/CRM/CUSTOMERS/2026/11/01/LOAD00000001.csv");
    expect(keys.every((k) => splitDmsKey(k) === null)).toBe(true);
  });

  test("without IncludeOpForFullLoad a full load has no Op column; without AddColumnName no header", () => {
    const head = (s: DmsS3Settings) => replicate(s)[0]!.body.toString("utf8").split("\n")[0];
    expect(head(dmsS3TargetSettings())).toBe(
      "Op,dms_commit_ts,CUSTOMER_ID,FULL_NAME,EMAIL,NOTE,TOTAL_SPEND,dms_change_seq",
    );
    expect(head({ ...dmsS3TargetSettings(), includeOpForFullLoad: false })).toMatch(
      /^dms_commit_ts,/,
    );
    expect(head({ ...dmsS3TargetSettings(), addColumnName: false })).toMatch(
      /^I,2026-11-01 08:00:00\.000000,1001,/,
    );
  });

  test("CdcPath/PreserveTransactions cannot go with AddColumnName", () => {
    expect(() => keysOf({ ...dmsS3TargetSettings(), preserveTransactions: true })).toThrow(
      /refuses/,
    );
  });
});
