// The `selftest` pipeline: checks that the ops store, warehouse and lake answer (job.ts).
import { z } from "zod";
import { pipeline } from "../pipeline";
import { selftestJob } from "./job";

export const selftest = pipeline({
  name: "selftest",
  description: "checks that the warehouse and the lake answer",
  args: z.looseObject({
    /** Pause between steps (ms, at most 10 s), to watch a run go by. */
    stepMs: z.number().int().min(0).optional(),
    /** Fail the first attempt on purpose (its retry succeeds). */
    fail: z.boolean().optional(),
  }),
  stats: z.looseObject({
    checks: z.number().int().default(0),
    elapsedMs: z.number().default(0),
  }),
  start: "button",
  job: (deps) => selftestJob(deps),
});
