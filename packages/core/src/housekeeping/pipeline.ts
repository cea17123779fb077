// The `housekeeping` pipeline: lake retention and orphaned staging tables (job.ts); the local
// scheduler runs it daily.
import { z } from "zod";
import { pipeline } from "../pipeline";
import { housekeepingJob, RETENTION_DAYS } from "./job";

export const housekeeping = pipeline({
  name: "housekeeping",
  description: `deletes lake files older than the retention (${RETENTION_DAYS} days) and orphaned staging tables`,
  args: z.looseObject({ retentionDays: z.number().int().min(1).optional() }),
  stats: z.looseObject({
    expired: z.number().int().default(0),
    stagingTablesDropped: z.number().int().default(0),
  }),
  start: "button",
  counts: ({ stats }) =>
    `${Number(stats.expired ?? 0)} files expired · ${Number(stats.stagingTablesDropped ?? 0)} staging tables dropped`,
  schedule: { everyMs: 24 * 3_600_000, firstAfterMs: 10 * 60_000 },
  job: (deps) => housekeepingJob(deps),
});
