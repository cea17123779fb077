import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames } from "../../../test/support/engines";
import { csv, type IngestEnv, makeIngestEnv } from "../../../test/support/ingest";
import { ingestFile } from "../src/ingest/ingest";
import { defaultQuality } from "../src/ingest/model";
import { schemaHistory } from "../src/ingest/schema-history";
import { check } from "../src/quality/check";
import { failureSamples } from "../src/quality/failures";
import { createId } from "../src/util/id";
import type { Warehouse } from "../src/warehouse/warehouse";

const HEADER = "user_id,name,email,total_spend,signup_date";

describe.each(engineNames)("CSV ingest on %s", (engine) => {
  let env: IngestEnv;
  beforeAll(async () => {
    env = await makeIngestEnv(engine);
  });
  afterAll(() => env.close());

  const table = async (name = "customers", order = "user_id") =>
    env.rows(`select * from "public"."${name}" order by "${order}"`);

  test("a first file creates the table with inferred types and the key as primary key", async () => {
    const r = await env.ingest(
      "customers_2024-05-01.csv",
      csv([HEADER, "1,Ann,ann@example.com,10.50,2024-01-02", "2,Bob,bob@example.com,3,2024-02-03"]),
    );
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats).toMatchObject({
      table: "customers",
      rowsRead: 2,
      rowsLoaded: 2,
      rowsInserted: 2,
      rowsUpdated: 0,
      rowsUnchanged: 0,
      rowsQuarantined: 0,
      errorKey: null,
    });
    expect(r.stats.columnsAdded).toEqual([
      "user_id",
      "name",
      "email",
      "total_spend",
      "signup_date",
    ]);
    expect(r.stats.sourceKey).toBe("processed/customers/customers_2024-05-01.csv");
    expect(await env.lake.exists("processed/customers/customers_2024-05-01.csv")).toBe(true);
    expect(await env.lake.exists("inbox/customers/customers_2024-05-01.csv")).toBe(false);
    const types = await env.rows(
      `select column_name as c, data_type as t from information_schema.columns where table_name = 'customers' order by ordinal_position`,
    );
    expect(types).toEqual([
      { c: "user_id", t: "integer" },
      { c: "name", t: "text" },
      { c: "email", t: "text" },
      { c: "total_spend", t: "numeric" },
      { c: "signup_date", t: "date" },
    ]);
    const pk = await env.rows(
      `select a.attname as c from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey) where i.indrelid = 'public.customers'::regclass and i.indisprimary`,
    );
    expect(pk).toEqual([{ c: "user_id" }]);
  });

  test("upsert: matching keys update, new keys insert, columns the file lacks keep their values, the last of a repeated key wins", async () => {
    const r = await env.ingest(
      "customers_2024-05-02.csv",
      csv(["user_id,total_spend,name", "2,30,Bobby", "3,5,Cy", "2,31,Robert"]),
    );
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats).toMatchObject({
      rowsRead: 3,
      rowsLoaded: 2,
      rowsInserted: 1, // user 3
      rowsUpdated: 1, // user 2's name and spend
      rowsUnchanged: 0,
      rowsQuarantined: 0,
      columnsAdded: [],
    });
    expect(await table()).toEqual([
      {
        user_id: 1,
        name: "Ann",
        email: "ann@example.com",
        total_spend: "10.50",
        signup_date: "2024-01-02",
      },
      {
        user_id: 2,
        name: "Robert",
        email: "bob@example.com",
        total_spend: "31",
        signup_date: "2024-02-03",
      },
      { user_id: 3, name: "Cy", email: null, total_spend: "5", signup_date: null },
    ]);
  });

  test("re-ingesting the same file is a new run that changes nothing", async () => {
    const before = await table();
    const content = csv(["user_id,total_spend,name", "2,31,Robert", "3,5,Cy"]);
    const first = await env.ingest("again.csv", content);
    const second = await env.ingest("again.csv", content);
    expect(first.status).toBe("SUCCEEDED");
    expect(second.status).toBe("SUCCEEDED");
    expect(await table()).toEqual(before);
    // the counts say so: the second run inserted and updated nothing
    expect(second.stats).toMatchObject({
      rowsLoaded: 2,
      rowsInserted: 0,
      rowsUpdated: 0,
      rowsUnchanged: 2,
    });
    // the second copy did not overwrite the first in processed/
    expect(first.stats.sourceKey).toBe("processed/customers/again.csv");
    expect(second.stats.sourceKey).toMatch(/^processed\/customers\/again\.run_[0-9A-Z]+\.csv$/);
  });

  test("a new column is added, recorded in the schema history with the file and its original header", async () => {
    const r = await env.ingest("tiers.csv", csv(["user_id, Loyalty Tier ", "1,gold", "4,silver"]));
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats.columnsAdded).toEqual(["loyalty_tier"]);
    const rows = await table();
    expect(rows.find((x) => x.user_id === 1)).toMatchObject({ name: "Ann", loyalty_tier: "gold" });
    expect(rows.find((x) => x.user_id === 4)).toMatchObject({ name: null, loyalty_tier: "silver" });
    const history = await schemaHistory(env.ops.db, "customers");
    expect(history.find((h) => h.columnName === "loyalty_tier")).toMatchObject({
      change: "add",
      dataType: "text",
      originalName: " Loyalty Tier ",
      sourceKey: "inbox/customers/tiers.csv",
    });
  });

  test("an integer column widens to bigint when a file needs it; text in it is a quality failure, never a type change", async () => {
    const wide = await env.ingest("wide.csv", csv(["user_id,visits", "1,5", "2,6"]));
    expect(wide.status).toBe("SUCCEEDED");
    const big = await env.ingest("big.csv", csv(["user_id,visits", "1,9000000000", "2,7"]));
    expect(big.status).toBe("SUCCEEDED");
    expect(big.stats.columnsWidened).toEqual(["visits"]);
    const [t] = await env.rows(
      `select data_type as t from information_schema.columns where table_name = 'customers' and column_name = 'visits'`,
    );
    expect(t).toEqual({ t: "bigint" });
    const mixed = await env.ingest(
      "mixed.csv",
      csv(["user_id,visits", "1,10", "2,many", "3,12", "5,1", "6,2"]),
    );
    expect(mixed.status).toBe("SUCCEEDED");
    expect(mixed.stats.rowsQuarantined).toBe(1);
    expect(mixed.stats.failures).toContainEqual({
      rule: "type_visits",
      errorType: "type_mismatch",
      severity: "error",
      count: 1,
    });
    const [after] = await env.rows(
      `select data_type as t from information_schema.columns where table_name = 'customers' and column_name = 'visits'`,
    );
    expect(after).toEqual({ t: "bigint" });
    // a narrower file never narrows the column
    const small = await env.ingest("small.csv", csv(["user_id,visits", "1,3"]));
    expect(small.stats.columnsWidened).toEqual([]);
  });
});

describe.each(engineNames)("data quality on %s", (engine) => {
  let env: IngestEnv;
  beforeAll(async () => {
    env = await makeIngestEnv(engine);
  });
  afterAll(() => env.close());

  test("bad rows are quarantined with their rule, recorded, written to the rejects file and alerted; the rest load", async () => {
    const rows = [HEADER];
    for (let i = 1; i <= 100; i++) rows.push(`${i},N${i},u${i}@example.com,${i}.5,2024-01-01`);
    rows.push(",NoKey,nokey@example.com,1,2024-01-01"); // key missing
    rows.push("101,NoMail,,1,2024-01-01"); // email missing
    rows.push("102,BadMail,not-an-email,1,2024-01-01"); // email malformed
    rows.push("103,Neg,neg@example.com,-5,2024-01-01"); // negative spend
    rows.push("104,Text,t@example.com,lots,2024-01-01"); // numeric column does not parse
    rows.push('105,"Short,row"'); // too few fields
    const r = await env.ingest("customers.csv", csv(rows));
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats).toMatchObject({
      rowsRead: 106,
      rowsLoaded: 100,
      rowsQuarantined: 6,
      errorKey: "error/customers/customers.rejects.csv",
    });
    const byRule = Object.fromEntries(r.stats.failures.map((f) => [f.rule, f.count]));
    expect(byRule).toEqual({
      malformed_record: 1,
      key_present: 1,
      not_null_email: 1,
      email_format: 1,
      negative_total_spend: 1,
      type_total_spend: 1,
    });
    const rejects = readFileSync(env.lake.path("error/customers/customers.rejects.csv"), "utf8")
      .trim()
      .split(/\r?\n/);
    expect(rejects[0]).toBe(
      "row,rule,error_type,description,user_id,name,email,total_spend,signup_date,raw_record",
    );
    expect(rejects.slice(1).map((l) => l.split(",").slice(0, 2).join(","))).toEqual([
      "101,key_present",
      "102,not_null_email",
      "103,email_format",
      "104,negative_total_spend",
      "105,type_total_spend",
      "106,malformed_record",
    ]);
    expect(rejects[5]).toContain('"total_spend ""lots"" is not a valid numeric"');
    expect(rejects[6]).toContain('"105,""Short,row"""');
    const stored = await failureSamples(env.ops.db, { table: "customers" });
    expect(stored).toHaveLength(6);
    expect(stored.find((f) => f.rule === "email_format")).toMatchObject({
      rowNumber: 103,
      row: { email: "not-an-email" },
    });
    const [count] = await env.rows(`select count(*)::int as n from customers`);
    expect(count).toEqual({ n: 100 });
    const alerts = await env.alerts();
    expect(alerts[0]).toMatchObject({
      kind: "quarantine",
      title: "customers: 6 of 106 rows quarantined",
    });
  });

  test("a value of spaces only is missing to a not-null check, like an empty one; a key of spaces is no key", async () => {
    const rows = [HEADER];
    for (let i = 1; i <= 20; i++) rows.push(`${i},N${i},u${i}@example.com,${i}.5,2024-01-01`);
    rows.push("21,Spaces,   ,1,2024-01-01");
    const r = await env.ingest("spaces.csv", csv(rows));
    expect(r.stats).toMatchObject({ rowsLoaded: 20, rowsQuarantined: 1 });
    expect(r.stats.failures.map((f) => [f.rule, f.count])).toEqual([["not_null_email", 1]]);
    // Text keys: "  " is blank, so not a key; the file's other rows load.
    const keys = ["code,name", ...Array.from({ length: 9 }, (_, i) => `c${i},n${i}`), "  ,blank"];
    const k = await env.ingest("codes.csv", csv(keys), { table: "codes", key: "code" });
    expect(k.stats).toMatchObject({ rowsLoaded: 9, rowsQuarantined: 1 });
    expect(k.stats.failures.map((f) => f.rule)).toEqual(["key_present"]);
  });

  test("when the rejected share passes the threshold the whole file fails, moves to error/ with a reason, and nothing loads", async () => {
    const before = await env.rows(`select count(*)::int as n from customers`);
    const r = await env.ingest(
      "mostly-bad.csv",
      csv([
        HEADER,
        "100,A,a@example.com,1,2024-01-01",
        "101,B,bad,1,2024-01-01",
        "102,C,,1,2024-01-01",
      ]),
    );
    expect(r.status).toBe("FAILED");
    expect(r.error).toMatch(
      /2 of 3 records \(66\.7 %\) failed quality rules, more than the customers table allows \(20 %\); nothing was loaded/,
    );
    expect(r.stats.sourceKey).toBe("error/customers/mostly-bad.csv");
    expect(await env.lake.exists("error/customers/mostly-bad.csv")).toBe(true);
    expect(
      readFileSync(env.lake.path("error/customers/mostly-bad.csv.reason.txt"), "utf8"),
    ).toMatch(/66\.7 %/);
    expect(await env.lake.exists("error/customers/mostly-bad.rejects.csv")).toBe(true);
    expect(await env.rows(`select count(*)::int as n from customers`)).toEqual(before);
  });

  test("the threshold is configurable per table", async () => {
    const quality = { ...defaultQuality, tables: { lenient: { key: "id", rejectThreshold: 0.9 } } };
    const r = await env.ingest(
      "lenient.csv",
      csv(["id,email", "1,a@example.com", "2,bad", "3,bad"]),
      { table: "lenient", quality },
    );
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats).toMatchObject({ key: "id", rowsLoaded: 1, rowsQuarantined: 2 });
  });

  test("column checks and SQL rules from a rule set: warnings load, errors quarantine, unique/one-of/between/max-length/pattern", async () => {
    const quality = {
      ...defaultQuality,
      rules: {
        sql: {
          vip_needs_spend: {
            query: "SELECT * FROM temp_data WHERE tier = 'vip' AND spend < 100",
            error_type: "business_rule",
            description: "a vip spends at least 100",
            tables: ["orders"],
          },
        },
        columns: [
          check.unique("code", { tables: ["orders"] }),
          check.oneOf("tier", ["basic", "vip"], { tables: ["orders"] }),
          check.between("spend", 0, 1000, { tables: ["orders"] }),
          check.maxLength("note", 5, { severity: "warn", tables: ["orders"] }),
          check.pattern("code", "^[A-Z]{3}$", { tables: ["orders"] }),
        ],
      },
    };
    const r = await env.ingest(
      "orders.csv",
      csv([
        "id,code,tier,spend,note",
        "1,ABC,basic,10,ok",
        "2,ABD,vip,50,ok", // vip_needs_spend
        "3,ABC,basic,10,ok", // code not unique (with row 1)
        "4,ABE,gold,10,ok", // not one of
        "5,ABF,basic,5000,ok", // out of range
        "6,ABG,basic,10,much too long", // warn only: loads
        "7,abh,basic,10,ok", // pattern
        "8,ABI,vip,500,fine",
      ]),
      {
        table: "orders",
        key: "id",
        quality: { ...quality, tables: { orders: { rejectThreshold: 0.9 } } },
      },
    );
    expect(r.status).toBe("SUCCEEDED");
    const byRule = Object.fromEntries(r.stats.failures.map((f) => [f.rule, [f.severity, f.count]]));
    expect(byRule).toEqual({
      vip_needs_spend: ["error", 1],
      unique_code: ["error", 2],
      one_of_tier: ["error", 1],
      between_spend: ["error", 1],
      max_length_note: ["warn", 1],
      pattern_code: ["error", 1],
    });
    expect(await env.rows(`select id from orders order by id`)).toEqual([{ id: 6 }, { id: 8 }]);
    expect(r.stats.rowsQuarantined).toBe(6);
  });

  test("a SQL rule that cannot run fails the run with the rule's name; the file waits in error/ for a retry", async () => {
    const quality = {
      ...defaultQuality,
      rules: {
        sql: {
          broken: {
            query: "SELECT * FROM temp_data WHERE no_such_column > 1",
            error_type: "x",
            description: "x",
          },
        },
        columns: [],
      },
    };
    const r = await env.ingest("broken.csv", csv(["user_id,name", "1,a"]), { quality });
    expect(r.status).toBe("FAILED");
    expect(r.error).toMatch(/quality rule broken could not run: .*no_such_column/);
    // moved with its reason, so a retry after fixing rules.ts picks it up from there
    expect(r.stats.sourceKey).toBe("error/customers/broken.csv");
    expect(r.stats.errorKey).toBe("error/customers/broken.csv");
    expect(await env.lake.exists("inbox/customers/broken.csv")).toBe(false);
    expect(readFileSync(env.lake.path("error/customers/broken.csv.reason.txt"), "utf8")).toMatch(
      /quality rule broken could not run/,
    );
  });
});

describe.each(engineNames)("values survive ingest, on %s", (engine) => {
  let env: IngestEnv;
  beforeAll(async () => {
    env = await makeIngestEnv(engine);
  });
  afterAll(() => env.close());

  test("leading zeros, a leading +, and more digits than a number keeps leave a column text, every value as written", async () => {
    const r = await env.ingest(
      "contacts.csv",
      csv([
        "id,zip,phone,intl,code,amount,plain,long",
        "1,08123,02095257564,+4930123456,-0,00.5,7,1234567890123456789012345678901",
        "2,12345,12095257564,4930123456,5,1.5,8,1",
        "3,0,0,1,1,0.25,9,2",
      ]),
      { table: "contacts", key: "id" },
    );
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats.rowsQuarantined).toBe(0);
    const rows = await env.rows(
      `select zip, phone, intl, code, amount, plain, long from contacts order by id`,
    );
    expect(rows[0]).toEqual({
      zip: "08123",
      phone: "02095257564",
      intl: "+4930123456",
      code: "-0",
      amount: "00.5",
      plain: 7,
      long: "1234567890123456789012345678901",
    });
    expect(rows[2]).toMatchObject({ zip: "0", phone: "0", intl: "1", plain: 9 });
  });

  test("one leading-zero value among many numbers keeps the column text rather than quarantining it", async () => {
    const lines = ["id,zip"];
    for (let i = 1; i <= 200; i++) lines.push(`${i},${i === 137 ? "01234" : 10000 + i}`);
    const r = await env.ingest("zips.csv", csv(lines), { table: "zips", key: "id" });
    expect(r.stats.rowsQuarantined).toBe(0);
    expect(r.stats.rowsLoaded).toBe(200);
    expect(await env.rows(`select zip from zips where id = 137`)).toEqual([{ zip: "01234" }]);
  });

  test("an empty field, quoted or not, is NULL in typed and text columns alike; the run succeeds", async () => {
    const r = await env.ingest(
      "empties.csv",
      csv(["a,b,c,t", '1,"","",""', "2,3,4,x", "3,,,", '4,5,"6",'].join("\n").split("\n")),
      { table: "empties", key: "a" },
    );
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats.rowsLoaded).toBe(4);
    expect(r.stats.rowsQuarantined).toBe(0);
    expect(await env.rows(`select a, b, c, t from empties order by a`)).toEqual([
      { a: 1, b: null, c: null, t: null },
      { a: 2, b: 3, c: 4, t: "x" },
      { a: 3, b: null, c: null, t: null },
      { a: 4, b: 5, c: 6, t: null },
    ]);
    // a later file's empty cell in an existing integer column is NULL too, not a type error
    const again = await env.ingest("empties2.csv", csv(["a,b", '2,""']), {
      table: "empties",
      key: "a",
    });
    expect(again.stats.rowsQuarantined).toBe(0);
    expect(await env.rows(`select b, c from empties where a = 2`)).toEqual([{ b: null, c: 4 }]);
  });

  test("a crash mid-run (the warehouse failing at the merge) moves the file to error/ with the reason, and the result says where", async () => {
    const failing: Warehouse = {
      ...env.warehouse,
      query: (sql: string, params?: unknown[]) => env.warehouse.query(sql, params),
      copyCsv: (t, c, s) => env.warehouse.copyCsv(t, c, s),
      readSession: (fn, o) => env.warehouse.readSession(fn, o),
      close: () => env.warehouse.close(),
      transaction: async () => {
        throw new Error("server closed the connection unexpectedly");
      },
    };
    const sourceKey = "inbox/crashes/crash.csv";
    await env.lake.put(sourceKey, csv(["id,name", "1,a", "2,b"]));
    const r = await ingestFile({ ...env.deps, warehouse: failing }, createId("run"), {
      sourceKey,
      table: "crashes",
      key: "id",
    });
    expect(r.status).toBe("FAILED");
    expect(r.error).toMatch(/unexpected error.*server closed the connection unexpectedly/);
    expect(r.error).not.toMatch(/\n\s+at /); // no stack in the run's error
    expect(r.stats.sourceKey).toBe("error/crashes/crash.csv");
    expect(r.stats.errorKey).toBe("error/crashes/crash.csv");
    expect(await env.lake.exists(sourceKey)).toBe(false);
    expect(readFileSync(env.lake.path("error/crashes/crash.csv"), "utf8")).toBe(
      csv(["id,name", "1,a", "2,b"]),
    );
    const reason = readFileSync(env.lake.path("error/crashes/crash.csv.reason.txt"), "utf8");
    expect(reason).toMatch(/server closed the connection unexpectedly/);
    expect(reason).toMatch(/Nothing was loaded/);
    expect(reason).toMatch(/\n\s+at /); // the stack, for whoever fixes it
  });

  test("a --key that disagrees with the table's key is a plain error before anything is staged; without --key the table's own key is used", async () => {
    const first = await env.ingest(
      "people.csv",
      csv(["email,user_id,name", "a@example.com,1,A", "b@example.com,2,B"]),
      {
        table: "people",
        key: "user_id",
      },
    );
    expect(first.status).toBe("SUCCEEDED");
    const wrong = await env.ingest(
      "people2.csv",
      csv(["email,user_id,name", "c@example.com,3,C"]),
      {
        table: "people",
        key: "email",
      },
    );
    expect(wrong.status).toBe("FAILED");
    expect(wrong.error).toBe(
      "table people is keyed by user_id, not email: its rows are upserted by user_id. Leave out --key (or pass --key user_id); to key rows by email, load them into a new table with --table",
    );
    expect(wrong.stats.rowsRead).toBe(0); // refused before reading
    expect(wrong.stats.errorKey).toBe("error/people/people2.csv");
    expect(await env.rows(`select count(*)::int as n from people`)).toEqual([{ n: 2 }]);
    // no --key: the default (user_id) would do here, but a table keyed by email is loaded by email
    await env.rows(`create table "public"."by_email" (email text primary key, n integer)`);
    const own = await env.ingest(
      "by_email.csv",
      csv(["email,n", "a@example.com,1", "a@example.com,2"]),
      {
        table: "by_email",
      },
    );
    expect(own.status).toBe("SUCCEEDED");
    expect(own.stats.key).toBe("email");
    expect(await env.rows(`select email, n from by_email`)).toEqual([
      { email: "a@example.com", n: 2 },
    ]);
  });

  test("a table column of a type CDP does not load into fails the file with a clear reason, not a crash", async () => {
    await env.rows(`create table "public"."odd" (id integer primary key, tags integer[])`);
    const r = await env.ingest("odd.csv", csv(["id,tags", "1,x"]), { table: "odd", key: "id" });
    expect(r.status).toBe("FAILED");
    expect(r.error).toMatch(/column tags of odd is ARRAY, which CDP does not load into/);
    expect(r.stats.errorKey).toBe("error/odd/odd.csv");
  });
});

describe.each(engineNames)("files that cannot be read, on %s", (engine) => {
  let env: IngestEnv;
  beforeAll(async () => {
    env = await makeIngestEnv(engine);
  });
  afterAll(() => env.close());

  const cases: [string, string | Buffer, RegExp][] = [
    ["empty.csv", "", /empty\.csv: .*empty/i],
    [
      "latin1.csv",
      Buffer.concat([Buffer.from("user_id,name\n1,Jos"), Buffer.from([0xe9]), Buffer.from("\n")]),
      /not (valid )?UTF-8/i,
    ],
    [
      "dupes.csv",
      "user_id,Email,email \n1,a,b\n",
      /"Email".*"email ".*both become "email"|both become "email"/,
    ],
    ["nokey.csv", "id,name\n1,a\n", /has no key column "user_id" \(its columns: id, name\)/],
  ];
  test.each(cases)(
    "%s fails, keeps the file in error/ with a reason file",
    async (name, content, reason) => {
      const r = await env.ingest(name, content);
      expect(r.status).toBe("FAILED");
      expect(r.error).toMatch(reason);
      expect(r.stats.errorKey).toBe(`error/customers/${name}`);
      expect(
        Buffer.compare(
          readFileSync(env.lake.path(`error/customers/${name}`)),
          Buffer.from(content),
        ),
      ).toBe(0);
      expect(readFileSync(env.lake.path(`error/customers/${name}.reason.txt`), "utf8")).toMatch(
        reason,
      );
    },
  );

  test("a header-only file succeeds with nothing loaded and no table created", async () => {
    const r = await env.ingest("header-only.csv", `${HEADER}\n`);
    expect(r.status).toBe("SUCCEEDED");
    expect(r.stats).toMatchObject({ rowsRead: 0, rowsLoaded: 0, columnsAdded: [] });
    expect(
      await env.rows(`select 1 from information_schema.tables where table_name = 'customers'`),
    ).toEqual([]);
  });

  test("a hostile header becomes a harmless quoted column; nothing else happens", async () => {
    const r = await env.ingest(
      "hostile.csv",
      csv(['user_id,"x""; DROP TABLE customers; --"', "1,boom"]),
      { table: "victims" },
    );
    expect(r.status).toBe("SUCCEEDED");
    expect(await env.rows(`select * from victims`)).toEqual([
      { user_id: 1, x_drop_table_customers: "boom" },
    ]);
    const r2 = await env.ingest("ok.csv", csv(["user_id,name", "1,a"]));
    expect(r2.status).toBe("SUCCEEDED");
    expect(await env.rows(`select count(*)::int as n from customers`)).toEqual([{ n: 1 }]);
  });
});

describe.each(engineNames)("concurrent ingests on %s", (engine) => {
  let env: IngestEnv;
  beforeAll(async () => {
    env = await makeIngestEnv(engine);
  });
  afterAll(() => env.close());

  test("two files into one table at once: both load, no update is lost, no deadlock", async () => {
    await env.ingest("seed.csv", csv(["user_id,a,b", "1,a0,b0", "2,a0,b0"]));
    const [x, y] = await Promise.all([
      env.ingest("x.csv", csv(["user_id,a,c", "1,a1,c1", "3,a3,c3"])),
      env.ingest("y.csv", csv(["user_id,b,d", "1,b2,d2", "4,b4,d4"])),
    ]);
    expect([x.status, y.status]).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    expect(await env.rows(`select user_id, a, b, c, d from customers order by user_id`)).toEqual([
      { user_id: 1, a: "a1", b: "b2", c: "c1", d: "d2" },
      { user_id: 2, a: "a0", b: "b0", c: null, d: null },
      { user_id: 3, a: "a3", b: null, c: "c3", d: null },
      { user_id: 4, a: null, b: "b4", c: null, d: "d4" },
    ]);
  });
});
