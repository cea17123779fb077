import { describe, expect, test } from "vitest";
import { buildPlan, type PlanInput } from "../src/ingest/plan";
import type { TypeCounts } from "../src/value/types";

const counts = (over: Partial<TypeCounts> = {}): TypeCounts => ({
  nonEmpty: 10,
  integer: 0,
  bigint: 0,
  numeric: 0,
  boolean: 0,
  date: 0,
  timestamp: 0,
  ...over,
});
const ints = counts({ integer: 10, bigint: 10, numeric: 10 });

const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  runId: "run_01TEST",
  table: "customers",
  schema: "public",
  key: "user_id",
  dialect: "postgres",
  header: [
    { name: "user_id", original: "user_id" },
    { name: "name", original: "Name" },
  ],
  stats: [ints, counts()],
  rows: 10,
  existing: [
    { name: "user_id", type: "integer" },
    { name: "name", type: "text" },
  ],
  rules: { sql: {}, columns: [] },
  ...over,
});

describe("the plan", () => {
  test("an existing table upserts with one MERGE where the warehouse has it, else UPDATE then INSERT", () => {
    const merged = buildPlan(input({ merge: true })).merge;
    expect(merged.filter((s) => s.startsWith("MERGE INTO"))).toHaveLength(1);
    expect(merged.some((s) => s.startsWith("UPDATE") || s.startsWith("INSERT"))).toBe(false);
    const two = buildPlan(input()).merge;
    // the SELECT counts how the good rows split (inserted, updated) before they are written
    expect(two.map((s) => s.split(" ")[0])).toEqual(["LOCK", "SELECT", "UPDATE", "INSERT"]);
  });

  test("checks the profile proves cannot fail are left out; a key proved unique skips the duplicate count", () => {
    const plan = buildPlan(input({ keyIncreasing: { digits: true, bytes: false } }));
    expect(plan.check).toEqual([]);
    expect(plan.duplicateKeys).toBeNull();
    const unproved = buildPlan(
      input({ stats: [counts({ integer: 9, bigint: 9, numeric: 9 }), counts()] }),
    );
    expect(unproved.check.map((c) => c.rule).join(" ")).toMatch(/type_user_id/);
    expect(unproved.duplicateKeys).toMatch(/count\(DISTINCT "user_id"\)/);
  });

  test("a pattern check is left out only when the reader proved that very pattern on every value", () => {
    const email = "^[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+$";
    const rules = {
      sql: {},
      columns: [
        { kind: "pattern" as const, column: "name", pattern: email, severity: "error" as const },
      ],
    };
    const checks = (pattern?: { source: string; matched: number }) =>
      buildPlan(input({ rules, stats: [ints, { ...counts(), pattern }] }))
        .check.map((c) => c.sql)
        .join("\n");
    expect(checks({ source: email, matched: 10 })).not.toMatch(/~/);
    // One value not proven (not matching, or beyond ASCII): the warehouse checks them all.
    expect(checks({ source: email, matched: 9 })).toMatch(/NOT \("name" ~ /);
    // Counts of another pattern, or none, prove nothing about this one.
    expect(checks({ source: "^.+@.+$", matched: 10 })).toMatch(/NOT \("name" ~ /);
    expect(checks()).toMatch(/NOT \("name" ~ /);
  });

  test("Redshift: distribution and sort keys, a LOCK without mode, COPY and UNLOAD through the role, no MERGE", () => {
    const s3 = {
      stagingUri: "s3://lake/staging/x.csv",
      rejectsUri: "s3://lake/rejects/x/",
      iamRole: "arn:aws:iam::123456789012:role/copy",
    };
    const plan = buildPlan(input({ dialect: "redshift", existing: null, s3, merge: true }));
    expect(plan.merge[0]).toMatch(
      /^CREATE TABLE "public"\."customers" \(.*"name" varchar\(65535\)\) DISTKEY\("user_id"\) SORTKEY\("user_id"\)$/,
    );
    expect(plan.load[0]).toMatch(
      /^COPY .* FROM 's3:\/\/lake\/staging\/x\.csv' IAM_ROLE 'arn:aws:iam::123456789012:role\/copy' FORMAT AS CSV EMPTYASNULL NULL AS '\\000'$/,
    );
    // Empty fields load as NULL into VARCHAR too, and no value (not even `\N`) is the null marker:
    // the marker is NUL, which the reader never stages.
    expect(plan.load[0]).not.toMatch(/NULL AS '\\N'/);
    expect(plan.report.unloadRejects[0]).toMatch(/^UNLOAD \(.*\) TO 's3:\/\/lake\/rejects\/x\/'/);
    const existing = buildPlan(input({ dialect: "redshift", s3, merge: true }));
    expect(existing.merge[0]).toBe(`LOCK "public"."customers"`);
    expect(existing.merge.some((s) => s.startsWith("MERGE"))).toBe(false);
  });
});
