// Oracle → Redshift/PostgreSQL schema conversion (`cdp sct convert`) on real Oracle DDL: the HR
// sample schema as DBMS_METADATA exports it and a hand-written SQL*Plus CRM install script. The
// PostgreSQL output runs on PGlite and PostgreSQL; the Redshift output's shape is asserted.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames, makeWarehouse } from "../../../test/support/engines";
import { type ConvertResult, convertOracleDdl } from "../src/sct/convert";
import type { ReportItem } from "../src/sct/report";
import type { Warehouse } from "../src/warehouse/warehouse";

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/oracle/${name}`, import.meta.url), "utf8");
const hr = fixture("hr.sql");
const crm = fixture("crm.sql");

/** The 1-based line of the first line of `src` containing `needle`. */
function lineOf(src: string, needle: string): number {
  const i = src.split("\n").findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`"${needle}" is not in the fixture`);
  return i + 1;
}

function item(r: ConvertResult, kind: string, object: string): ReportItem {
  const found = r.report.filter((i) => i.kind === kind && i.object === object);
  expect(found, `one ${kind} ${object} in ${JSON.stringify(r.report, null, 1)}`).toHaveLength(1);
  return found[0]!;
}

function createOf(r: ConvertResult, table: string): string {
  const s = r.statements.find((x) => x.startsWith(`create table ${table} (`));
  expect(s, `create table ${table}`).toBeDefined();
  return s!;
}

describe("the HR schema as DBMS_METADATA exports it, for Redshift", () => {
  const r = convertOracleDdl(hr, { target: "redshift", fileName: "hr.sql" });

  test("every table is created, keyed on its primary key: DISTKEY its first column, SORTKEY all of it", () => {
    expect(r.tables).toEqual([
      "hr.regions",
      "hr.countries",
      "hr.locations",
      "hr.departments",
      "hr.jobs",
      "hr.employees",
      "hr.job_history",
    ]);
    expect(createOf(r, "hr.employees")).toMatch(
      /constraint emp_emp_id_pk primary key \(employee_id\),\n {2}constraint emp_email_uk unique \(email\)\n\)\ndiststyle key\ndistkey \(employee_id\)\ncompound sortkey \(employee_id\)$/,
    );
    expect(createOf(r, "hr.job_history")).toMatch(
      /distkey \(employee_id\)\ncompound sortkey \(employee_id, start_date\)$/,
    );
  });

  test("types: NUMBER(p,0) by precision, DATE as timestamp, VARCHAR2(n BYTE) as n bytes", () => {
    const emp = createOf(r, "hr.employees");
    expect(emp).toContain("  employee_id integer not null,"); // NUMBER(6,0)
    expect(emp).toContain("  department_id smallint,"); // NUMBER(4,0)
    expect(emp).toContain("  salary numeric(8,2),");
    expect(emp).toContain("  commission_pct numeric(2,2),");
    expect(emp).toContain("  hire_date timestamp not null,");
    expect(emp).toContain("  email varchar(25) not null,");
    expect(createOf(r, "hr.regions")).toContain("  region_id numeric(38,10) not null,");
  });

  test("no CHECK reaches Redshift; both checks are reported at their lines", () => {
    expect(r.statements.join("\n")).not.toMatch(/\bcheck\b/i);
    expect(item(r, "CHECK", "EMP_SALARY_MIN on HR.EMPLOYEES")).toMatchObject({
      line: lineOf(hr, 'CONSTRAINT "EMP_SALARY_MIN"'),
      severity: "not-converted",
      message: expect.stringContaining("(salary > 0)"),
    });
    expect(item(r, "CHECK", "JHIST_DATE_INTERVAL on HR.JOB_HISTORY").line).toBe(
      lineOf(hr, 'CONSTRAINT "JHIST_DATE_INTERVAL"'),
    );
  });

  test("foreign keys (the DEPARTMENTS/EMPLOYEES cycle too) come last, as ALTER TABLE", () => {
    const lastCreate = r.statements.findLastIndex((s) => s.startsWith("create table"));
    const fks = r.statements.filter((s) => s.includes("foreign key"));
    expect(fks).toHaveLength(10);
    expect(r.statements.indexOf(fks[0]!)).toBeGreaterThan(lastCreate);
    expect(fks).toContain(
      "alter table hr.departments add constraint dept_mgr_fk foreign key (manager_id) references hr.employees (employee_id)",
    );
  });

  test("PL/SQL, the view, sequences and indexes are reported at the line they start", () => {
    const at = (needle: string) => lineOf(hr, needle);
    expect(item(r, "TRIGGER", "HR.SECURE_EMPLOYEES on EMPLOYEES")).toMatchObject({
      line: at('TRIGGER "HR"."SECURE_EMPLOYEES"'),
      col: 3,
      severity: "not-converted",
      message: "not converted (Redshift has no triggers)",
    });
    expect(item(r, "TRIGGER", "HR.UPDATE_JOB_HISTORY on EMPLOYEES").line).toBe(
      at('TRIGGER "HR"."UPDATE_JOB_HISTORY"'),
    );
    expect(item(r, "PROCEDURE", "HR.ADD_JOB_HISTORY").line).toBe(at('"HR"."ADD_JOB_HISTORY"'));
    expect(item(r, "PROCEDURE", "HR.SECURE_DML").line).toBe(at('PROCEDURE "HR"."SECURE_DML"'));
    expect(item(r, "VIEW", "HR.EMP_DETAILS_VIEW").line).toBe(at('VIEW "HR"."EMP_DETAILS_VIEW"'));
    expect(item(r, "SEQUENCE", "HR.EMPLOYEES_SEQ").line).toBe(at('"HR"."EMPLOYEES_SEQ"'));
    expect(item(r, "INDEX", "HR.EMP_NAME_IX")).toMatchObject({
      severity: "note",
      line: at('"HR"."EMP_NAME_IX"'),
    });
    // the unique index behind EMP_EMAIL_UK is the constraint's own: nothing to say
    expect(r.report.filter((i) => i.object === "HR.EMP_EMAIL_UK")).toEqual([]);
    expect(item(r, "STORAGE", "HR.REGIONS").message).toMatch(
      /SEGMENT CREATION, PCTFREE, .*STORAGE, TABLESPACE/,
    );
    expect(r.report.filter((i) => i.kind === "SYNTAX")).toEqual([]);
  });

  test("comments keep their ; and '' (strings are not statement ends)", () => {
    expect(r.statements).toContain(
      "comment on table hr.regions is 'Regions table that contains region numbers and names. Contains 4 rows; references with the Countries table.'",
    );
    expect(r.statements.some((s) => s.includes("It''s the audit trail the HR team reads.'"))).toBe(
      true,
    );
  });
});

describe("the CRM install script (SQL*Plus, hand-written), for Redshift", () => {
  const r = convertOracleDdl(crm, { target: "redshift", fileName: "crm.sql" });

  test("sequence + BEFORE INSERT trigger, and DEFAULT seq.NEXTVAL, become identities", () => {
    const customers = createOf(r, "crm.customers");
    expect(customers).toContain(
      "  customer_id bigint generated by default as identity(1000, 1) not null,",
    );
    expect(createOf(r, "crm.orders")).toContain(
      "  order_id bigint generated by default as identity(1, 1) not null,",
    );
    expect(createOf(r, "crm.contact_events")).toContain(
      "  event_id bigint generated by default as identity(1, 1) not null,",
    );
    expect(item(r, "TRIGGER", "CRM.TRG_CUST_BI on CRM.CUSTOMERS")).toMatchObject({
      line: lineOf(crm, "CREATE OR REPLACE TRIGGER trg_cust_bi"),
      message: expect.stringMatching(
        /its id from CUSTOMERS_SEQ became an identity on CRM\.CUSTOMERS\.CUSTOMER_ID/,
      ),
      action: "nothing else to do",
    });
    // a trigger with other logic is reported as such
    expect(item(r, "TRIGGER", "CRM.TRG_CUST_BU on CRM.CUSTOMERS").message).toBe(
      "not converted (Redshift has no triggers)",
    );
  });

  test("Redshift lengths are bytes: CHAR semantics and NVARCHAR2 ×4; LOBs at Redshift's limits", () => {
    const c = createOf(r, "crm.customers");
    expect(c).toContain("  email varchar(1280) not null,"); // VARCHAR2(320 CHAR)
    expect(c).toContain("  first_name varchar(400),"); // NVARCHAR2(100)
    expect(c).toContain("  country varchar(2) default 'FR',"); // CHAR(2 BYTE)
    expect(c).toContain("  status varchar(10) default 'ACTIVE' not null,");
    expect(c).toContain("  notes varchar(65535),");
    expect(c).toContain("  photo varbyte(1024000),");
    expect(c).toContain("  fingerprint varbyte(16),");
    expect(c).toContain("  created_at timestamp default getdate() not null,");
    expect(c).toContain("  updated_at timestamptz,");
    expect(c).toContain("  last_login timestamptz,");
    expect(c).toContain("  age numeric(38,0),");
    expect(c).toContain("  score double precision,");
    expect(createOf(r, "crm.contact_events")).toContain("  handling_time interval day to second,");
    expect(item(r, "COLUMN", "CRM.CUSTOMERS.NOTES")).toMatchObject({
      severity: "caveat",
      line: lineOf(crm, "  notes            CLOB"),
      message: expect.stringContaining("over 65535 bytes will not load"),
    });
  });

  test("a composite key distributes on the parent's id; a table without a key is AUTO and said", () => {
    expect(createOf(r, "crm.order_items")).toMatch(
      /\)\ndiststyle key\ndistkey \(order_id\)\ncompound sortkey \(order_id, line_no\)$/,
    );
    expect(createOf(r, "crm.customer_audit")).toMatch(/\)\ndiststyle auto$/);
    expect(item(r, "TABLE", "CRM.CUSTOMER_AUDIT").message).toMatch(/no primary key/);
  });

  test("what is not converted is reported at its line: checks, virtual column, package, view, temporary table", () => {
    expect(r.statements.join("\n")).not.toMatch(/\bcheck\b|total_with_tax/i);
    const at = (needle: string) => lineOf(crm, needle);
    expect(item(r, "CHECK", "CUSTOMERS_STATUS_CK on CRM.CUSTOMERS").line).toBe(
      at("CONSTRAINT customers_status_ck"),
    );
    expect(item(r, "CHECK", "CUSTOMERS_EMAIL_CK on CRM.CUSTOMERS").line).toBe(
      at("CONSTRAINT customers_email_ck"),
    );
    expect(item(r, "CHECK", "ORDER_ITEMS_QTY_CK on CRM.ORDER_ITEMS").line).toBe(
      at("CONSTRAINT order_items_qty_ck"),
    );
    expect(item(r, "COLUMN", "CRM.ORDERS.TOTAL_WITH_TAX")).toMatchObject({
      line: at("total_with_tax"),
      severity: "not-converted",
    });
    expect(item(r, "PACKAGE", "CRM.CRM_API").line).toBe(at("CREATE OR REPLACE PACKAGE crm_api"));
    expect(item(r, "PACKAGE BODY", "CRM.CRM_API").line).toBe(
      at("CREATE OR REPLACE PACKAGE BODY crm_api"),
    );
    expect(item(r, "VIEW", "CRM.ACTIVE_CUSTOMERS").line).toBe(
      at("CREATE OR REPLACE VIEW active_customers"),
    );
    expect(item(r, "TEMPORARY TABLE", "CRM.TMP_CUSTOMER_IDS").line).toBe(
      at("CREATE GLOBAL TEMPORARY TABLE"),
    );
    expect(item(r, "STORAGE", "CRM.ORDERS").message).toMatch(/PARTITION BY/);
  });

  test("a Windows (CRLF) copy of the script converts the same, lines and all", () => {
    const crlf = convertOracleDdl(crm.replace(/\n/g, "\r\n"), {
      target: "redshift",
      fileName: "crm.sql",
    });
    expect(crlf.statements).toEqual(r.statements);
    expect(crlf.report).toEqual(r.report);
  });

  test("SQL*Plus lines (REM with an apostrophe, PROMPT, SET, SPOOL, EXIT) are no statements", () => {
    const sqlplusLines = crm
      .split("\n")
      .map((l, i) => [l, i + 1] as const)
      .filter(([l]) => /^(REM|SET|PROMPT|SPOOL|WHENEVER|EXIT)\b/.test(l))
      .map(([, n]) => n);
    expect(sqlplusLines.length).toBeGreaterThan(8);
    expect(r.report.filter((i) => sqlplusLines.includes(i.line))).toEqual([]);
    expect(
      r.report.filter((i) => i.kind === "SYNTAX" || i.message.includes("could not read")),
    ).toEqual([]);
  });
});

describe.each(engineNames)("the PostgreSQL conversion runs on %s", (engine) => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await makeWarehouse(engine);
  });
  afterAll(() => wh.close());

  async function run(src: string) {
    const r = convertOracleDdl(src, { target: "postgres" });
    for (const s of r.statements) await wh.query(s);
    return r;
  }

  test("HR: every table takes a row, in any table order (no enforced foreign keys in a replica)", async () => {
    const r = await run(hr);
    expect(r.statements.join("\n")).not.toMatch(/foreign key \(|\bcheck \(/i);
    // departments first, naming a manager and a location that arrive later, as DMS may deliver them
    await wh.query(`insert into hr.departments values (10, 'Administration', 200, 1700)`);
    await wh.query(`insert into hr.employees values (200, 'Jennifer', 'Whalen', 'JWHALEN', '515.123.4444',
      '2003-09-17 08:30:00', 'AD_ASST', 4400, null, null, 10)`);
    await wh.query(
      `insert into hr.job_history values (200, '1995-09-17', '2001-06-17', 'AD_ASST', 10)`,
    );
    await wh.query(
      `insert into hr.jobs values ('AD_ASST', 'Administration Assistant', 3000, 6000)`,
    );
    await wh.query(
      `insert into hr.locations values (1700, '2004 Charade Rd', '98199', 'Seattle', 'Washington', 'US')`,
    );
    await wh.query(`insert into hr.countries values ('US', 'United States of America', 2)`);
    await wh.query(`insert into hr.regions values (2, 'Americas')`);
    const [e] = await wh.query<Record<string, unknown>>(
      `select employee_id, salary::text, hire_date::text from hr.employees`,
    );
    expect(e).toEqual({ employee_id: 200, salary: "4400.00", hire_date: "2003-09-17 08:30:00" });
    await expect(
      wh.query(`insert into hr.employees (employee_id, last_name, email, hire_date, job_id)
        values (201, 'Hartstein', 'JWHALEN', now(), 'MK_MAN')`),
    ).rejects.toThrow(/emp_email_uk/);
    const idx = await wh.query<{ indexname: string }>(
      `select indexname from pg_indexes where schemaname = 'hr' and tablename = 'employees' order by 1`,
    );
    expect(idx.map((i) => i.indexname)).toEqual([
      "emp_department_ix",
      "emp_email_uk",
      "emp_emp_id_pk",
      "emp_name_ix",
    ]);
    const [seq] = await wh.query<{ n: string }>(`select nextval('hr.employees_seq')::text as n`);
    expect(seq!.n).toBe("207");
  });

  test("CRM: identities fill ids (and take DMS's explicit ones), defaults apply, types hold Oracle's values", async () => {
    await run(crm);
    const [c] = await wh.query<Record<string, unknown>>(
      `insert into crm.customers (email, first_name, last_name) values ('zoé@example.fr', 'Zoé', 'Ñúñez')
       returning customer_id, status, country, credit_limit::text, created_at is not null as created`,
    );
    expect(c).toEqual({
      customer_id: 1000,
      status: "ACTIVE",
      country: "FR",
      credit_limit: "0.00",
      created: true,
    });
    await wh.query(
      `insert into crm.customers (customer_id, email, status, created_at, loyalty_points, notes, photo)
       values (42, 'a@b.c', 'ACTIVE', '2024-01-01 10:00:00', 12.3456789012, repeat('x', 100000), '\\x00ff')`,
    );
    const [o] = await wh.query<Record<string, unknown>>(
      `insert into crm.orders (customer_id, total) values (1000, 10.5)
       returning order_id, status, currency, order_date is not null as dated`,
    );
    expect(o).toEqual({ order_id: 1, status: "N", currency: "EUR", dated: true });
    await wh.query(
      `insert into crm.order_items (order_id, line_no, product_code, unit_price) values (1, 1, 'SKU-1', 5.25)`,
    );
    await wh.query(
      `insert into crm.contact_events (event_id, customer_id, channel, payload, handling_time)
       values (7, 1000, 'email', '{"x":1}', interval '1 minute 30 seconds')`,
    );
    await wh.query(
      `insert into crm.customer_audit (customer_id, action, changed_at) values (1000, 'CLOSE', now())`,
    );
    const [a] = await wh.query<{ by: string }>(`select changed_by as by from crm.customer_audit`);
    expect(a!.by).toBe(
      await wh.query<{ u: string }>("select current_user as u").then((x) => x[0]!.u),
    );
    const cols = await wh.query<Record<string, unknown>>(
      `select column_name, data_type, character_maximum_length as len, numeric_precision as p, numeric_scale as s
         from information_schema.columns where table_schema = 'crm' and table_name = 'customers'
          and column_name in ('email', 'credit_limit', 'notes', 'updated_at') order by column_name`,
    );
    expect(cols).toEqual([
      { column_name: "credit_limit", data_type: "numeric", len: null, p: 12, s: 2 },
      { column_name: "email", data_type: "character varying", len: 320, p: null, s: null },
      { column_name: "notes", data_type: "text", len: null, p: null, s: null },
      {
        column_name: "updated_at",
        data_type: "timestamp with time zone",
        len: null,
        p: null,
        s: null,
      },
    ]);
  });
});
