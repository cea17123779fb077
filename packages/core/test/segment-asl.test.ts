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
import { SegmentStats } from "../src/segment/model";
import { modelKey, parseResults, type ResultRow } from "../src/segment/results-format";
import { SegmentState as S } from "../src/segment/sagemaker/asl";
import {
  mlKeys,
  parseScoreRecord,
  transformOutputs,
  transformRows,
} from "../src/segment/sagemaker/io";
import { type LocalSageMaker, localSageMaker } from "../src/segment/sagemaker/local-sagemaker";
import { runFolder, type SegmentMachineDeps, segmentRetry } from "../src/segment/sagemaker/machine";
import { csvRecords } from "../src/util/csv-read";
import type { Warehouse } from "../src/warehouse/warehouse";

const BUCKET = "cdp-lake";
const DAY = 86_400_000;
const AS_OF = "2026-11-30T00:00:00.000Z";
const daysBefore = (n: number) => new Date(Date.parse(AS_OF) - n * DAY);

/** A customer: id, days since the last purchase, orders, spend (null: missing), subscribed, tenure. */
type Customer = [string, number, number, number | null, boolean, number];

/**
 * Three groups of customers far apart in spend, orders and recency (features.ts's default
 * features, read from `public.customers`), an id UNLOAD has to quote, and one spend missing.
 */
function customers(): Customer[] {
  const rows: Customer[] = [];
  for (let i = 0; i < 20; i++)
    rows.push([`low-${i}`, 300 + i, 1 + (i % 2), 10 + (i % 5), false, 400]);
  for (let i = 0; i < 20; i++)
    rows.push([`mid-${i}`, 40 + i, 12 + (i % 3), 500 + (i % 7) * 3, true, 1000]);
  for (let i = 0; i < 19; i++)
    rows.push([`top-${i}`, 2 + (i % 3), 60 + (i % 4), 5000 + i * 10, true, 3000]);
  rows.push(['top-"vip", inc', 3, 61, 5100, true, 3000]);
  // No spend: imputed with the median spend (features.ts), or skipped with `missing: "skip"`.
  rows.push(["nospend-1", 300, 1, null, false, 400]);
  return rows;
}

const FEATURE_NAMES = ["recency_days", "frequency", "monetary", "engagement", "tenure_days"];

describe.each(engineNames)("the ML state machine executed locally on %s", (engine) => {
  let root: string;
  let lake: ReturnType<typeof localLake>;
  let warehouse: Warehouse;
  let ops: OpsStore;
  let deps: SegmentMachineDeps;
  let failTraining: string | null = null;

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
    };
    sagemaker = localSageMaker({ lake, bucket: BUCKET }, { failTraining: () => failTraining });
    handlers = segmentHandlers(() => deps, sagemaker);
    await warehouse.query(
      "CREATE TABLE public.customers (user_id text PRIMARY KEY, last_purchase_at timestamp, orders_count integer, total_spend numeric, is_subscribed boolean, signup_date date)",
    );
    for (const [id, recency, orders, spend, subscribed, tenure] of customers()) {
      await warehouse.query("INSERT INTO public.customers VALUES ($1, $2, $3, $4, $5, $6)", [
        id,
        daysBefore(recency).toISOString(),
        orders,
        spend,
        subscribed,
        daysBefore(tenure).toISOString().slice(0, 10),
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
    warehouse
      .query<{ user_id: string; segment: number; label: string; distance: number }>(
        "SELECT user_id, segment, label, distance FROM _cdp.segments WHERE run_id = $1 ORDER BY user_id",
        [runId],
      )
      .catch(() => []);

  test("a daily run segments every user on features.ts's features: one `_cdp.segments` row each, the same segment for a group, labels from explain.ts, a recorded run, the model, SageMaker's files", async () => {
    const x = await execute({ k: 3, asOf: AS_OF });
    expect(x.status, `${x.error}: ${x.cause}`).toBe("SUCCEEDED");
    expect(x.path).toEqual([S.export, S.train, S.createModel, S.transform, S.load, S.done]);
    const runId = runIdOfExecution(x.executionArn);

    // Every user, the one without a spend too (imputed with the median spend, as locally).
    const rows = await segmentsOf(runId);
    expect(rows).toHaveLength(61);
    const segmentOf = Object.fromEntries(rows.map((r) => [r.user_id, r.segment]));
    for (const group of ["low", "mid", "top"]) {
      const seen = new Set(rows.filter((r) => r.user_id.startsWith(group)).map((r) => r.segment));
      expect(seen.size, group).toBe(1);
    }
    expect(new Set(Object.values(segmentOf)).size).toBe(3);
    expect(segmentOf['top-"vip", inc']).toBe(segmentOf["top-0"]);
    expect(segmentOf["nospend-1"]).toBe(segmentOf["low-0"]);
    for (const r of rows) expect(Number(r.distance)).toBeGreaterThanOrEqual(0);

    // Labels in words (explain.ts), one per segment, all different, at most 80 characters.
    const labelOf = (id: string) => rows.find((r) => r.user_id === id)!.label;
    const labels = ["low-0", "mid-0", "top-0"].map(labelOf);
    expect(new Set(labels).size).toBe(3);
    for (const l of labels) {
      expect(l.length).toBeLessThanOrEqual(80);
      expect(l).not.toMatch(/^segment \d/);
    }
    expect(labelOf("top-0")).toMatch(/top spend \(5k\+\)|20\+ orders|bought this week/);
    expect(labelOf("low-0")).toMatch(/lapsed 180\+ days|one order or none|very low spend/);

    const run = await getRun(ops.db, runId);
    expect(run).toMatchObject({ pipeline: "segment", engine: "sfn", status: "SUCCEEDED" });
    const stats = run!.stats as Record<string, unknown>;
    expect(stats).toMatchObject({
      table: "customers",
      key: "user_id",
      rowsRead: 61,
      rowsImputed: 1,
      rowsSkipped: 0,
      rows: 61,
      k: 3,
      rowsLoaded: 61,
    });
    // Stats as a local run records them: the console and the API read both with one schema.
    const typed = SegmentStats.parse(stats);
    expect(typed.features.map((f) => f.name)).toEqual(FEATURE_NAMES);
    expect(typed.features.find((f) => f.name === "monetary")).toMatchObject({
      column: "customers.total_spend",
      missing: "median",
      missingCount: 1,
      imputed: 1,
      fill: 509,
      min: 10,
      max: 5180,
    });
    expect(typed).toMatchObject({ kChosenBy: "given", scale: "standard", alignedWith: null });
    expect(stats.featuresSkipped).toEqual([
      {
        name: "crm_spend",
        reason: "no table crm.customers (no Oracle data replicated yet: cdp cdc)",
      },
    ]);
    expect((stats.sizes as number[]).slice().sort((a, b) => a - b)).toEqual([20, 20, 21]);
    expect(stats.labels).toEqual([0, 1, 2].map((j) => rows.find((r) => r.segment === j)!.label));

    // The run is recorded beside the local runs': `_cdp.segment_runs`, and the latest view.
    const [recorded] = await warehouse.query<{ k: number; users: number; source: string }>(
      "SELECT k, users, source FROM _cdp.segment_runs WHERE run_id = $1",
      [runId],
    );
    expect(recorded).toMatchObject({ source: "customers" });
    expect(Number(recorded!.users)).toBe(61);
    const latest = await warehouse.query<{ run_id: string }>(
      "SELECT DISTINCT run_id FROM _cdp.segments_latest",
    );
    expect(latest).toEqual([{ run_id: runId }]);

    // The model: the centroids derived from the assignments place every user where SageMaker did,
    // at the distance stored, from the raw features (the model standardises them itself).
    const keys = mlKeys(runFolder(runId));
    expect(stats.modelKey).toBe(keys.model);
    expect(keys.model).toBe(modelKey(runId));
    const model = readModel(JSON.parse(await text(keys.model)));
    expect(model).toMatchObject({ k: 3, features: FEATURE_NAMES });
    expect(model.inertia).toBeCloseTo(stats.inertia as number, 9);
    // The missing spend became the median of the 60 others (PERCENTILE_CONT), as locally.
    const median = (stats.fills as Record<string, number>).monetary!;
    expect(median).toBe(509);
    for (const [id, recency, orders, spend, subscribed, tenure] of customers()) {
      const p = predict(model, [recency, orders, spend ?? median, subscribed ? 1 : 0, tenure]);
      const stored = rows.find((r) => r.user_id === id)!;
      expect(p.segment, id).toBe(stored.segment);
      expect(p.distance).toBeCloseTo(Number(stored.distance), 6);
    }

    // SageMaker's files: the artefact where SageMaker puts it, the joined transform output —
    // which the results parser (results-format.ts) reads as it reads a local run's results.
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
    for await (const r of transformRows(lake, keys.transform, 5)) joined.push(r);
    expect(joined).toHaveLength(61);
    const [out] = await transformOutputs(lake, keys.transform);
    const parsed: ResultRow[] = [];
    for await (const batch of parseResults(await lake.get(out!), { k: 3 })) parsed.push(...batch);
    expect(parsed.map((r) => [r.userId, r.segment])).toEqual(
      joined.map((r) => [r.userId, r.segment]),
    );
    // The exported features were the jobs' input: gone once loaded.
    expect(await lake.list(keys.features)).toEqual([]);
    // Last, the run's loaded marker: what starts the deployed Salesforce sync (infra/salesforce.ts).
    expect(JSON.parse(await text(keys.loaded))).toMatchObject({ runId, rows: 61, k: 3 });
    // And no scratch or staging table stays behind.
    expect(await scratchTables()).toEqual([]);
  });

  test("the scheduled input {} runs with the defaults, numbers the segments as the run before did, and records the drift", async () => {
    const [before] = await warehouse.query<{ run_id: string }>(
      "SELECT run_id FROM _cdp.segment_runs ORDER BY created_at DESC LIMIT 1",
    );
    const x = await execute({});
    expect(x.status, `${x.error}: ${x.cause}`).toBe("SUCCEEDED");
    const runId = runIdOfExecution(x.executionArn);
    const run = await getRun(ops.db, runId);
    expect(run!.stats).toMatchObject({
      k: 3,
      silhouette: expect.any(Number),
      alignedWith: before!.run_id,
      previousRunId: before!.run_id,
      moved: 0,
      stayed: 61,
    });
    const prev = Object.fromEntries(
      (await segmentsOf(before!.run_id)).map((r) => [r.user_id, r.segment]),
    );
    for (const r of await segmentsOf(runId)) expect(r.segment, r.user_id).toBe(prev[r.user_id]);
    expect(
      (x.taskInputs[S.train] as { HyperParameters: Record<string, string> }).HyperParameters,
    ).toMatchObject({ k: "3", feature_dim: "5", init_method: "kmeans++" });
  });

  test("missing: skip leaves the user without a spend out, counted", async () => {
    const x = await execute({ k: 3, missing: "skip" });
    expect(x.status, `${x.error}: ${x.cause}`).toBe("SUCCEEDED");
    const runId = runIdOfExecution(x.executionArn);
    const rows = await segmentsOf(runId);
    expect(rows).toHaveLength(60);
    expect(rows.map((r) => r.user_id)).not.toContain("nospend-1");
    expect((await getRun(ops.db, runId))!.stats).toMatchObject({
      rowsRead: 61,
      rowsSkipped: 1,
      rowsImputed: 0,
      rowsLoaded: 60,
    });
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
    const x = await executeLocally(
      segmentDefinition,
      { k: 2, scale: "none", asOf: AS_OF },
      watching,
      {
        stateMachineName: SEGMENT_MACHINE_NAME,
        executionName: "files",
      },
    );
    expect(x.status, `${x.error}: ${x.cause}`).toBe("SUCCEEDED");
    const trainLines = seen.train!.split("\n").filter(Boolean);
    expect(trainLines).toHaveLength(61);
    for (const line of trainLines) expect(line).toMatch(/^-?[\d.e+-]+(,-?[\d.e+-]+){4}$/);
    // recency_days, frequency, monetary, engagement, tenure_days: raw with scale none.
    expect(seen.score!.split("\n")[0]).toBe("low-0,300,1,10,0,400");
    expect(seen.score).toContain('"top-""vip"", inc",3,61,5100,1,3000\n');
    const records = [];
    for await (const r of csvRecords(Readable.from([seen.score!])))
      records.push(parseScoreRecord(r, 5, "score"));
    expect(records.find((r) => r.userId === 'top-"vip", inc')?.features).toEqual([
      3, 61, 5100, 1, 3000,
    ]);
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
    expect(await segmentsOf(runIdOfExecution(retry.executionArn))).toHaveLength(61);
  });

  test("a feature the table cannot give fails in Export: a failed run that needs a fix, before any SageMaker job", async () => {
    const x = await execute({ k: 2, features: ["loyalty", "monetary"] });
    expect(x.status).toBe("FAILED");
    expect(x.path).toEqual([S.export, S.exportFailed, S.reportFailure, S.failed]);
    expect(x.cause).toBe(
      "exporting the features failed: feature loyalty: customers has no column loyalty_tier",
    );
    const run = await getRun(ops.db, runIdOfExecution(x.executionArn));
    expect(run).toMatchObject({ status: "FAILED", failureClass: "needs_fix" });
    expect(await scratchTables()).toEqual([]);
  });

  /** Export's `_cdp.segment_<work>`, the feature and results stages in cdp_stage. */
  const scratchTables = async () =>
    (
      await warehouse.query<{ table_schema: string; table_name: string }>(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('_cdp', 'cdp_stage')",
      )
    )
      .map((r) => `${r.table_schema}.${r.table_name}`)
      .filter((t) => !["_cdp.segments", "_cdp.segment_runs", "_cdp.segments_latest"].includes(t));

  async function text(key: string): Promise<string> {
    let out = "";
    for await (const c of await lake.get(key)) out += c;
    return out;
  }
});
