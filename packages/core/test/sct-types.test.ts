// The Oracle → Redshift/PostgreSQL type map, column by column, and the script forms an Oracle DDL
// file throws at a converter (SQL*Plus quirks, PL/SQL without its `/`, names, ALTER TABLE).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames, makeWarehouse } from "../../../test/support/engines";
import { type ConvertResult, convertOracleDdl } from "../src/sct/convert";
import type { Warehouse } from "../src/warehouse/warehouse";

// [Oracle type, Redshift, PostgreSQL]
const TYPES: [string, string, string][] = [
  ["NUMBER(4)", "smallint", "smallint"],
  ["NUMBER(5,0)", "integer", "integer"],
  ["NUMBER(9)", "integer", "integer"],
  ["NUMBER(10)", "bigint", "bigint"],
  ["NUMBER(18)", "bigint", "bigint"],
  ["NUMBER(19)", "numeric(19,0)", "numeric(19,0)"],
  ["NUMBER(38)", "numeric(38,0)", "numeric(38,0)"],
  ["NUMBER(*,0)", "numeric(38,0)", "numeric(38,0)"],
  ["NUMBER", "numeric(38,10)", "numeric(38,10)"],
  ["NUMBER(12,2)", "numeric(12,2)", "numeric(12,2)"],
  ["NUMBER(5,-2)", "integer", "integer"],
  ["NUMBER(2,5)", "numeric(5,5)", "numeric(5,5)"],
  ["DECIMAL(10,3)", "numeric(10,3)", "numeric(10,3)"],
  ["INTEGER", "numeric(38,0)", "numeric(38,0)"],
  ["SMALLINT", "numeric(38,0)", "numeric(38,0)"],
  ["FLOAT", "double precision", "double precision"],
  ["FLOAT(63)", "double precision", "double precision"],
  ["BINARY_FLOAT", "real", "real"],
  ["BINARY_DOUBLE", "double precision", "double precision"],
  ["VARCHAR2(30 BYTE)", "varchar(30)", "varchar(30)"],
  ["VARCHAR2(30)", "varchar(30)", "varchar(30)"],
  ["VARCHAR2(30 CHAR)", "varchar(120)", "varchar(30)"],
  ["VARCHAR2(32767 CHAR)", "varchar(65535)", "varchar(32767)"],
  ["NVARCHAR2(50)", "varchar(200)", "varchar(50)"],
  ["CHAR(1)", "varchar(1)", "char(1)"],
  ["CHAR(3 CHAR)", "varchar(12)", "char(3)"],
  ["NCHAR(2)", "varchar(8)", "char(2)"],
  ["DATE", "timestamp", "timestamp"],
  ["TIMESTAMP", "timestamp", "timestamp"],
  ["TIMESTAMP(9)", "timestamp", "timestamp"],
  ["TIMESTAMP(6) WITH TIME ZONE", "timestamptz", "timestamptz"],
  ["TIMESTAMP WITH LOCAL TIME ZONE", "timestamptz", "timestamptz"],
  ["INTERVAL YEAR(2) TO MONTH", "interval year to month", "interval year to month"],
  ["INTERVAL DAY(3) TO SECOND(6)", "interval day to second", "interval day to second"],
  ["CLOB", "varchar(65535)", "text"],
  ["NCLOB", "varchar(65535)", "text"],
  ["LONG", "varchar(65535)", "text"],
  ["BLOB", "varbyte(1024000)", "bytea"],
  ["RAW(16)", "varbyte(16)", "bytea"],
  ["LONG RAW", "varbyte(1024000)", "bytea"],
  ["ROWID", "varchar(18)", "varchar(18)"],
  ["XMLTYPE", "varchar(65535)", "text"],
  ["NUMBER(*)", "numeric(38,10)", "numeric(38,10)"],
];

const script = `CREATE TABLE "CRM"."ALL_TYPES" (\n  ID NUMBER(10) PRIMARY KEY,\n${TYPES.map(
  ([t], i) => `  C${i} ${t}`,
).join(",\n")}\n);\n`;

function columnTypes(r: ConvertResult): string[] {
  const create = r.statements.find((s) => s.startsWith("create table"))!;
  return TYPES.map((_, i) => {
    const m = new RegExp(`\\n {2}c${i} (.+?),?\\n`).exec(create);
    return m ? m[1]! : "(missing)";
  });
}

describe("the type map", () => {
  test("Redshift: integers by precision, lengths in bytes, LOBs at Redshift's limits", () => {
    const r = convertOracleDdl(script, { target: "redshift" });
    expect(columnTypes(r)).toEqual(TYPES.map(([, rs]) => rs));
    const caveats = r.report.filter((i) => i.severity === "caveat").map((i) => i.object);
    expect(caveats).toEqual(
      expect.arrayContaining([
        "CRM.ALL_TYPES.C22",
        "CRM.ALL_TYPES.C34",
        "CRM.ALL_TYPES.C37",
        "CRM.ALL_TYPES.C41",
      ]),
    );
  });

  test("PostgreSQL: the same numbers, lengths in characters, text and bytea for LOBs", () => {
    const r = convertOracleDdl(script, { target: "postgres" });
    expect(columnTypes(r)).toEqual(TYPES.map(([, , pg]) => pg));
  });

  test("FLOAT(p) is noted only when its binary precision holds more digits than double precision", () => {
    const r = convertOracleDdl(
      "CREATE TABLE T (ID NUMBER(9) PRIMARY KEY, A FLOAT(63), B FLOAT(49), C FLOAT, D REAL, E DOUBLE PRECISION);",
      { target: "redshift", schema: "crm" },
    );
    const notes = Object.fromEntries(
      r.report.filter((i) => i.kind === "COLUMN").map((i) => [i.object, i.message]),
    );
    expect(notes["T.A"]).toMatch(/FLOAT\(63\) is a decimal NUMBER of up to 19 digits/);
    expect(notes["T.B"]).toBeUndefined(); // 15 digits: double precision keeps them
    expect(notes["T.C"]).toMatch(/up to 38 digits/);
    expect(notes["T.D"]).toMatch(/up to 19 digits/);
    expect(notes["T.E"]).toMatch(/up to 38 digits/);
  });

  test("NLS_LENGTH_SEMANTICS=CHAR makes VARCHAR2(n) characters (×4 bytes on Redshift)", () => {
    const r = convertOracleDdl(
      "CREATE TABLE T (ID NUMBER(9) PRIMARY KEY, NAME VARCHAR2(30), CODE VARCHAR2(5 BYTE));",
      {
        target: "redshift",
        schema: "crm",
        lengthSemantics: "CHAR",
      },
    );
    expect(r.statements[1]).toContain("  name varchar(120),\n  code varchar(5),");
  });
});

describe.each(engineNames)("the PostgreSQL types on %s", (engine) => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await makeWarehouse(engine);
  });
  afterAll(() => wh.close());

  test("are valid and hold values at the edges of Oracle's ranges", async () => {
    const r = convertOracleDdl(script, { target: "postgres" });
    for (const s of r.statements) await wh.query(s);
    const n = (t: string) => `c${TYPES.findIndex(([o]) => o === t)}`;
    await wh.query(
      `insert into crm.all_types (id, ${n("NUMBER(19)")}, ${n("INTEGER")}, ${n("NUMBER(5,-2)")}, ${n("NUMBER(2,5)")}, ${n("NUMBER")}, ${n("VARCHAR2(30 CHAR)")}, ${n("INTERVAL DAY(3) TO SECOND(6)")})
       values (1, 9999999999999999999, 1e37, 9999900, 0.00099, 1234567890123456789012345678.0123456789, $1, interval '3 days 04:05:06.789')`,
      ["ÀÉÎÕÜ".repeat(6)],
    );
    const [row] = await wh.query<Record<string, string>>(
      `select ${n("NUMBER(19)")}::text as a, ${n("INTEGER")}::text as b, ${n("NUMBER")}::text as c from crm.all_types`,
    );
    expect(row).toEqual({
      a: "9999999999999999999",
      b: `1${"0".repeat(37)}`,
      c: "1234567890123456789012345678.0123456789",
    });
  });
});

describe("Oracle scripts as they come", () => {
  test("q'…' and '' strings, comments holding ; and /, and a PL/SQL unit missing its / line", () => {
    const src = [
      "prompt Don't run twice",
      "CREATE TABLE T1 ( -- a comment; with 'quote",
      "  ID NUMBER(9) PRIMARY KEY, /* ; / */",
      "  NOTE VARCHAR2(40) DEFAULT q'[it's; done]',",
      "  PATH VARCHAR2(40) DEFAULT 'C:\\data'",
      ");",
      "CREATE OR REPLACE PROCEDURE P1 AS",
      "BEGIN",
      "  EXECUTE IMMEDIATE 'TRUNCATE TABLE T1';",
      "  UPDATE T1",
      "  SET NOTE = NULL;",
      "END P1;",
      "CREATE TABLE T2 (ID NUMBER(9) PRIMARY KEY);",
    ].join("\n");
    const rs = convertOracleDdl(src, { target: "redshift", schema: "CRM" });
    expect(rs.tables).toEqual(["crm.t1", "crm.t2"]);
    // Redshift reads backslashes in literals as escapes: doubled
    expect(rs.statements[1]).toContain(
      "  note varchar(40) default 'it''s; done',\n  path varchar(40) default 'C:\\\\data',",
    );
    const pg = convertOracleDdl(src, { target: "postgres", schema: "CRM" });
    expect(pg.statements[1]).toContain("  path varchar(40) default 'C:\\data',");
    expect(rs.report.map((i) => [i.line, i.kind, i.severity])).toEqual([
      [7, "PROCEDURE", "not-converted"],
      [7, "SYNTAX", "caveat"],
    ]);
  });

  test("a statement it cannot read is reported at the token, and the rest is still converted", () => {
    const src =
      "CREATE TABLE A (ID NUMBER(9) PRIMARY KEY);\nCREATE TABLE B (ID NUMBER( );\nCREATE TABLE C (ID NUMBER(9) PRIMARY KEY);\n";
    const r = convertOracleDdl(src, { target: "postgres", schema: "s" });
    expect(r.tables).toEqual(["s.a", "s.c"]);
    expect(r.report).toEqual([
      expect.objectContaining({
        line: 2,
        col: 28,
        kind: "CREATE TABLE",
        severity: "not-converted",
      }),
    ]);
  });

  test("ALTER TABLE adds columns, keys and NOT NULL to the table; CTAS and external tables are reported", () => {
    const src = `
ALTER SESSION SET CURRENT_SCHEMA = SALES;
CREATE TABLE ACCOUNTS (ACCOUNT_ID NUMBER(9), NAME VARCHAR2(50), CONSTRAINT ACC_NAME_NN CHECK ("NAME" IS NOT NULL));
ALTER TABLE ACCOUNTS ADD (REGION VARCHAR2(10) DEFAULT 'EU' NOT NULL);
ALTER TABLE ACCOUNTS ADD CONSTRAINT ACCOUNTS_PK PRIMARY KEY (ACCOUNT_ID) USING INDEX ENABLE;
ALTER TABLE ACCOUNTS MODIFY (ACCOUNT_ID NOT NULL);
ALTER TABLE ELSEWHERE ADD CONSTRAINT E_PK PRIMARY KEY (ID);
CREATE TABLE ACCOUNTS_COPY AS SELECT * FROM ACCOUNTS;
CREATE TABLE FEED (LINE VARCHAR2(4000)) ORGANIZATION EXTERNAL (TYPE ORACLE_LOADER DEFAULT DIRECTORY D LOCATION ('feed.csv'));
`;
    const r = convertOracleDdl(src, { target: "redshift" });
    expect(r.tables).toEqual(["sales.accounts"]);
    expect(r.statements[1]).toBe(
      [
        "create table sales.accounts (",
        "  account_id integer not null,",
        "  name varchar(50) not null,",
        "  region varchar(10) default 'EU' not null,",
        "  constraint accounts_pk primary key (account_id)",
        ")",
        "diststyle key",
        "distkey (account_id)",
        "compound sortkey (account_id)",
      ].join("\n"),
    );
    expect(r.report.map((i) => [i.line, i.kind, i.object])).toEqual([
      [7, "ALTER TABLE", "SALES.ELSEWHERE"],
      [8, "CREATE TABLE AS SELECT", null],
      [9, "EXTERNAL TABLE", null],
    ]);
  });

  test("names are normalised as the CDC apply does, quoted only when they must be", () => {
    const src = `CREATE TABLE "Crm"."CustomerNotes" ("NoteId" NUMBER(9) PRIMARY KEY, "ORDER#" NUMBER(3), "user" VARCHAR2(30), "Email" VARCHAR2(99), EMAIL VARCHAR2(99));`;
    const r = convertOracleDdl(src, { target: "postgres" });
    expect(r.statements[1]).toBe(
      'create table crm.customer_notes (\n  note_id integer not null,\n  "order" smallint,\n  "user" varchar(30),\n  email varchar(99),\n  primary key (note_id)\n)',
    );
    expect(r.report.find((i) => i.object === "Crm.CustomerNotes.EMAIL")).toMatchObject({
      severity: "not-converted",
      message: expect.stringContaining("becomes email, already taken"),
    });
  });
});

test("DBMS_METADATA.GET_DDL output without terminators: each CREATE/ALTER/COMMENT starts a statement", () => {
  const src = `
  CREATE TABLE "SCOTT"."DEPT"
   (	"DEPTNO" NUMBER(2,0),
	"DNAME" VARCHAR2(14 BYTE),
	 CONSTRAINT "PK_DEPT" PRIMARY KEY ("DEPTNO")
  USING INDEX (CREATE UNIQUE INDEX "SCOTT"."PK_DEPT" ON "SCOTT"."DEPT" ("DEPTNO") TABLESPACE "USERS")  ENABLE
   ) SEGMENT CREATION IMMEDIATE TABLESPACE "USERS"

  CREATE TABLE "SCOTT"."EMP"
   (	"EMPNO" NUMBER(4,0),
	"DEPTNO" NUMBER(2,0)
   ) TABLESPACE "USERS"

  ALTER TABLE "SCOTT"."EMP" ADD CONSTRAINT "PK_EMP" PRIMARY KEY ("EMPNO") ENABLE

  COMMENT ON TABLE "SCOTT"."EMP" IS 'Employees'
`;
  const r = convertOracleDdl(src, { target: "redshift" });
  expect(r.tables).toEqual(["scott.dept", "scott.emp"]);
  expect(r.statements).toContain("comment on table scott.emp is 'Employees'");
  expect(r.statements.find((s) => s.startsWith("create table scott.emp"))).toMatch(
    /constraint pk_emp primary key \(empno\)\n\)\ndiststyle key\ndistkey \(empno\)/,
  );
});
