// The built-in `selftest` job: checks that the ops store, warehouse and lake answer, so a fresh
// install has something real to show and retry. `fail: true` injects a transient fault: the
// first attempt fails, its retry succeeds (what a flaky network call looks like).
import type { ObjectStore } from "../lake/lake";
import type { Job } from "../run/job";
import type { Warehouse } from "../warehouse/warehouse";

export interface SelftestDeps {
  warehouse(): Promise<Warehouse>;
  lake: ObjectStore;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function selftestJob(deps: SelftestDeps): Job {
  return {
    async run({ run, step }) {
      const pause = Math.min(Number(run.args.stepMs ?? 300), 10_000);
      const started = Date.now();
      const wh = await deps.warehouse();
      const [row] = await wh.query<{ ok: number }>("select 1 as ok");
      if (row?.ok !== 1) throw new Error("warehouse did not answer select 1");
      await step("warehouse answered");
      await sleep(pause);
      const key = `selftest/${run.id}.txt`;
      await deps.lake.put(key, `selftest ${run.id}\n`);
      const back = await deps.lake.exists(key);
      await deps.lake.delete(key);
      if (!back) throw new Error(`lake did not keep ${key}`);
      await step("lake write and read");
      await sleep(pause);
      if (run.args.fail === true && !run.retryOf) {
        return {
          status: "FAILED",
          error:
            "Injected fault (selftest --fail): the first attempt fails on purpose, as a transient error would. Retry it: the retry succeeds.",
        };
      }
      return { stats: { checks: 2, elapsedMs: Date.now() - started } };
    },
  };
}
