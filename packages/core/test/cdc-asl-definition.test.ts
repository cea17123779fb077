// The cdc apply state machine's definition, as infra deploys it: valid ASL calling only the
// integrations we mean it to, every working state retried and caught, the loop Report → Plan; and
// the Redshift plan it runs never widening a table's key. (cdc-asl.test.ts executes it.)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, test } from "vitest";
import { cdcParams, cdcDefinition as definition } from "../../../test/support/cdc-machine";
import { cdcIntegrations, CdcState as S } from "../src/cdc/asl";
import { cdcRetry } from "../src/cdc/machine";
import { buildCdcPlan } from "../src/cdc/plan";
import { taskResources } from "../src/ingest/asl";

// asl-validator ships no types.
const aslValidator = createRequire(import.meta.url)("asl-validator") as (definition: object) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
};

interface TaskView {
  Type: string;
  Next?: string;
  Resource?: string;
  Parameters: { FunctionName?: string; JobName?: string };
  Retry: { ErrorEquals: string[]; BackoffRate: number }[];
  Catch: { ErrorEquals: string[]; ResultPath: string; Next: string }[];
}
const states = () => definition.States as unknown as Record<string, TaskView>;

describe("the cdc state machine's definition", () => {
  test("is valid Amazon States Language", () => {
    const { isValid, errorsText } = aslValidator(definition as never);
    expect(errorsText("\n"), "asl-validator").toBe("");
    expect(isValid).toBe(true);
  });

  test("calls only Lambda (lambda:invoke) and Glue (glue:startJobRun.sync), with the given ARNs and job", () => {
    expect(new Set(taskResources(definition))).toEqual(new Set(Object.values(cdcIntegrations)));
    const st = states();
    expect(st[S.plan]!.Parameters.FunctionName).toBe(cdcParams.planFunctionArn);
    expect(st[S.report]!.Parameters.FunctionName).toBe(cdcParams.reportFunctionArn);
    expect(st[S.reportFailure]!.Parameters.FunctionName).toBe(cdcParams.failureFunctionArn);
    expect(st[S.apply]!.Parameters.JobName).toBe(cdcParams.glueJobName);
  });

  test("loops Report → Plan; every working state retries Lambda's transient errors and is caught, naming itself, into ReportFailure → Failed", () => {
    const st = states();
    expect(st[S.report]!.Next).toBe(S.plan);
    for (const name of [S.plan, S.report, S.reportFailure]) {
      expect(st[name]!.Retry[0]!.ErrorEquals).toContain("Lambda.TooManyRequestsException");
    }
    for (const [name, pass] of [
      [S.plan, S.planFailed],
      [S.apply, S.applyFailed],
      [S.report, S.reportFailed],
    ] as const) {
      expect(st[name]!.Catch).toEqual([
        { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: pass },
      ]);
      expect(st[pass]).toMatchObject({ Type: "Pass", Next: S.reportFailure });
    }
    expect(st[S.reportFailure]!.Next).toBe(S.failed);
    // A machine whose failures end in Fail states is never redriven by the console.
    expect(cdcRetry.redrive).toBe(false);
  });

  test("on Redshift a change file never widens the key (the table's DISTKEY and SORTKEY, which Redshift cannot drop), and a new table's integer key is bigint", () => {
    const header = ["op", "customer_id", "dms_change_seq"].map((name) => ({
      name,
      original: name,
    }));
    const big = {
      nonEmpty: 1,
      integer: 0,
      bigint: 1,
      numeric: 1,
      boolean: 0,
      date: 0,
      timestamp: 0,
    };
    const plan = (existing: { name: string; type: string }[] | null) =>
      buildCdcPlan({
        runId: "run_x",
        file: { key: "CRM/T/20261101-1200000000.csv", sha256: "0".repeat(64), kind: "change" },
        schema: "crm",
        table: "t",
        tombstones: "crm__t__tombstones",
        key: "customer_id",
        dialect: "redshift",
        header,
        stats: header.map((h) =>
          h.name === "customer_id" ? big : { ...big, bigint: 0, numeric: 0 },
        ),
        existing,
        rules: { sql: {}, columns: [] },
        appliedAt: new Date(),
        s3: { stagingUri: "s3://l/staging/x.csv", rejectsUri: "s3://l/rejects/x/", iamRole: "r" },
      });
    const existing = plan([
      { name: "customer_id", type: "integer" },
      { name: "_cdp_seq", type: "character varying" },
      { name: "_cdp_commit_ts", type: "timestamp without time zone" },
      { name: "_cdp_run", type: "character varying" },
    ]);
    expect(existing.columns.find((c) => c.name === "customer_id")).toMatchObject({
      type: "integer",
      change: null,
    });
    expect(existing.apply.join("\n")).not.toMatch(/DROP COLUMN|_cdp_widen/);
    const created = plan(null);
    expect(created.columns.find((c) => c.name === "customer_id")?.type).toBe("bigint");
  });

  test("is the definition infra deploys: infra/cdc.ts builds it with this builder", () => {
    const infra = readFileSync(new URL("../../../infra/cdc.ts", import.meta.url), "utf8");
    expect(infra).toMatch(/from "\.\.\/packages\/core\/src\/cdc\/asl"/);
    expect(infra).toMatch(/JSON\.stringify\(\s*cdcStateMachine\(/);
  });
});
