// What differs between the stages, in one place (the original's dev / staging / prod .tfvars):
// capacity, alert e-mails, schedules, and whether removing the app keeps its data. Every infra
// module reads its numbers from here (`stageSettings($app.stage)`), as does sst.config.ts's app().
// A stage not named below (a developer's personal stage, a typo) gets dev's settings, and the
// deploy says so first (sst.config.ts's run() resolves the stage before any infra module). docs/delivery.md has the table in prose; docs/capacity.md why
// the numbers are what they are.
//
// Pure: no SST globals, so the tests check the table and the resolution
// (packages/functions/test/stage.test.ts).

export type StageName = "dev" | "staging" | "production";

export interface StageSettings {
  /** What `sst remove` does with the stage's resources (sst.config.ts app()). */
  removal: "remove" | "retain";
  /** `sst remove` refuses the stage; also the console's user pool's deletion protection. */
  protect: boolean;
  /** Redshift Serverless workgroup (infra/warehouse.ts): RPUs it starts from and may scale to. */
  warehouse: { baseRpu: number; maxRpu: number };
  /** Aurora Serverless v2 ops store (infra/database.ts); 0 pauses it when idle. */
  opsDb: { minAcu: number; maxAcu: number };
  /**
   * The Glue Python shell jobs (infra/ingest.ts, infra/cdc.ts): DPUs per run, and how many cdc
   * runs (different tables' files) may run at once. Ingest stays one run at a time: two files
   * of one table must never evolve it together.
   */
  glue: { dpu: number; cdcConcurrentRuns: number };
  /** DMS Serverless (infra/replication.ts): DCUs held while running, and the full load's ceiling. */
  dms: { minDcu: number; maxDcu: number; multiAz: boolean };
  /** Who gets the alert e-mails (SNS subscriptions; each confirms once). Plus CDP_ALERT_EMAIL. */
  alertEmails: string[];
  /** EventBridge Scheduler expressions, UTC (infra/ml.ts). */
  schedules: { segment: string };
  /** Days Secrets Manager keeps a deleted secret (0: at once, so a stage can be remade). */
  secretRecoveryDays: number;
}

export const stages: Record<StageName, StageSettings> = {
  dev: {
    removal: "remove",
    protect: false,
    warehouse: { baseRpu: 8, maxRpu: 16 },
    opsDb: { minAcu: 0, maxAcu: 2 },
    glue: { dpu: 0.0625, cdcConcurrentRuns: 2 },
    dms: { minDcu: 1, maxDcu: 4, multiAz: false },
    alertEmails: [],
    // Weekly: a developer rarely needs fresh segments, and each run is two SageMaker jobs.
    schedules: { segment: "cron(0 2 ? * MON *)" },
    secretRecoveryDays: 0,
  },
  staging: {
    removal: "remove",
    protect: false,
    warehouse: { baseRpu: 8, maxRpu: 64 },
    opsDb: { minAcu: 0, maxAcu: 4 },
    glue: { dpu: 0.0625, cdcConcurrentRuns: 4 },
    dms: { minDcu: 1, maxDcu: 16, multiAz: false },
    alertEmails: [],
    schedules: { segment: "cron(0 2 * * ? *)" },
    secretRecoveryDays: 0,
  },
  production: {
    removal: "retain",
    protect: true,
    warehouse: { baseRpu: 16, maxRpu: 128 },
    // Never paused: the console's first request after an idle night would wait for the resume.
    opsDb: { minAcu: 0.5, maxAcu: 8 },
    glue: { dpu: 0.0625, cdcConcurrentRuns: 4 },
    // A standby in another zone, as DMS recommends for ongoing replication.
    dms: { minDcu: 2, maxDcu: 32, multiAz: true },
    alertEmails: [],
    // 02:00 UTC, after the night's loads; a run takes minutes (two short SageMaker jobs).
    schedules: { segment: "cron(0 2 * * ? *)" },
    secretRecoveryDays: 30,
  },
};

export interface ResolvedStage {
  /** The stage deployed (as given). */
  name: string;
  /** The settings it gets: its own, or dev's. */
  settingsOf: StageName;
  settings: StageSettings;
  /** Set when the stage is not in the table: what the deploy prints. */
  notice?: string;
}

const isStageName = (name: string): name is StageName => Object.hasOwn(stages, name);

/**
 * The settings of stage `name`, with the alert e-mails of CDP_ALERT_EMAIL (comma-separated, from
 * the environment `sst deploy` runs in) added to the table's. Throws on an address that is not
 * one, and on a table entry AWS would refuse (checkSettings).
 */
export function resolveStage(
  name: string,
  env: Record<string, string | undefined> = {},
): ResolvedStage {
  const settingsOf: StageName = isStageName(name) ? name : "dev";
  const base = stages[settingsOf];
  const extra = (env.CDP_ALERT_EMAIL ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  for (const email of extra) {
    if (!/^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/.test(email)) {
      throw new Error(`CDP_ALERT_EMAIL: "${email}" is not an e-mail address`);
    }
  }
  const seen = new Set<string>();
  const alertEmails = [...base.alertEmails, ...extra].filter((e) => {
    const key = e.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const settings = { ...base, alertEmails };
  const problems = checkSettings(settings);
  if (problems.length) {
    throw new Error(`stage ${settingsOf}'s settings (infra/stage.ts): ${problems.join("; ")}`);
  }
  return {
    name,
    settingsOf,
    settings,
    notice:
      settingsOf === name
        ? undefined
        : `Stage "${name}" is not one of ${Object.keys(stages).join(", ")} (infra/stage.ts): it gets dev's settings — dev's capacity and schedules, removed with the app, not protected.`,
  };
}

/**
 * What AWS would refuse in a stage's settings, as readable problems (empty: none):
 * - Redshift Serverless base capacity: 4, or 8 to 512 in steps of 8 (1,024 in some regions,
 *   not used here); the maximum at least the base (Amazon Redshift Management Guide, "Compute
 *   capacity for Amazon Redshift Serverless");
 * - Aurora Serverless v2: 0 to 256 ACUs in steps of 0.5 (0: auto-pause);
 * - Glue Python shell: MaxCapacity 0.0625 or 1 DPU (Glue API, Job.MaxCapacity);
 * - DMS Serverless: DCUs from 1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384 (ComputeConfig).
 */
export function checkSettings(s: StageSettings): string[] {
  const problems: string[] = [];
  const { baseRpu, maxRpu } = s.warehouse;
  if (!(baseRpu === 4 || (baseRpu >= 8 && baseRpu <= 512 && baseRpu % 8 === 0))) {
    problems.push(`Redshift base capacity ${baseRpu} RPU is not 4 or a multiple of 8 up to 512`);
  }
  if (!(maxRpu >= baseRpu && maxRpu % 8 === 0)) {
    problems.push(`Redshift max capacity ${maxRpu} RPU is below the base or not a multiple of 8`);
  }
  const acu = (n: number) => n >= 0 && n <= 256 && Number.isInteger(n * 2);
  if (!acu(s.opsDb.minAcu) || !acu(s.opsDb.maxAcu) || s.opsDb.maxAcu < s.opsDb.minAcu) {
    problems.push(`Aurora ${s.opsDb.minAcu}–${s.opsDb.maxAcu} ACU is not within 0–256 in 0.5s`);
  }
  if (s.opsDb.maxAcu < 1) problems.push("Aurora max capacity must be at least 1 ACU");
  if (s.glue.dpu !== 0.0625 && s.glue.dpu !== 1) {
    problems.push(`Glue Python shell capacity ${s.glue.dpu} DPU is not 0.0625 or 1`);
  }
  if (!(Number.isInteger(s.glue.cdcConcurrentRuns) && s.glue.cdcConcurrentRuns >= 1)) {
    problems.push(`cdc concurrent runs ${s.glue.cdcConcurrentRuns} is not a positive integer`);
  }
  const dcus = [1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384];
  if (!dcus.includes(s.dms.minDcu) || !dcus.includes(s.dms.maxDcu)) {
    problems.push(`DMS ${s.dms.minDcu}–${s.dms.maxDcu} DCU is not among ${dcus.join(", ")}`);
  } else if (s.dms.maxDcu < s.dms.minDcu) {
    problems.push(`DMS max ${s.dms.maxDcu} DCU is below its min ${s.dms.minDcu}`);
  }
  if (!/^(cron|rate)\(.+\)$/.test(s.schedules.segment)) {
    problems.push(`segment schedule "${s.schedules.segment}" is not a cron() or rate() expression`);
  }
  if (s.secretRecoveryDays !== 0 && (s.secretRecoveryDays < 7 || s.secretRecoveryDays > 30)) {
    problems.push(`secret recovery window ${s.secretRecoveryDays} days is not 0 or 7–30`);
  }
  if (s.protect && s.removal !== "retain") {
    problems.push("a protected stage must also retain its resources on removal");
  }
  return problems;
}

const resolved = new Map<string, ResolvedStage>();

/**
 * This deploy's settings for `name` ($app.stage in infra modules, input.stage in app()), resolved
 * once per process with the environment's CDP_ALERT_EMAIL; the first call for an unknown stage
 * prints why it gets dev's settings.
 */
export function stageSettings(
  name: string,
  env: Record<string, string | undefined> = process.env,
): StageSettings {
  let r = resolved.get(name);
  if (!r) {
    r = resolveStage(name, env);
    resolved.set(name, r);
    if (r.notice) console.warn(`Warning: ${r.notice}`);
  }
  return r.settings;
}
