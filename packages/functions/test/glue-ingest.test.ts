// The Glue script (src/glue/ingest.py) run by python3 against a Redshift plan the core built, with
// boto3 and awsglue replaced by stand-ins that record what would reach the Data API (mocked: no
// Redshift here). What it must do is only what the plan says: every select/merge call as the plan
// packed it (at most 40 statements, each under 100 KB), skipping the calls a retry finds applied.
// The cdc machine's job runs the same script on its own stored plan (cdc/machine.ts, GlueJob).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { dmsTable, tombstoneTable } from "@cdp/core/cdc/files";
import { buildCdcPlan } from "@cdp/core/cdc/plan";
import { cdcJobDocument } from "@cdp/core/cdc/plan-step";
import { buildPlan } from "@cdp/core/ingest/plan";
import type { TypeCounts } from "@cdp/core/value/types";
import {
  REDSHIFT_MAX_BATCH_STATEMENTS,
  REDSHIFT_MAX_STATEMENT_BYTES,
} from "@cdp/core/warehouse/limits";
import { afterAll, describe, expect, test } from "vitest";

const script = fileURLToPath(new URL("../src/glue/ingest.py", import.meta.url));
const python = spawnSync("python3", ["--version"]).status === 0;

const STUBS = {
  "awsglue/__init__.py": "",
  "awsglue/utils.py": `
def getResolvedOptions(argv, names):
    return {n: argv[argv.index("--" + n) + 1] for n in names}
`,
  "boto3/__init__.py": `
import io, json, os

LOG = os.environ["FAKE_LOG"]
APPLIED = os.environ.get("FAKE_APPLIED") == "1"

def record(kind, value):
    with open(LOG, "a") as f:
        f.write(json.dumps({"kind": kind, "value": value}) + "\\n")

class S3:
    def get_object(self, Bucket, Key):
        return {"Body": io.BytesIO(open(os.environ["FAKE_JOB"], "rb").read())}
    def put_object(self, Bucket, Key, Body, **kw):
        record("put", {"key": Key, "body": json.loads(Body)})

class RedshiftData:
    def __init__(self):
        self.sql = {}
    def execute_statement(self, Sql, **kw):
        record("execute", Sql)
        i = "s%d" % len(self.sql)
        self.sql[i] = Sql
        return {"Id": i}
    def batch_execute_statement(self, Sqls, **kw):
        record("batch", Sqls)
        i = "b%d" % len(self.sql)
        self.sql[i] = Sqls
        return {"Id": i}
    def describe_statement(self, Id):
        sql = self.sql[Id]
        return {"Id": Id, "Status": "FINISHED", "HasResultSet": isinstance(sql, str) and sql.startswith("SELECT")}
    def get_statement_result(self, Id, **kw):
        if ":" in Id:
            batch, n = Id.split(":")
            if self.sql[batch][int(n) - 1].startswith("SELECT count(*) - count("):  # the split
                return {
                    "ColumnMetadata": [{"name": "inserted"}, {"name": "updated"}],
                    "Records": [[{"longValue": 3}, {"longValue": 2}]],
                }
            # the last statement of a batch: the rows merged
            return {"ColumnMetadata": [{"name": "n"}], "Records": [[{"longValue": 7}]]}
        sql = self.sql[Id]
        if "information_schema" in sql:
            records = [[{"longValue": 1}]] if APPLIED else []
            return {"ColumnMetadata": [{"name": "n"}], "Records": records}
        return {
            "ColumnMetadata": [{"name": "n"}, {"name": "merge"}],
            "Records": [[{"longValue": 0}, {"longValue": 1}]],
        }

def client(name):
    return S3() if name == "s3" else RedshiftData()
`,
};

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

/** An existing two-column table and a file adding 60 columns to it. */
function wideJob() {
  const added = Array.from({ length: 60 }, (_, i) => `extra_${i}`);
  const header = ["user_id", "name", ...added].map((name) => ({ name, original: name }));
  const plan = buildPlan({
    runId: "run_01GLUE",
    table: "customers",
    schema: "public",
    key: "user_id",
    dialect: "redshift",
    header,
    stats: header.map((h) => (h.name === "user_id" ? ints : counts())),
    rows: 10,
    keyIncreasing: { digits: true, bytes: true },
    existing: [
      { name: "user_id", type: "bigint" },
      { name: "name", type: "character varying" },
    ],
    rules: { sql: {}, columns: [] },
    s3: {
      stagingUri: "s3://lake/staging/run_01GLUE.csv",
      rejectsUri: "s3://lake/rejects/run_01GLUE/",
      iamRole: "arn:aws:iam::123456789012:role/copy",
    },
  });
  return {
    version: 1,
    runId: "sfn:ingest:x",
    ingestId: "run_01GLUE",
    resultsKey: "results/run_01GLUE.json",
    mergeWhen: `SELECT 1 AS "merge"`,
    plan,
  };
}

/** A cdc job: one DMS change file for an existing table, as the cdc Plan step stores it. */
function cdcJob() {
  const header = ["op", "dms_commit_ts", "customer_id", "name", "dms_change_seq"].map((name) => ({
    name,
    original: name,
  }));
  const table = dmsTable("CRM/CUSTOMERS");
  const plan = buildCdcPlan({
    runId: "sfn:cdp-test-cdc:x",
    scratch: "run_01CDC",
    file: { key: "CRM/CUSTOMERS/20261101-1200000000.csv", sha256: "ab".repeat(32), kind: "change" },
    schema: table.schema,
    table: table.table,
    tombstones: tombstoneTable(table),
    key: "customer_id",
    dialect: "redshift",
    header,
    stats: header.map((h) => (h.name === "customer_id" ? ints : counts())),
    rows: 10,
    rowsRead: 10,
    existing: [
      { name: "customer_id", type: "integer" },
      { name: "name", type: "character varying" },
      { name: "_cdp_seq", type: "character varying" },
      { name: "_cdp_commit_ts", type: "timestamp without time zone" },
      { name: "_cdp_run", type: "character varying" },
    ],
    rules: { sql: {}, columns: [] },
    appliedAt: new Date("2026-11-01T12:00:00Z"),
    s3: {
      stagingUri: "s3://lake/staging/run_01CDC.csv",
      rejectsUri: "s3://lake/rejects/run_01CDC/",
      iamRole: "arn:aws:iam::123456789012:role/copy",
    },
  });
  return cdcJobDocument({
    runId: "sfn:cdp-test-cdc:x",
    workId: "run_01CDC",
    fileKey: "dms/CRM/CUSTOMERS/20261101-1200000000.csv",
    table,
    key: "customer_id",
    sha256: "ab".repeat(32),
    rowsRead: 10,
    rowsStaged: 10,
    malformedCount: 0,
    rejectThreshold: 0.1,
    plan,
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function runScript(job: object, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "cdp-glue-"));
  dirs.push(dir);
  for (const [path, text] of Object.entries(STUBS)) {
    mkdirSync(join(dir, "stubs", path, ".."), { recursive: true });
    writeFileSync(join(dir, "stubs", path), text);
  }
  writeFileSync(join(dir, "job.json"), JSON.stringify(job));
  const log = join(dir, "log.jsonl");
  writeFileSync(log, "");
  const args = ["run_id", "plan_key", "lake_bucket", "workgroup", "database", "secret_arn"];
  const r = spawnSync("python3", [script, ...args.flatMap((a) => [`--${a}`, `x-${a}`])], {
    env: {
      ...process.env,
      PYTHONPATH: join(dir, "stubs"),
      FAKE_LOG: log,
      FAKE_JOB: join(dir, "job.json"),
      ...env,
    },
    encoding: "utf8",
  });
  const events = readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { kind: string; value: unknown });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout, events };
}

describe.skipIf(!python)("the Glue script against a mocked Data API", () => {
  test("sends the plan's select and merge calls as packed: at most 40 statements, each under 100 KB, the rows merged read from the last", () => {
    const job = wideJob();
    const { status, stderr, events } = runScript(job);
    expect(status, stderr).toBe(0);
    const batches = events.filter((e) => e.kind === "batch").map((e) => e.value as string[]);
    expect(batches).toEqual(job.plan.batches.unique.map((b) => b.sqls));
    expect(batches.length).toBeGreaterThan(2);
    for (const sqls of batches) {
      expect(sqls.length).toBeLessThanOrEqual(REDSHIFT_MAX_BATCH_STATEMENTS);
      for (const sql of sqls) {
        expect(Buffer.byteLength(sql)).toBeLessThan(REDSHIFT_MAX_STATEMENT_BYTES);
      }
    }
    // All 60 ADD COLUMNs were sent, each once.
    const adds = batches.flat().filter((s) => s.includes(" ADD COLUMN "));
    expect(adds).toHaveLength(60);
    const results = events.find((e) => e.kind === "put")?.value as {
      body: { loaded: number; changes: unknown };
    };
    expect(results.body.loaded).toBe(7);
    // the plan's changes query is read from its place in the merge call: how the 7 split
    expect(results.body.changes).toEqual({ inserted: 3, updated: 2 });
  });

  test("a retry skips the schema changes an earlier attempt committed, and still merges", () => {
    const job = wideJob();
    const { status, stderr, events } = runScript(job, { FAKE_APPLIED: "1" });
    expect(status, stderr).toBe(0);
    const batches = events.filter((e) => e.kind === "batch").map((e) => e.value as string[]);
    expect(batches.flat().some((s) => s.includes(" ADD COLUMN "))).toBe(false);
    expect(batches.at(-1)?.[0]).toBe(`LOCK "public"."customers"`);
  });

  test("runs a cdc job the same way: staging prepared, COPYed, checked; the select call, then the apply and its ledger row in one call; rejects UNLOADed; results written", () => {
    const job = cdcJob();
    const { status, stderr, events } = runScript(job);
    expect(status, stderr).toBe(0);
    const executed = events.filter((e) => e.kind === "execute").map((e) => e.value as string);
    expect(executed.slice(0, job.plan.prepare.length)).toEqual(job.plan.prepare);
    expect(executed).toContain(job.plan.load[0]);
    expect(job.plan.load[0]).toMatch(
      /^COPY "cdp_stage"\."s_run_01cdc" .* FROM 's3:\/\/lake\/staging\/run_01CDC\.csv'/,
    );
    const batches = events.filter((e) => e.kind === "batch").map((e) => e.value as string[]);
    expect(batches).toEqual([
      job.plan.select,
      [...job.plan.apply, expect.stringMatching(/^SELECT count\(\*\) AS n /)],
    ]);
    expect(batches[1]!.some((sql) => sql.startsWith(`INSERT INTO "_cdp"."cdc_files"`))).toBe(true);
    expect(batches[1]!.length).toBeLessThanOrEqual(REDSHIFT_MAX_BATCH_STATEMENTS);
    expect(executed.some((sql) => sql.startsWith("UNLOAD ("))).toBe(true);
    expect(executed.slice(-job.plan.cleanup.length)).toEqual(job.plan.cleanup);
    const results = events.find((e) => e.kind === "put")?.value as {
      key: string;
      body: { ingestId: string; merged: boolean };
    };
    expect(results.key).toBe("results/run_01CDC.json");
    expect(results.body).toMatchObject({ ingestId: "run_01CDC", merged: true });
  });
});
