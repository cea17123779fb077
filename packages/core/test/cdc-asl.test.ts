// The cdc apply state machine (its definition: cdc-asl-definition.test.ts) executed locally with
// every Task bound to the real step (the Lambdas' verbs on a lake folder, the Glue job's
// TypeScript twin running the stored plan on PGlite/PostgreSQL) takes DMS files through what an
// operator sees: applied in order by one run at a time, quarantined rows, a failed file in error/,
// a retry, a replay that changes nothing, a stopped run's table taken over, a table handed on.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type CdcEnv, dmsCsv, makeCdcEnv, seq } from "../../../test/support/cdc";
import {
  cdcHandlers,
  cdcDefinition as definition,
  objectCreated,
} from "../../../test/support/cdc-machine";
import { engineNames } from "../../../test/support/engines";
import { type Execution, executeLocally, type Json } from "../../../test/support/local-sfn";
import { listAlerts } from "../src/alert/alert";
import { CdcError, CdcState as S } from "../src/cdc/asl";
import type { CdcMachineDeps } from "../src/cdc/machine";
import { cdcRetry, tableOfKey } from "../src/cdc/machine";
import { takeTurn } from "../src/cdc/turn";
import { localMetrics } from "../src/metric/metric";
import { failureSamples } from "../src/quality/failures";
import { runIdOfExecution } from "../src/run/aws/ids";
import { ListFilter } from "../src/run/run";
import { getRun, insertRun, listRuns } from "../src/run/store";

const COLS = ["CUSTOMER_ID", "NAME", "EMAIL", "SPEND"];

describe.each(engineNames)("the cdc state machine executed locally on %s", (engine) => {
  let env: CdcEnv;
  let deps: CdcMachineDeps;
  /** Executions still going, as DescribeExecution would tell (turn.ts asks about holders). */
  const running = new Set<string>();
  /** Executions a run started to carry its table on. */
  const handedOn: { name: string; input: Json }[] = [];
  /** Glue runs going now, and every plan the job ran, in order. */
  let applying = 0;
  let mostAtOnce = 0;
  const applied: string[] = [];
  let beforeApply: ((planKey: string) => Promise<void>) | null = null;

  beforeAll(async () => {
    env = await makeCdcEnv(engine);
    deps = {
      ...env.deps,
      metrics: localMetrics(env.ops.db),
      executions: {
        isRunning: async (arn) => running.has(arn),
        start: async (_machine, name, input) => {
          handedOn.push({ name, input: input as Json });
        },
      },
    };
  });
  afterAll(() => env.close());

  const handlers = cdcHandlers(() => deps, {
    beforeApply: async (planKey) => {
      const hook = beforeApply;
      beforeApply = null;
      await hook?.(planKey);
    },
    onApply: (planKey, phase) => {
      applying += phase === "start" ? 1 : -1;
      mostAtOnce = Math.max(mostAtOnce, applying);
      if (phase === "start") applied.push(planKey);
    },
  });

  /** Run the machine on `input` (an Object Created event), counted as running while it goes. */
  async function execute(input: Json, name: string = randomUUID()): Promise<Execution> {
    const arn = `arn:aws:states:eu-west-1:123456789012:execution:cdp-test-cdc:${name}`;
    running.add(arn);
    try {
      return await executeLocally(definition, input, handlers, {
        stateMachineName: "cdp-test-cdc",
        executionName: name,
      });
    } finally {
      running.delete(arn);
    }
  }
  const event = (key: string) => execute(objectCreated(key));
  const runOf = (x: Execution) => getRun(env.ops.db, runIdOfExecution(x.executionArn));
  const live = (table: string) =>
    env.rows(
      `select customer_id as id, name, email, spend::text as spend from ${table} order by 1`,
    );
  const stagingTables = () =>
    env.rows(`select table_name from information_schema.tables where table_schema = 'cdp_stage'`);

  test("a full load then two change files become the right rows: their three executions take the table in turn — one run applies all three, in order, one at a time — as the local cdc run does", async () => {
    const files: [string, string][] = [
      [
        "LOAD00000001.csv",
        dmsCsv(COLS, [
          ["I", null, "1", "Ann", "ann@example.com", "10"],
          ["I", null, "2", "Bob", "bob@example.com", "20"],
          ["I", null, "3", "Cy", "cy@example.com", "30"],
        ]),
      ],
      [
        "20261101-1200000000.csv",
        dmsCsv(COLS, [
          ["U", seq(2), "1", "Ann B", "ann@example.com", "11"],
          ["D", seq(1), "2"],
          ["I", seq(3), "4", "Di", "di@example.com", "40"],
        ]),
      ],
      [
        "20261101-1201000000.csv",
        dmsCsv(COLS, [
          ["U", seq(5), "4", "Di C", "di@example.com", "41"],
          ["U", seq(4), "3", "Cy B", "cy@example.com", "31"],
        ]),
      ],
    ];
    // DMS writes the three, and each one's event starts an execution, all at once.
    for (const [name, content] of files) {
      await env.drop("CRM/CUSTOMERS", name, content);
      await env.drop("CRM/CUSTOMERS_LOCAL", name, content);
    }
    const xs = await Promise.all(files.map(([name]) => event(`dms/CRM/CUSTOMERS/${name}`)));
    for (const x of xs) expect(x.status, `${x.error}: ${x.cause}`).toBe("SUCCEEDED");
    const holders = xs.filter((x) => x.path.includes(S.apply));
    expect(holders).toHaveLength(1);
    const holder = holders[0]!;
    expect(holder.path.filter((s) => s === S.apply)).toHaveLength(3);
    expect(holder.path.at(-1)).toBe(S.done);
    for (const x of xs.filter((x) => x !== holder)) {
      expect([S.queued, S.nothingToApply]).toContain(x.path.at(-1));
      expect(await runOf(x)).toBeNull();
    }
    expect(mostAtOnce).toBe(1);

    expect(await live("crm.customers")).toEqual([
      { id: 1, name: "Ann B", email: "ann@example.com", spend: "11" },
      { id: 3, name: "Cy B", email: "cy@example.com", spend: "31" },
      { id: 4, name: "Di C", email: "di@example.com", spend: "41" },
    ]);
    for (const [name] of files) {
      expect(await env.lake.exists(`processed/dms/CRM/CUSTOMERS/${name}`)).toBe(true);
    }
    expect(await env.lake.list("dms/CRM/CUSTOMERS/")).toEqual([]);
    // Applied in order: the full load, then the changes by name.
    const plans = await Promise.all(
      applied.slice(-3).map(async (k) => JSON.parse(await text(k)) as { fileKey: string }),
    );
    expect(plans.map((p) => p.fileKey)).toEqual(files.map(([n]) => `dms/CRM/CUSTOMERS/${n}`));

    const run = await runOf(holder);
    expect(run).toMatchObject({ pipeline: "cdc", engine: "sfn", status: "SUCCEEDED", error: null });
    expect(run!.args).toMatchObject({ path: "dms/CRM/CUSTOMERS/" });
    const local = await env.apply("dms/CRM/CUSTOMERS_LOCAL/");
    expect(local.status).toBe("SUCCEEDED");
    const { table: _t, source: _s, ...same } = local.stats.tables[0]!;
    expect(run!.stats).toMatchObject({
      filesApplied: 3,
      rowsRead: 8,
      rowsLoaded: local.stats.rowsLoaded,
      tables: [{ ...same, table: "crm.customers", source: "CRM/CUSTOMERS" }],
    });
    expect(await live("crm.customers_local")).toEqual(await live("crm.customers"));
    // The rows carry the run the console shows, and the ledger has the three files.
    expect(await env.rows(`select distinct _cdp_run as r from crm.customers`)).toEqual([
      { r: run!.id },
    ]);
    expect(
      await env.rows(
        `select file_key from _cdp.cdc_files where target_table = 'crm.customers' order by 1`,
      ),
    ).toEqual(files.map(([n]) => ({ file_key: `CRM/CUSTOMERS/${n}` })).sort(byKey));
    expect(await stagingTables()).toEqual([]);
    expect(await env.lake.list("staging/")).toEqual([]);
  });

  test("a second execution for an already-applied file changes nothing: NothingToApply; the same file dropped again is skipped by the ledger", async () => {
    const before = await live("crm.customers");
    const again = await event("dms/CRM/CUSTOMERS/20261101-1200000000.csv");
    expect(again.status).toBe("SUCCEEDED");
    expect(again.path).toEqual([S.plan, S.nextStep, S.nothingToApply]);
    expect(await runOf(again)).toBeNull();

    const content = await text("processed/dms/CRM/CUSTOMERS/20261101-1200000000.csv");
    await env.drop("CRM/CUSTOMERS", "20261101-1200000000.csv", content);
    const replay = await event("dms/CRM/CUSTOMERS/20261101-1200000000.csv");
    expect(replay.status, `${replay.error}: ${replay.cause}`).toBe("SUCCEEDED");
    expect(replay.path).not.toContain(S.apply);
    expect((await runOf(replay))!.stats).toMatchObject({ filesSkipped: 1, filesApplied: 0 });
    expect(await live("crm.customers")).toEqual(before);
    expect(await env.lake.list("dms/CRM/CUSTOMERS/")).toEqual([]);
  });

  test("rows failing a rule are quarantined: the rejects file and failure records come from the job's unloaded rows, the rest applies", async () => {
    await env.drop(
      "CRM/QUALITY",
      "LOAD00000001.csv",
      dmsCsv(COLS, [
        ["I", null, "1", "Ann", "ann@example.com", "1"],
        ["I", null, "2", "Bob", "bob@example.com", "2"],
        ["I", null, "3", "Cy", "not-an-email", "3"],
        ...(Array.from({ length: 20 }, (_, i) => [
          "I",
          null,
          String(i + 10),
          `N${i}`,
          `n${i}@example.com`,
          "1",
        ]) as never[]),
      ]),
    );
    const x = await event("dms/CRM/QUALITY/LOAD00000001.csv");
    expect(x.status, `${x.error}: ${x.cause}`).toBe("SUCCEEDED");
    const run = await runOf(x);
    expect(run!.stats).toMatchObject({
      rowsRead: 23,
      rowsQuarantined: 1,
      rejectsKeys: ["error/dms/CRM/QUALITY/LOAD00000001.rejects.csv"],
      tables: [expect.objectContaining({ inserted: 22, quarantined: 1 })],
    });
    expect((await failureSamples(env.ops.db, { runId: run!.id })).map((f) => f.rule)).toEqual([
      "email_format",
    ]);
    const rejects = await text("error/dms/CRM/QUALITY/LOAD00000001.rejects.csv");
    expect(rejects.split(/\r?\n/)[1]).toMatch(
      /^3,email_format,invalid_format,.*,I,.*,3,Cy,not-an-email,3,/,
    );
    expect((await listAlerts(env.ops.db))[0]).toMatchObject({ kind: "quarantine", runId: run!.id });
    expect(await env.lake.list("rejects/")).toEqual([]);
  });

  test("a file the Glue job fails on ends in ReportFailure: the file in error/dms/ with the reason, a failed run, the table untouched; the console's retry puts it back and applies it", async () => {
    await env.drop(
      "CRM/FAILING",
      "LOAD00000001.csv",
      dmsCsv(["ID", "NAME"], [["I", null, "1", "Ann"]]),
    );
    expect((await event("dms/CRM/FAILING/LOAD00000001.csv")).status).toBe("SUCCEEDED");
    const key = "dms/CRM/FAILING/20261101-1200000000.csv";
    await env.drop(
      "CRM/FAILING",
      "20261101-1200000000.csv",
      dmsCsv(["ID", "NAME", "TIER"], [["U", seq(1), "1", "Ann", "gold"]]),
    );
    // Between Plan and the job another writer adds the column the plan is about to add: the
    // apply's ALTER TABLE fails inside its transaction, so the Glue job fails.
    beforeApply = () =>
      env.warehouse.query(`ALTER TABLE crm.failing ADD COLUMN tier text`).then(() => {});
    const x = await event(key);
    expect(x.status).toBe("FAILED");
    expect(x.path.slice(-4)).toEqual([S.apply, S.applyFailed, S.reportFailure, S.failed]);
    expect(x.cause).toMatch(/^applying \(Glue job\) failed: .*tier/);
    expect(await env.rows(`select id, name, tier from crm.failing`)).toEqual([
      { id: 1, name: "Ann", tier: null },
    ]);
    const errorKey = "error/dms/CRM/FAILING/20261101-1200000000.csv";
    expect(await env.lake.exists(key)).toBe(false);
    expect(await text(`${errorKey}.reason.txt`)).toMatch(/applying \(Glue job\) failed/);
    expect(await stagingTables()).toEqual([]);
    const run = (await runOf(x))!;
    expect(run).toMatchObject({ status: "FAILED", error: expect.stringMatching(/tier/) });
    expect(run.stats).toMatchObject({ filesFailed: 1, failedFiles: [{ key, errorKey }] });
    expect((await listAlerts(env.ops.db))[0]).toMatchObject({ kind: "run_failed", runId: run.id });

    // The column goes again; the console retries: a new execution, the file put back and applied.
    await env.warehouse.query(`ALTER TABLE crm.failing DROP COLUMN tier`);
    const plan = cdcRetry.restart!({ input: objectCreated(key) as never, run });
    expect(plan.does).toBe(`puts ${errorKey} back into dms/ and applies dms/CRM/FAILING/ in order`);
    const retry = await execute(plan.input as Json);
    expect(retry.status, `${retry.error}: ${retry.cause}`).toBe("SUCCEEDED");
    expect(await env.rows(`select id, name, tier from crm.failing`)).toEqual([
      { id: 1, name: "Ann", tier: "gold" },
    ]);
    expect(await env.lake.exists(`processed/${key}`)).toBe(true);
    expect(await env.lake.exists(errorKey)).toBe(false);
  });

  test("a file that is not DMS output goes to error/dms/ with the reason and the table goes on: its run fails as FilesFailed, needing a fix", async () => {
    await env.drop("CRM/MIXED", "LOAD00000001.csv", "id,name\n1,Ann\n");
    await env.drop(
      "CRM/MIXED",
      "LOAD00000002.csv",
      dmsCsv(["ID", "NAME"], [["I", null, "2", "Bob"]]),
    );
    const x = await event("dms/CRM/MIXED/LOAD00000002.csv");
    expect(x.status).toBe("FAILED");
    expect(x.error).toBe(CdcError.filesFailed);
    expect(x.cause).toMatch(/1 file could not be applied; the others were\. .*no Op column/);
    expect(x.path.filter((s) => s === S.apply)).toHaveLength(1);
    expect(await env.rows(`select id, name from crm.mixed`)).toEqual([{ id: 2, name: "Bob" }]);
    expect(await text("error/dms/CRM/MIXED/LOAD00000001.csv.reason.txt")).toMatch(/no Op column/);
    const run = (await runOf(x))!;
    expect(run).toMatchObject({ status: "FAILED", failureClass: "needs_fix" });
    // Retried without a fix: the file is put back once, fails again, and stays in error/.
    const retry = await execute(
      cdcRetry.restart!({ input: objectCreated("dms/CRM/MIXED/LOAD00000002.csv") as never, run })
        .input as Json,
    );
    expect([retry.status, retry.error]).toEqual(["FAILED", CdcError.filesFailed]);
    expect(retry.path.filter((s) => s === S.plan)).toHaveLength(2);
    expect(await env.lake.exists("error/dms/CRM/MIXED/LOAD00000001.csv")).toBe(true);
    expect(await env.lake.exists("dms/CRM/MIXED/LOAD00000001.csv")).toBe(false);

    // A folder no warehouse table can be named after: the file goes to error/ and the run fails.
    await env.drop("CDP_STAGE/T", "LOAD00000001.csv", dmsCsv(["ID"], [["I", null, "1"]]));
    const bad = await event("dms/CDP_STAGE/T/LOAD00000001.csv");
    expect([bad.status, bad.error]).toEqual(["FAILED", CdcError.filesFailed]);
    expect(bad.cause).toMatch(/usable warehouse name/);
    expect(await text("error/dms/CDP_STAGE/T/LOAD00000001.csv.reason.txt")).toMatch(
      /usable warehouse name/,
    );
  });

  test("many executions asking for one table's turn at once: one takes it, the others are queued behind it", async () => {
    await env.drop("CRM/CROWD", "LOAD00000001.csv", dmsCsv(["ID"], [["I", null, "1"]]));
    const table = tableOfKey("dms/CRM/CROWD/LOAD00000001.csv")!;
    const turns = await Promise.all(
      Array.from({ length: 8 }, (_, i) => {
        const executionArn = `arn:aws:states:eu-west-1:123456789012:execution:cdp-test-cdc:crowd-${i}`;
        running.add(executionArn);
        return takeTurn(deps, {
          runId: runIdOfExecution(executionArn),
          executionArn,
          table,
          bucket: "cdp-lake",
          args: { path: table.folder },
        });
      }),
    );
    expect(turns.map((t) => t.kind).sort()).toEqual([
      "file",
      ...Array.from({ length: 7 }, () => "queued"),
    ]);
  });

  test("a run whose execution stopped without finishing no longer holds its table: the next execution fails it as interrupted and applies the files", async () => {
    const ghost = await insertRun(env.ops.db, {
      pipeline: "cdc",
      engine: "sfn",
      args: { path: "dms/CRM/GHOST/" },
      workKey: "cdc:dms/CRM/GHOST/",
      owner: "arn:aws:states:eu-west-1:123456789012:execution:cdp-test-cdc:stopped",
      status: "RUNNING",
    });
    await env.drop("CRM/GHOST", "LOAD00000001.csv", dmsCsv(["ID"], [["I", null, "1"]]));
    const x = await event("dms/CRM/GHOST/LOAD00000001.csv");
    expect(x.path.at(-1)).toBe(S.done);
    expect(await env.rows(`select id from crm.ghost`)).toEqual([{ id: 1 }]);
    expect(await getRun(env.ops.db, ghost.id)).toMatchObject({
      status: "FAILED",
      error: expect.stringMatching(/^Interrupted: .* took crm\.ghost over/),
    });
  });

  test("a run that has applied its share hands its table to a new execution, which applies the rest", async () => {
    for (const n of [1, 2, 3]) {
      await env.drop("CRM/LONG", `LOAD0000000${n}.csv`, dmsCsv(["ID"], [["I", null, String(n)]]));
    }
    deps = { ...deps, maxFilesPerExecution: 2 };
    try {
      const x = await execute(objectCreated("dms/CRM/LONG/LOAD00000001.csv"), "long");
      expect(x.path.filter((s) => s === S.apply)).toHaveLength(2);
      expect(x.path.at(-1)).toBe(S.done);
      expect(handedOn).toEqual([
        {
          name: "long-next-1",
          input: {
            detail: {
              bucket: { name: "cdp-lake" },
              object: { key: "dms/CRM/LONG/LOAD00000003.csv" },
            },
            continues: runIdOfExecution(x.executionArn),
          },
        },
      ]);
      const next = await execute(handedOn[0]!.input, "long-next-1");
      expect(next.path.filter((s) => s === S.apply)).toHaveLength(1);
      expect(await env.rows(`select id from crm.long order by 1`)).toEqual([
        { id: 1 },
        { id: 2 },
        { id: 3 },
      ]);
      const runs = await listRuns(env.ops.db, ListFilter.parse({ pipeline: ["cdc"] }));
      expect(runs.items.filter((r) => r.args.path === "dms/CRM/LONG/")).toHaveLength(2);
    } finally {
      deps = { ...deps, maxFilesPerExecution: undefined };
    }
  });

  async function text(key: string): Promise<string> {
    let out = "";
    for await (const c of await env.lake.get(key)) out += c;
    return out;
  }
});

const byKey = (a: { file_key: string }, b: { file_key: string }) =>
  a.file_key < b.file_key ? -1 : 1;
