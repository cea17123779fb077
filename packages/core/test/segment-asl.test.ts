// The ML state machine (its definition: segment-asl-definition.test.ts) executed locally: the
// Lambdas are their real steps on a lake folder and a real warehouse (PGlite and PostgreSQL), the
// SageMaker tasks are the local k-means twin writing SageMaker's files. A users table goes in; an
// operator sees one `segments` row per user, a recorded run, the model, and — when a job fails —
// a failed run that says why, and a retry that works.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames, makeOps, makeWarehouse } from "../../../test/support/engines";
import {
  type Execution,
  executeLocally,
  type Json,
  type TaskHandler,
} from "../../../test/support/local-sfn";
import {
  SEGMENT_MACHINE_NAME,
  segmentDefinition,
  segmentHandlers,
} from "../../../test/support/segment-machine";
import { listAlerts, localNotifier } from "../src/alert/alert";
import { localLake } from "../src/lake/local";
import { localMetrics } from "../src/metric/metric";
import type { OpsStore } from "../src/ops/db";
import { runIdOfExecution } from "../src/run/aws/ids";
import { getRun } from "../src/run/store";
import { predict, readModel } from "../src/segment/kmeans";
import { SegmentState as S } from "../src/segment/sagemaker/asl";
import { mlKeys, parseScoreRecord, transformRows } from "../src/segment/sagemaker/io";
import { type LocalSageMaker, localSageMaker } from "../src/segment/sagemaker/local-sagemaker";
import { runFolder, type SegmentMachineDeps, segmentRetry } from "../src/segment/sagemaker/machine";
import { csvRecords } from "../src/util/csv-read";
import type { Warehouse } from "../src/warehouse/warehouse";

const BUCKET = "cdp-lake";

/** Three groups of customers far apart in spend, orders and recency, and two awkward rows. */
function users(): [string, number | null, number, number][] {
  const rows: [string, number | null, number, number][] = [];
  for (let i = 0; i < 20; i++) rows.push([`low-${i}`, 10 + (i % 5), 1 + (i % 2), 300 + i]);
  for (let i = 0; i < 20; i++) rows.push([`mid-${i}`, 500 + (i % 7) * 3, 12 + (i % 3), 40 + i]);
  for (let i = 0; i < 19; i++) rows.push([`top-${i}`, 5000 + i * 10, 60 + (i % 4), 2 + (i % 3)]);
  // An id UNLOAD has to quote, in the top group.
  rows.push(['top-"vip", inc', 5100, 61, 3]);
  // No spend: counted and skipped, never a segment.
  rows.push(["nospend-1", null, 3, 100]);
  return rows;
}

const FEATURES = `SELECT user_id, CAST(spend AS FLOAT8) AS spend, orders, days_since_order FROM crm.users`;

describe.each(engineNames)("the ML state machine executed locally on %s", (engine) => {
  let root: string;
  let lake: ReturnType<typeof localLake>;
  let warehouse: Warehouse;
  let ops: OpsStore;
  let deps: SegmentMachineDeps;
  let failTraining: string | null = null;
  let featureQuery = FEATURES;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "cdp-segment-"));
    lake = localLake(join(root, "lake"));
    warehouse = await makeWarehouse(engine);
    ops = await makeOps(engine);
    deps = {
      lake,
      warehouse,
      ops: ops.db,
      notifier: localNotifier(ops.db),
      metrics: localMetrics(ops.db),
      bucket: BUCKET,
      featureSelect: () => featureQuery,
    };
    sagemaker = localSageMaker({ lake, bucket: BUCKET }, { failTraining: () => failTraining });
    handlers = segmentHandlers(() => deps, sagemaker);
    await warehouse.query("CREATE SCHEMA crm");
    await warehouse.query(
      "CREATE TABLE crm.users (user_id text PRIMARY KEY, spend numeric, orders integer, days_since_order integer)",
    );
    for (const [id, spend, orders, days] of users()) {
      await warehouse.query("INSERT INTO crm.users VALUES ($1, $2, $3, $4)", [
        id,
        spend,
        orders,
        days,
      ]);
    }
  });
  afterAll(async () => {
    await warehouse.close();
    await ops.close();
    rmSync(root, { recursive: true, force: true });
  });

  let sagemaker: LocalSageMaker;
  let handlers: Record<string, TaskHandler>;
  let n = 0;
  const execute = (input: Json, name = `daily-${++n}`): Promise<Execution> =>
    executeLocally(segmentDefinition, input, handlers, {
      stateMachineName: SEGMENT_MACHINE_NAME,
      executionName: name,
    });
  const segmentsOf = (runId: string) =>
    warehouse.query<{ user_id: string; segment: number; label: string; distance: number }>(
      "SELECT user_id, segment, label, distance FROM public.segments WHERE run_id = $1 ORDER BY user_id",
      [runId],
    );

  test("a daily run segments every user: one `segments` row each, the same segment for a group, a recorded run, the model, SageMaker's files", async () => {
    const x = await execute({ k: 3 });
    expect(x.status, `${x.error}: ${x.cause}`).toBe("SUCCEEDED");
    expect(x.path).toEqual([S.export, S.train, S.createModel, S.transform, S.load, S.done]);
    const runId = runIdOfExecution(x.executionArn);

    const rows = await segmentsOf(runId);
    expect(rows).toHaveLength(60);
    expect(rows.map((r) => r.user_id)).not.toContain("nospend-1");
    const segmentOf = Object.fromEntries(rows.map((r) => [r.user_id, r.segment]));
    for (const group of ["low", "mid", "top"]) {
      const seen = new Set(rows.filter((r) => r.user_id.startsWith(group)).map((r) => r.segment));
      expect(seen.size, group).toBe(1);
    }
    expect(new Set(Object.values(segmentOf)).size).toBe(3);
    expect(segmentOf['top-"vip", inc']).toBe(segmentOf["top-0"]);
    for (const r of rows) {
      expect(r.label).toBe(`segment ${r.segment}`);
      expect(Number(r.distance)).toBeGreaterThanOrEqual(0);
    }

    const run = await getRun(ops.db, runId);
    expect(run).toMatchObject({ pipeline: "segment", engine: "sfn", status: "SUCCEEDED" });
    const stats = run!.stats as Record<string, unknown>;
    expect(stats).toMatchObject({ rowsRead: 61, rowsSkipped: 1, rows: 60, k: 3, rowsLoaded: 60 });
    expect((stats.sizes as number[]).slice().sort((a, b) => a - b)).toEqual([20, 20, 20]);

    // The model: the centroids derived from the assignments place every user where SageMaker did,
    // at the distance stored, from the raw features (the model standardises them itself).
    const keys = mlKeys(runFolder(runId));
    expect(stats.modelKey).toBe(keys.model);
    const model = readModel(JSON.parse(await text(keys.model)));
    expect(model).toMatchObject({ k: 3, features: ["spend", "orders", "days_since_order"] });
    expect(model.inertia).toBeCloseTo(stats.inertia as number, 9);
    for (const [id, spend, orders, days] of users().filter((u) => u[1] !== null)) {
      const p = predict(model, [spend!, orders, days]);
      const stored = rows.find((r) => r.user_id === id)!;
      expect(p.segment, id).toBe(stored.segment);
      expect(p.distance).toBeCloseTo(Number(stored.distance), 9);
    }

    // SageMaker's files: the artefact where SageMaker puts it, the joined transform output.
    expect(await lake.list(keys.models)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          key: expect.stringMatching(
            /^ml\/models\/.+\/cdp-test-segment-[a-z0-9]+\/output\/model\.tar\.gz$/,
          ),
        }),
      ]),
    );
    const joined = [];
    for await (const r of transformRows(lake, keys.transform, 3)) joined.push(r);
    expect(joined).toHaveLength(60);
    expect(joined.find((r) => r.userId === 'top-"vip", inc')?.segment).toBe(segmentOf["top-0"]);
    // The exported features were the jobs' input: gone once loaded.
    expect(await lake.list(keys.features)).toEqual([]);
    // And no scratch table stays behind.
    expect(await scratchTables()).toEqual([]);
  });

  test("the exported files are what SageMaker reads: training lines of features only, scoring lines led by the id, UNLOAD's quoting", async () => {
    const seen: Record<string, string> = {};
    const watching = segmentHandlers(() => deps, {
      ...sagemaker,
      async createTrainingJob(req) {
        const [channel] = req.InputDataConfig as {
          DataSource: { S3DataSource: { S3Uri: string } };
        }[];
        const uri = channel!.DataSource.S3DataSource.S3Uri;
        const prefix = uri.replace(`s3://${BUCKET}/`, "");
        seen.train = await text(`${prefix}part_000`);
        seen.score = await text(`${prefix.replace(/train\/$/, "score/")}part_000`);
        return sagemaker.createTrainingJob(req);
      },
    });
    const x = await executeLocally(segmentDefinition, { k: 2, scale: "none" }, watching, {
      stateMachineName: SEGMENT_MACHINE_NAME,
      executionName: "files",
    });
    expect(x.status, `${x.error}: ${x.cause}`).toBe("SUCCEEDED");
    const trainLines = seen.train!.split("\n").filter(Boolean);
    expect(trainLines).toHaveLength(60);
    for (const line of trainLines) expect(line).toMatch(/^-?[\d.e+-]+,-?[\d.e+-]+,-?[\d.e+-]+$/);
    expect(seen.score!.split("\n")[0]).toBe("low-0,10,1,300");
    expect(seen.score).toContain('"top-""vip"", inc",5100,61,3\n');
    const records = [];
    for await (const r of csvRecords(Readable.from([seen.score!])))
      records.push(parseScoreRecord(r, 3, "score"));
    expect(records.find((r) => r.userId === 'top-"vip", inc')?.features).toEqual([5100, 61, 3]);
  });

  test("k auto chooses the number of segments by silhouette on a sample before training", async () => {
    const x = await execute({});
    expect(x.status, `${x.error}: ${x.cause}`).toBe("SUCCEEDED");
    const run = await getRun(ops.db, runIdOfExecution(x.executionArn));
    expect(run!.stats).toMatchObject({ k: 3, silhouette: expect.any(Number) });
    expect(
      (x.taskInputs[S.train] as { HyperParameters: Record<string, string> }).HyperParameters,
    ).toMatchObject({
      k: "3",
      feature_dim: "3",
      init_method: "kmeans++",
    });
  });

  test("a training job that fails ends in ReportFailure: a failed run saying why, an alert, no segments, no scratch table; the console's retry runs it anew", async () => {
    failTraining = "AlgorithmError: the training data is not valid CSV";
    let x: Execution;
    try {
      x = await execute({ k: 3 }, "nightly");
    } finally {
      failTraining = null;
    }
    expect(x.status).toBe("FAILED");
    expect(x.path.slice(-4)).toEqual([S.train, S.trainFailed, S.reportFailure, S.failed]);
    expect(x.error).toBe("States.TaskFailed");
    expect(x.cause).toBe(
      "training (SageMaker) failed: AlgorithmError: the training data is not valid CSV",
    );
    const runId = runIdOfExecution(x.executionArn);
    const run = await getRun(ops.db, runId);
    expect(run).toMatchObject({
      status: "FAILED",
      failureClass: "transient",
      error: "training (SageMaker) failed: AlgorithmError: the training data is not valid CSV",
    });
    expect((await listAlerts(ops.db))[0]).toMatchObject({ kind: "run_failed", runId });
    expect(await segmentsOf(runId)).toEqual([]);
    expect(await scratchTables()).toEqual([]);

    expect(segmentRetry.redrive).toBe(false);
    const plan = segmentRetry.restart!({ input: { k: 3 }, run: run! });
    const retry = await execute(plan.input as Json, "nightly-retry-1");
    expect(retry.status, `${retry.error}: ${retry.cause}`).toBe("SUCCEEDED");
    expect(await segmentsOf(runIdOfExecution(retry.executionArn))).toHaveLength(60);
  });

  test("a feature query that gives text after the key fails in Export: a failed run that needs a fix, before any SageMaker job", async () => {
    featureQuery = "SELECT user_id, user_id AS name FROM crm.users";
    let x: Execution;
    try {
      x = await execute({ k: 2 });
    } finally {
      featureQuery = FEATURES;
    }
    expect(x.status).toBe("FAILED");
    expect(x.path).toEqual([S.export, S.exportFailed, S.reportFailure, S.failed]);
    expect(x.cause).toMatch(
      /^exporting the features failed: the feature query must give numbers after the key column: name is text/,
    );
    const run = await getRun(ops.db, runIdOfExecution(x.executionArn));
    expect(run).toMatchObject({ status: "FAILED", failureClass: "needs_fix" });
    expect(await scratchTables()).toEqual([]);
  });

  const scratchTables = () =>
    warehouse.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = '_cdp' AND table_name LIKE 'segment_%'",
    );

  async function text(key: string): Promise<string> {
    let out = "";
    for await (const c of await lake.get(key)) out += c;
    return out;
  }
});
