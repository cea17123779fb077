// The Redshift statements of a plan, checked against what Redshift and its Data API accept — the
// tests have no Redshift, so its rules are written down here (warehouse/limits.ts has the
// sources): at most 40 statements per BatchExecuteStatement, at most 100 KB per statement, no
// DROP COLUMN of the key (DISTKEY, SORTKEY, primary key) or another column Redshift will not
// drop, and string literals as Redshift's lexer reads them (a backslash escapes the next
// character). The files are the wide and hostile ones a CRM export can be.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames, makeOps, makeWarehouse } from "../../../test/support/engines";
import { type IngestEnv, makeIngestEnv } from "../../../test/support/ingest";
import { localNotifier } from "../src/alert/alert";
import { type CsvColumn, type MalformedRecord, openCsv } from "../src/ingest/csv-reader";
import type { IngestJob, MachineDeps } from "../src/ingest/machine";
import { withoutOversized } from "../src/ingest/oversize";
import { buildPlan, type Plan, type PlanInput } from "../src/ingest/plan";
import { planStep } from "../src/ingest/plan-step";
import { localLake } from "../src/lake/local";
import { localMetrics } from "../src/metric/metric";
import type { RuleSet } from "../src/quality/compile";
import type { ColumnType, TypeCounts } from "../src/value/types";
import { boundViews, undroppableColumns } from "../src/warehouse/dependencies";
import { literal, normalizeName } from "../src/warehouse/ident";
import {
  REDSHIFT_MAX_BATCH_STATEMENTS,
  REDSHIFT_MAX_STATEMENT_BYTES,
} from "../src/warehouse/limits";
import type { ColumnInfo, Warehouse } from "../src/warehouse/warehouse";

/**
 * Redshift's lexer, as far as our SQL goes: `'…'` literals where `''` is a quote and a backslash
 * takes the next character as it is; `"…"` identifiers where `""` is a quote. Returns the decoded
 * literals in order; throws on an unterminated one.
 */
function redshiftLiterals(sql: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'") {
      let v = "";
      i++;
      for (;;) {
        if (i >= sql.length) throw new Error(`unterminated literal: …${sql.slice(-80)}`);
        const c = sql[i]!;
        if (c === "\\") {
          if (i + 1 >= sql.length) throw new Error("a backslash at the end of the statement");
          v += sql[i + 1];
          i += 2;
        } else if (c === "'") {
          if (sql[i + 1] === "'") {
            v += "'";
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          v += c;
          i++;
        }
      }
      out.push(v);
    } else if (ch === '"') {
      i++;
      for (;;) {
        if (i >= sql.length) throw new Error("unterminated identifier");
        if (sql[i] === '"') {
          if (sql[i + 1] === '"') i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
    } else i++;
  }
  return out;
}

/** Every statement the Glue script sends for a plan, and the Data API calls it makes of them. */
function sent(plan: Plan): { statements: string[]; calls: string[][] } {
  const calls = [...plan.batches.merge, ...plan.batches.unique].map((b) => b.sqls);
  const statements = [
    ...plan.prepare,
    ...plan.load,
    ...plan.check.map((c) => c.sql),
    ...(plan.duplicateKeys ? [plan.duplicateKeys] : []),
    plan.report.failuresByRule,
    plan.report.quarantined,
    ...[...plan.batches.merge, ...plan.batches.unique].flatMap((b) => [
      ...b.sqls,
      ...(b.skipIf ? [b.skipIf] : []),
    ]),
    ...plan.report.rejectedRows,
    ...plan.report.unloadRejects,
    ...plan.cleanup,
  ];
  return { statements, calls };
}

/** What Redshift and the Data API require of every plan, whatever the file. */
function expectRedshiftAccepts(plan: Plan, undroppable: readonly string[]) {
  const { statements, calls } = sent(plan);
  expect(calls.length).toBeGreaterThan(0);
  for (const call of calls) expect(call.length).toBeLessThanOrEqual(REDSHIFT_MAX_BATCH_STATEMENTS);
  for (const sql of statements) {
    expect(Buffer.byteLength(sql, "utf8")).toBeLessThan(REDSHIFT_MAX_STATEMENT_BYTES);
    expect(() => redshiftLiterals(sql)).not.toThrow();
    for (const c of undroppable) expect(sql).not.toContain(`DROP COLUMN "${c}"`);
    // Redshift changes a type in place only for VARCHAR lengths, and never in a transaction.
    expect(sql).not.toMatch(/ALTER COLUMN .* TYPE/);
  }
  // The merge ends every variant, in one call, reading the rows merged last.
  for (const variant of [plan.batches.merge, plan.batches.unique]) {
    const last = variant.at(-1)!;
    expect(last.skipIf).toBeNull();
    expect(last.sqls.at(-1)).toBe(plan.report.loaded);
  }
}

const counts = (nonEmpty: number, over: Partial<TypeCounts> = {}): TypeCounts => ({
  nonEmpty,
  integer: 0,
  bigint: 0,
  numeric: 0,
  boolean: 0,
  date: 0,
  timestamp: 0,
  ...over,
});
/** Stats of a column of `type` where one value in 100 does not parse (so its check runs). */
function statsOf(type: ColumnType, rows = 100): TypeCounts {
  const ok = rows - 1;
  switch (type) {
    case "integer":
      return counts(rows, { integer: ok, bigint: ok, numeric: ok });
    case "bigint":
      return counts(rows, { bigint: ok, numeric: ok });
    case "numeric":
      return counts(rows, { numeric: ok });
    case "boolean":
      return counts(rows, { boolean: ok });
    case "date":
      return counts(rows, { date: ok, timestamp: ok });
    case "timestamp":
      return counts(rows, { timestamp: ok });
    case "text":
      return counts(rows);
  }
}
const allIntegers = (rows = 100) => counts(rows, { integer: rows, bigint: rows, numeric: rows });

const s3 = {
  stagingUri: "s3://cdp-lake/staging/run_01rs.csv",
  rejectsUri: "s3://cdp-lake/rejects/run_01rs/",
  iamRole: "arn:aws:iam::123456789012:role/cdp-copy",
};
const noRules: RuleSet = { sql: {}, columns: [] };
const WAREHOUSE_TYPE: Record<ColumnType, string> = {
  integer: "integer",
  bigint: "bigint",
  numeric: "numeric",
  boolean: "boolean",
  date: "date",
  timestamp: "timestamp without time zone",
  text: "character varying",
};

function redshiftPlan(over: Partial<PlanInput> & Pick<PlanInput, "header" | "stats">): Plan {
  return buildPlan({
    runId: "run_01RS",
    table: "customers",
    schema: "public",
    key: "user_id",
    dialect: "redshift",
    rows: 100,
    existing: null,
    rules: noRules,
    s3,
    ...over,
  });
}

const TYPES: ColumnType[] = [
  "integer",
  "numeric",
  "date",
  "timestamp",
  "boolean",
  "text",
  "bigint",
];

/** A CRM export 500 columns wide, most of them typed, with descriptive names. */
function wideFile(n = 500) {
  const names = Array.from({ length: n - 1 }, (_, i) => `customer_attribute_${i}_${TYPES[i % 7]}`);
  const header = ["user_id", ...names].map((name) => ({ name, original: name }));
  const types = header.map((_, i) => (i === 0 ? "integer" : TYPES[(i - 1) % 7]!));
  const stats = types.map((t, i) => (i === 0 ? allIntegers() : statsOf(t)));
  const existing: ColumnInfo[] = header.map((h, i) => ({
    name: h.name,
    type: WAREHOUSE_TYPE[types[i]!],
  }));
  return { header, stats, existing, names };
}

describe("Redshift plans for a very wide file", () => {
  const rules: RuleSet = {
    columns: [
      {
        kind: "pattern",
        column: "customer_attribute_5_text",
        pattern: "^[A-Z]{2}$",
        severity: "error",
      },
      {
        kind: "between",
        column: "customer_attribute_1_numeric",
        min: 0,
        max: 1e6,
        severity: "warn",
      },
    ],
    sql: {
      big_spender_without_date: {
        query:
          "SELECT * FROM temp_data WHERE customer_attribute_1_numeric > 1000 AND customer_attribute_2_date IS NULL",
        error_type: "inconsistent",
        description: "a big spender needs a date",
      },
    },
  };

  test("500 columns into a new table: every statement under 100 KB, the column checks split over several scans, each check still inserts its rejects", () => {
    const { header, stats } = wideFile();
    const plan = redshiftPlan({ header, stats, rules });
    expectRedshiftAccepts(plan, ["user_id"]);
    const scans = plan.check.filter((c) => c.concurrent && c.sql.includes("MOD("));
    expect(scans.length).toBeGreaterThan(2);
    // Every column check and parse check inserts its own rejects, wherever its scan was.
    const inserts = plan.check.filter((c) => !c.concurrent);
    expect(inserts.map((c) => c.rule)).toContain("pattern_customer_attribute_5_text");
    expect(inserts.map((c) => c.rule)).toContain("type_customer_attribute_0_integer");
    for (const insert of inserts) {
      const flag = insert.sql.match(/"_cdp_f(\d+)" = 1$/)![1];
      const from = insert.sql.match(
        /FROM \(SELECT \* FROM (\S+) UNION ALL SELECT \* FROM (\S+)\)/,
      )!;
      const scan = scans.filter((s) => s.sql.includes(`AS "_cdp_f${flag}"`));
      expect(scan.map((s) => s.sql.split(" ")[2])).toEqual([from[1], from[2]]);
    }
    // Every scan table is dropped at the end, and named so housekeeping knows its run.
    for (const s of scans) {
      const table = s.sql.split(" ")[2]!;
      expect(plan.cleanup).toContain(`DROP TABLE IF EXISTS ${table}`);
      expect(table).toMatch(/^"cdp_stage"\."[a-z][0-9]*_run_01rs"$/);
    }
    // The SQL rule types only the columns it names.
    const sqlRule = plan.check.find((c) => c.rule === "big_spender_without_date")!;
    expect(sqlRule.sql).toContain(`"customer_attribute_2_date"`);
    expect(sqlRule.sql).not.toContain(`"customer_attribute_3_timestamp"`);
  });

  test("the same file into the existing table: the update is split by columns, the merge stays one call", () => {
    const { header, stats, existing } = wideFile();
    const plan = redshiftPlan({ header, stats, rules, existing });
    expectRedshiftAccepts(plan, ["user_id"]);
    const last = plan.batches.merge.at(-1)!;
    const updates = last.sqls.filter((s) => s.startsWith("UPDATE"));
    expect(updates.length).toBeGreaterThan(1);
    // Between them, the updates set every column but the key, each once.
    const set = updates.flatMap((u) =>
      [...u.matchAll(/(?:SET |, )("[a-z0-9_]+") = g\./g)].map((m) => m[1]),
    );
    expect(set.sort()).toEqual(
      header
        .slice(1)
        .map((h) => `"${h.name}"`)
        .sort(),
    );
    expect(last.sqls[0]).toBe(`LOCK "public"."customers"`);
  });

  test("PostgreSQL keeps one folded scan and one update for the same file", () => {
    const { header, stats, existing } = wideFile();
    const plan = buildPlan({ ...redshiftPlanInput(header, stats, existing), dialect: "postgres" });
    expect(plan.check.filter((c) => c.concurrent && c.sql.includes("MOD("))).toHaveLength(2);
    expect(plan.merge.filter((s) => s.startsWith("UPDATE"))).toHaveLength(1);
    expect(plan.batches).toEqual({ merge: [], unique: [] });
  });

  test("a file too wide for any split is refused up front, saying why", () => {
    const long = (i: number) => `${"x".repeat(55)}_${String(i).padStart(4, "0")}`;
    const header = [{ name: "user_id", original: "user_id" }].concat(
      Array.from({ length: 1598 }, (_, i) => ({ name: long(i), original: long(i) })),
    );
    const stats = header.map((_, i) => (i === 0 ? allIntegers() : statsOf("boolean")));
    expect(() => redshiftPlan({ header, stats })).toThrow(
      /statement of \d+ KB \(the file has 1599 columns\); the Redshift Data API takes statements of at most 100 KB/,
    );
  });
});

function redshiftPlanInput(
  header: PlanInput["header"],
  stats: PlanInput["stats"],
  existing: ColumnInfo[] | null,
): PlanInput {
  return {
    runId: "run_01RS",
    table: "customers",
    schema: "public",
    key: "user_id",
    dialect: "redshift",
    header,
    stats,
    rows: 100,
    existing,
    rules: noRules,
    s3,
  };
}

describe("Redshift plans for a file adding 60 columns", () => {
  const added = Array.from({ length: 60 }, (_, i) => `new_field_${i}`);
  const header = ["user_id", "email", ...added].map((name) => ({ name, original: name }));
  const stats = header.map((h) => (h.name === "user_id" ? allIntegers() : statsOf("text")));
  const existing: ColumnInfo[] = [
    { name: "user_id", type: "bigint" },
    { name: "email", type: "character varying" },
  ];

  test("the columns are added in calls of at most 40 statements before the merge, each call skipped once applied", () => {
    const plan = redshiftPlan({ header, stats, existing });
    expectRedshiftAccepts(plan, ["user_id"]);
    for (const variant of [plan.batches.merge, plan.batches.unique]) {
      const [select, ...rest] = variant;
      expect(select!.sqls[1]).toMatch(
        /^CREATE TABLE "cdp_stage"\."g_run_01rs" DISTKEY\("user_id"\) AS SELECT/,
      );
      const schema = rest.slice(0, -1);
      expect(schema.length).toBeGreaterThanOrEqual(2);
      const adds = schema.flatMap((c) => c.sqls);
      expect(adds).toEqual(
        added.map((c) => `ALTER TABLE "public"."customers" ADD COLUMN "${c}" varchar(65535)`),
      );
      for (const call of schema) {
        // The guard asks for the call's first column: a call commits whole.
        const first = call.sqls[0]!.match(/ADD COLUMN "([a-z0-9_]+)"/)![1]!;
        expect(redshiftLiterals(call.skipIf!)).toEqual(["public", "customers", first]);
      }
      expect(rest.at(-1)!.sqls.map((s) => s.split(" ")[0])).toEqual([
        "LOCK",
        "SELECT", // how the rows split: inserted, updated (its place is the call's countsAt)
        "UPDATE",
        "INSERT",
        "SELECT",
      ]);
    }
  });

  test("a few added columns stay inside the one merge transaction", () => {
    const plan = redshiftPlan({ header: header.slice(0, 5), stats: stats.slice(0, 5), existing });
    expectRedshiftAccepts(plan, ["user_id"]);
    expect(plan.batches.merge).toHaveLength(2);
    expect(plan.batches.merge[1]!.countsAt).toBe(4);
    expect(plan.batches.merge[1]!.sqls.map((s) => s.split(" ").slice(0, 4).join(" "))).toEqual([
      `LOCK "public"."customers"`,
      `ALTER TABLE "public"."customers" ADD`,
      `ALTER TABLE "public"."customers" ADD`,
      `ALTER TABLE "public"."customers" ADD`,
      `SELECT count(*) - count(t."user_id")`,
      `UPDATE "public"."customers" AS t`,
      `INSERT INTO "public"."customers" ("user_id",`,
      `SELECT count(*) AS n`,
    ]);
  });
});

describe("Redshift plans when a file needs a wider key", () => {
  const header = ["user_id", "visits", "region"].map((name) => ({ name, original: name }));
  // Keys past int4, visits past int4, region values past int4 as well.
  const big = counts(100, { bigint: 100, numeric: 100 });
  const existing: ColumnInfo[] = [
    { name: "user_id", type: "integer" },
    { name: "visits", type: "integer" },
    { name: "region", type: "integer" },
  ];

  test("the key keeps its type (rows with keys past it are quarantined); another column widens by copy, drop and rename", () => {
    const plan = redshiftPlan({ header, stats: [big, big, big], existing });
    expectRedshiftAccepts(plan, ["user_id"]);
    const key = plan.columns.find((c) => c.name === "user_id")!;
    expect(key).toMatchObject({ type: "integer", change: null });
    expect(plan.check.map((c) => c.rule)).toContain("type_user_id");
    const visits = plan.columns.find((c) => c.name === "visits")!;
    expect(visits).toMatchObject({ type: "bigint", change: "widen", fromType: "integer" });
    const all = plan.batches.merge.flatMap((b) => b.sqls);
    expect(all).toContain(`ALTER TABLE "public"."customers" DROP COLUMN "visits"`);
    expect(all.filter((s) => s.includes("DROP COLUMN"))).toHaveLength(2);
  });

  test("nor does a column Redshift will not drop (a DISTKEY, SORTKEY or constrained column)", () => {
    const plan = redshiftPlan({ header, stats: [big, big, big], existing, pinned: ["region"] });
    expectRedshiftAccepts(plan, ["user_id", "region"]);
    expect(plan.columns.find((c) => c.name === "region")).toMatchObject({
      type: "integer",
      change: null,
    });
  });

  test("a new table's integer-looking key is created bigint, so it never needs to widen", () => {
    const plan = redshiftPlan({ header, stats: [allIntegers(), allIntegers(), allIntegers()] });
    expectRedshiftAccepts(plan, ["user_id"]);
    expect(plan.batches.merge[0]!.sqls[0]).toBe(
      `CREATE TABLE "public"."customers" ("user_id" bigint NOT NULL, "visits" integer, "region" integer) DISTKEY("user_id") SORTKEY("user_id")`,
    );
  });

  test("a view bound to a column that must widen: a clear refusal naming it, before anything runs", () => {
    const views = [{ view: "reporting.customer_visits", column: "visits" }];
    expect(() => redshiftPlan({ header, stats: [big, big, big], existing, views })).toThrow(
      /column visits of customers to widen from integer to bigint, but view reporting\.customer_visits uses it .* WITH NO SCHEMA BINDING/,
    );
    // A view on a column that keeps its type is no obstacle.
    const other = [{ view: "reporting.by_region", column: "region" }];
    expect(() =>
      redshiftPlan({ header, stats: [big, big, big], existing, views: other, pinned: ["region"] }),
    ).not.toThrow();
  });

  test("on PostgreSQL the key still widens in place", () => {
    const plan = buildPlan({
      ...redshiftPlanInput(header, [big, big, big], existing),
      dialect: "postgres",
    });
    expect(plan.merge).toContain(
      `ALTER TABLE "public"."customers" ALTER COLUMN "user_id" TYPE bigint`,
    );
  });
});

describe("Redshift literals in rules", () => {
  const header = ["user_id", "code", "name"].map((name) => ({ name, original: name }));
  const stats = [allIntegers(), counts(100), counts(100)];
  const hostile = ["^\\d{3}\\.\\d+$", "O'Brien\\", "\\", "it''s \\'quoted\\'", "\\\\server\\share"];

  test("patterns, values, names and descriptions with backslashes and quotes read back exactly as written", () => {
    const rules: RuleSet = {
      columns: [
        ...hostile.map((pattern, i) => ({
          kind: "pattern" as const,
          column: "code",
          pattern,
          name: `pattern's \\ ${i}`,
          severity: "error" as const,
        })),
        {
          kind: "one_of",
          column: "name",
          values: hostile,
          severity: "warn",
          description: "\\ends with a backslash\\",
        },
      ],
      sql: {
        "rule \\ 'odd'": {
          query: "SELECT * FROM temp_data WHERE code IS NULL",
          error_type: "back\\slash",
          description: "it's \\ here",
        },
      },
    };
    const plan = redshiftPlan({ header, stats, rules, existing: null });
    expectRedshiftAccepts(plan, ["user_id"]);
    const checks = plan.check.map((c) => c.sql);
    hostile.forEach((pattern, i) => {
      // The scan tests `"code" ~ '<pattern>'`: Redshift reads the literal back as the pattern.
      const scan = checks.find((s) => s.includes(" MOD("))!;
      const tests = [...scan.matchAll(/NOT \("code" ~ ('(?:[^'\\]|''|\\.)*')\)/g)].map(
        (m) => redshiftLiterals(m[1]!)[0],
      );
      expect(tests).toContain(pattern);
      const insert = plan.check.find((c) => c.rule === `pattern's \\ ${i}`)!;
      const lits = redshiftLiterals(insert.sql);
      expect(lits.slice(0, 3)).toEqual([`pattern's \\ ${i}`, "invalid_format", "error"]);
      expect(lits.join("")).toContain(`does not match ${pattern}`);
    });
    const oneOf = plan.check.find((c) => c.rule === "one_of_name")!;
    expect(redshiftLiterals(oneOf.sql)).toContain("\\ends with a backslash\\");
    const scanLits = plan.check
      .filter((c) => c.sql.includes(" MOD("))
      .flatMap((c) => redshiftLiterals(c.sql));
    for (const v of hostile) expect(scanLits).toContain(v);
    const sqlRule = plan.check.find((c) => c.rule === "rule \\ 'odd'")!;
    expect(redshiftLiterals(sqlRule.sql)).toEqual([
      "rule \\ 'odd'",
      "back\\slash",
      "error",
      "it's \\ here",
    ]);
  });

  test("COPY and UNLOAD: their options read back as given, and UNLOAD's query literal holds a query Redshift can read again", () => {
    const plan = redshiftPlan({ header, stats, existing: null });
    expect(redshiftLiterals(plan.load[0]!).slice(0, 2)).toEqual([s3.stagingUri, s3.iamRole]);
    const [query, to, role] = redshiftLiterals(plan.report.unloadRejects[0]!);
    expect([to, role]).toEqual([s3.rejectsUri, s3.iamRole]);
    expect(query).toMatch(/^SELECT r\."rule", .* ORDER BY s\."_cdp_row", r\."rule"$/);
    expect(() => redshiftLiterals(query!)).not.toThrow();
    // A literal inside UNLOAD's query is escaped twice and decodes twice.
    const nested = literal(`SELECT ${literal("a\\b'c", "redshift")}`, "redshift");
    expect(redshiftLiterals(redshiftLiterals(nested)[0]!)).toEqual(["a\\b'c"]);
  });

  test("PostgreSQL literals keep backslashes as they are (standard_conforming_strings)", () => {
    expect(literal("^\\d+$", "postgres")).toBe("'^\\d+$'");
    expect(literal("O'Brien\\", "postgres")).toBe("'O''Brien\\'");
    expect(literal("O'Brien\\", "redshift")).toBe("'O''Brien\\\\'");
  });
});

describe("Redshift plans for hostile headers", () => {
  test("injection-shaped, multibyte and longest-possible names stay quoted identifiers; a multibyte column can widen", () => {
    const originals = [
      "user_id",
      `x"; DROP TABLE customers; --`,
      "Robert'); DROP TABLE students;--",
      "é".repeat(40),
      "名".repeat(30),
      "a\\b",
      "1234",
    ];
    const header = originals.map((o) => ({ name: normalizeName(o), original: o }));
    const big = counts(100, { bigint: 100, numeric: 100 });
    const existing: ColumnInfo[] = header.map((h) => ({ name: h.name, type: "integer" }));
    const plan = redshiftPlan({ header, stats: header.map(() => big), existing });
    expectRedshiftAccepts(plan, ["user_id"]);
    const all = sent(plan).statements.join("\n");
    expect(all).not.toContain("DROP TABLE customers");
    expect(all).not.toContain("DROP TABLE students");
    // A column of 31 two-byte letters widens through a scratch column that is a valid name too.
    expect(all).toContain(`DROP COLUMN "${"é".repeat(31)}"`);
  });
});

describe("Redshift: records too big for COPY", () => {
  // Each value: quotes, commas and line breaks inside, so the staged field is quoted and escaped.
  const blob = (bytes: number) => {
    const unit = 'ab"c,\n'; // 6 bytes unescaped
    return unit.repeat(Math.floor(bytes / 6)) + "x".repeat(bytes % 6);
  };
  const q = (v: string) => `"${v.replace(/"/g, '""')}"`;

  async function stage(text: string) {
    const csv = await openCsv(Readable.from([text]));
    const staged: Buffer[] = [];
    for await (const c of csv.chunks()) staged.push(c);
    return { header: csv.header, staging: Buffer.concat(staged) };
  }
  /** The staging CSV through withoutOversized, fed in awkward pieces. */
  async function capped(staging: Buffer, header: readonly CsvColumn[], piece: number) {
    const out: Buffer[] = [];
    const dropped: MalformedRecord[] = [];
    async function* pieces() {
      for (let i = 0; i < staging.length; i += piece) yield staging.subarray(i, i + piece);
    }
    for await (const b of withoutOversized(pieces(), header, (r) => dropped.push(r))) out.push(b);
    return { out: Buffer.concat(out).toString("utf8"), dropped };
  }

  test("a value over 65,535 bytes or a record over 4 MB leaves staging and is reported with its column and size; the rest is staged byte for byte", async () => {
    const wide = Array.from({ length: 70 }, () => q(blob(60_000))).join(",");
    const lines = [
      "user_id,notes,extra",
      "1,short,a",
      `2,${q(blob(70_000))},b`,
      `3,${q(blob(65_535))},c`, // exactly the limit: loads
      `4,"${"é".repeat(40_000)}",d`, // 80,000 bytes of 40,000 characters
      "5,fine,e",
    ];
    const wideHeader = `user_id,${Array.from({ length: 70 }, (_, i) => `c${i}`).join(",")}`;
    for (const piece of [1 << 20, 4093]) {
      const { header, staging } = await stage(`${lines.join("\n")}\n`);
      const { out, dropped } = await capped(staging, header, piece);
      const kept = staging
        .toString("utf8")
        .split(/\n(?=\d+,)/)
        .filter((l) => !/^[24],/.test(l))
        .join("\n");
      expect(out).toBe(kept);
      expect(dropped.map((d) => d.recordNumber)).toEqual([2, 4]);
      expect(dropped[0]!.reason).toBe(
        "record 2: notes is 70,000 bytes, and Redshift holds at most 65,535 bytes in a value; the row is not loaded (its whole record is in raw_record)",
      );
      expect(dropped[0]!.raw).toBe(lines[2]);
      expect(dropped[1]!.reason).toMatch(/^record 4: notes is 80,000 bytes/);

      const rows = await stage(`${wideHeader}\n7,${wide}\n8,${Array(70).fill("x").join(",")}\n`);
      const big = await capped(rows.staging, rows.header, piece);
      expect(big.dropped.map((d) => d.recordNumber)).toEqual([1]);
      expect(big.dropped[0]!.reason).toMatch(
        /^record 1: the record is 4,\d{3},\d{3} bytes, and Redshift's COPY loads at most 4,000,000 bytes per row/,
      );
      expect(big.out).toBe(`2,8,${Array(70).fill("x").join(",")}\n`);
    }
  });

  test("the plan step quarantines them: not staged, counted and kept as rejected records, the rest planned to load (PGlite standing in for Redshift's catalog)", async () => {
    const root = mkdtempSync(join(tmpdir(), "cdp-oversize-"));
    const pg = await makeWarehouse("pglite");
    const ops = await makeOps("pglite");
    try {
      const lake = localLake(join(root, "lake"));
      const warehouse: Warehouse = { ...pg, kind: "redshift", dialect: "redshift" };
      const deps: MachineDeps = {
        lake,
        warehouse,
        ops: ops.db,
        notifier: localNotifier(ops.db),
        metrics: localMetrics(ops.db),
        s3: { bucket: "cdp-lake", iamRole: s3.iamRole },
      };
      const source = `user_id,notes\n1,a\n2,${q(blob(70_000))}\n3,c\n`;
      await lake.put("inbox/customers/big.csv", source);
      const out = await planStep(deps, {
        event: {
          detail: { bucket: { name: "cdp-lake" }, object: { key: "inbox/customers/big.csv" } },
        },
        executionArn: "arn:aws:states:eu-west-1:123456789012:execution:cdp-ingest:x1",
      });
      expect(out).toMatchObject({ skip: false, rejected: false });
      const job = JSON.parse(await text(await lake.get(out.planKey!))) as IngestJob;
      expect(job).toMatchObject({ rowsRead: 3, rowsStaged: 2, malformedCount: 1 });
      expect(await text(await lake.get(job.stagingKey))).toBe("1,1,a\n3,3,c\n");
      const rejected = JSON.parse(
        await text(await lake.get(job.malformedKey!)),
      ) as MalformedRecord[];
      expect(rejected).toEqual([
        expect.objectContaining({ recordNumber: 2, raw: `2,${q(blob(70_000))}` }),
      ]);
      expect(rejected[0]!.reason).toMatch(/^record 2: notes is 70,000 bytes/);
      expect(job.plan.load[0]).toMatch(/^COPY "cdp_stage"\."s_run_/);
      expect(job.mergeWhen).toMatch(/WHEN 2 > 0 AND count\(DISTINCT "_cdp_row"\) \+ 1 <= /);
    } finally {
      await pg.close();
      await ops.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe.each(engineNames)("the same rules on %s", (engine) => {
  let env: IngestEnv;
  beforeAll(async () => {
    env = await makeIngestEnv(engine);
  });
  afterAll(() => env.close());

  test("PostgreSQL reads the literals back as written: a pattern's \\d and \\. are regex escapes there", async () => {
    const values = ["^\\d{3}\\.\\d+$", "O'Brien\\", "\\", "it''s \\'quoted\\'"];
    const [row] = await env.rows(
      `select ${values.map((v, i) => `${literal(v, "postgres")} as v${i}`).join(", ")}, ` +
        `'123.45' ~ ${literal(values[0]!, "postgres")} as yes, '123x45' ~ ${literal(values[0]!, "postgres")} as no`,
    );
    expect(row).toEqual({
      v0: values[0],
      v1: values[1],
      v2: values[2],
      v3: values[3],
      yes: true,
      no: false,
    });
  });

  test("a view bound to a column the file must widen: the file goes to error/ saying which view and what to do; the table is untouched", async () => {
    const first = await env.ingest("first.csv", "user_id,visits\n1,5\n2,6\n");
    expect(first.status).toBe("SUCCEEDED");
    await env.warehouse.query(
      "create view public.customer_visits as select user_id, visits from public.customers",
    );
    expect(await boundViews(env.warehouse, "public", "customers")).toEqual([
      { view: "public.customer_visits", column: "user_id" },
      { view: "public.customer_visits", column: "visits" },
    ]);
    expect(await undroppableColumns(env.warehouse, "postgres", "public", "customers")).toEqual([
      "user_id",
    ]);
    const big = await env.ingest("big.csv", "user_id,visits\n1,9000000000\n");
    expect(big.status).toBe("FAILED");
    expect(big.error).toBe(
      "this file needs column visits of customers to widen from integer to bigint, but view public.customer_visits uses it and the warehouse cannot change a column a view is bound to: drop it, load the file, and create it again",
    );
    expect(big.stats.errorKey).toMatch(/^error\/customers\/big/);
    const [t] = await env.rows(
      "select data_type as t from information_schema.columns where table_name = 'customers' and column_name = 'visits'",
    );
    expect(t).toEqual({ t: "integer" });
    await env.warehouse.query("drop view public.customer_visits");
    const again = await env.ingest("big2.csv", "user_id,visits\n1,9000000000\n");
    expect(again.status).toBe("SUCCEEDED");
  });
});
