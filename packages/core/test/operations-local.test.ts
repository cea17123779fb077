// The operations behaviour on the local adapter: real runs of the selftest job on the local
// runner, with the ops store and warehouse on PGlite and on PostgreSQL.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { engineNames, makeOps, makeWarehouse } from "../../../test/support/engines";
import { localNotifier } from "../src/alert/alert";
import { localLake } from "../src/lake/local";
import { localMetrics } from "../src/metric/metric";
import type { Job } from "../src/run/job";
import { runLifecycle } from "../src/run/lifecycle";
import { localOperations } from "../src/run/local-operations";
import { LocalRunner } from "../src/run/local-runner";
import type { Info } from "../src/run/run";
import { selftestJob } from "../src/selftest/job";
import { type OperationsFixture, operationsBehaviour } from "./operations.behaviour";

async function localFixture(engine: (typeof engineNames)[number]): Promise<OperationsFixture> {
  const ops = await makeOps(engine);
  const warehouse = await makeWarehouse(engine);
  const dir = mkdtempSync(join(tmpdir(), "cdp-ops-"));
  const selftest = selftestJob({ warehouse: async () => warehouse, lake: localLake(dir) });
  // The selftest job with a work key, so "the same work is already running" can happen.
  const job: Job = {
    run: (ctx) => selftest.run(ctx),
    workKey: (args) => (typeof args.work === "string" ? args.work : undefined),
  };
  const lifecycle = runLifecycle({
    ops: ops.db,
    metrics: localMetrics(ops.db),
    notifier: localNotifier(ops.db),
  });
  const runner = new LocalRunner(
    lifecycle,
    { selftest: job, "selftest-nightly": job },
    { concurrency: 4 },
  );
  const operations = localOperations(ops.db, runner);
  let n = 0;
  const finished = async (pipeline: string, args: Record<string, unknown>) => {
    const run = await runner.submit(pipeline, { stepMs: 0, work: `work-${++n}`, ...args });
    return runner.wait(run.id);
  };
  const going = async (pipeline: string, args: Record<string, unknown>): Promise<Info> => {
    const run = await runner.submit(pipeline, { stepMs: 400, work: `work-${++n}`, ...args });
    for (let i = 0; i < 100; i++) {
      const now = await operations.get(run.id);
      if (now.status === "RUNNING") return now;
      await new Promise((r) => setTimeout(r, 10));
    }
    return run;
  };
  return {
    operations,
    pipelines: ["selftest", "selftest-nightly"],
    failedRun: (pipeline) => finished(pipeline, { fail: true }),
    succeededRun: (pipeline) => finished(pipeline, {}),
    runningRun: (pipeline) => going(pipeline, {}),
    // Same job, same work: the local runner refuses to run one work twice at once.
    runningTwinOf: (failed) => going(failed.pipeline, { work: failed.args.work }),
    retryAction: () => "rerun",
    settle: () => runner.idle(),
    async close() {
      await runner.idle();
      await warehouse.close();
      await ops.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

for (const engine of engineNames) {
  operationsBehaviour(
    `local operations adapter on ${engine} (real runs of the selftest job on the local runner)`,
    () => localFixture(engine),
    { throttlingNotApplicable: "the local runner has no API that throttles" },
  );
}
