// infra/stage.ts: which settings a deploy of each stage gets, and that every infra module takes its
// capacity and schedules from there rather than from a number of its own.
import { readdirSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, test, vi } from "vitest";
import {
  checkSettings,
  resolveStage,
  type StageSettings,
  stageSettings,
  stages,
} from "../../../infra/stage";

const root = (p: string) => new URL(`../../../${p}`, import.meta.url);

afterEach(() => vi.restoreAllMocks());

describe("stage resolution", () => {
  test("production keeps its resources on removal and protects them; dev and staging do not", () => {
    expect(resolveStage("production").settings).toMatchObject({ removal: "retain", protect: true });
    for (const name of ["dev", "staging"]) {
      expect(resolveStage(name).settings).toMatchObject({ removal: "remove", protect: false });
    }
  });

  test("each known stage gets its own settings, without a notice", () => {
    for (const name of ["dev", "staging", "production"] as const) {
      const r = resolveStage(name);
      expect(r.settingsOf).toBe(name);
      expect(r.notice).toBeUndefined();
      expect(r.settings.warehouse).toEqual(stages[name].warehouse);
    }
    expect(resolveStage("production").settings.warehouse.baseRpu).toBeGreaterThan(
      resolveStage("dev").settings.warehouse.baseRpu,
    );
  });

  test("an unknown stage (a personal one, a typo) gets dev's settings and the deploy says so once", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const r = resolveStage("prodution");
    expect(r.settingsOf).toBe("dev");
    expect(r.settings).toEqual(stages.dev);
    expect(r.notice).toMatch(/Stage "prodution" is not one of dev, staging, production/);
    expect(r.notice).toMatch(/dev's settings/);

    const name = `alice-${Date.now()}`;
    expect(stageSettings(name, {})).toEqual(stages.dev);
    stageSettings(name, {});
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain(`Stage "${name}"`);
    // The name is matched exactly: "Production" is not production.
    expect(resolveStage("Production").settings.protect).toBe(false);
  });

  test("CDP_ALERT_EMAIL adds recipients to the stage's, once each; a malformed one fails the deploy", () => {
    const r = resolveStage("staging", {
      CDP_ALERT_EMAIL: " data-ops@example.com, Oncall@example.com ,data-ops@EXAMPLE.com,",
    });
    expect(r.settings.alertEmails).toEqual(["data-ops@example.com", "Oncall@example.com"]);
    expect(stages.staging.alertEmails).toEqual([]);
    expect(() => resolveStage("dev", { CDP_ALERT_EMAIL: "ops@example.com; oncall" })).toThrow(
      /CDP_ALERT_EMAIL: "ops@example.com; oncall" is not an e-mail address/,
    );
  });
});

describe("stage settings AWS accepts", () => {
  test("every stage's capacity, schedule and recovery window are values AWS takes", () => {
    for (const [name, s] of Object.entries(stages)) {
      expect({ name, problems: checkSettings(s) }).toEqual({ name, problems: [] });
    }
  });

  test("a value AWS would refuse is named before anything is deployed", () => {
    const bad: StageSettings = {
      ...stages.dev,
      warehouse: { baseRpu: 12, maxRpu: 8 },
      opsDb: { minAcu: 0.3, maxAcu: 300 },
      glue: { dpu: 2, cdcConcurrentRuns: 0 },
      dms: { minDcu: 3, maxDcu: 16, multiAz: false },
      schedules: { segment: "0 2 * * *" },
      secretRecoveryDays: 3,
      protect: true,
      removal: "remove",
    };
    const problems = checkSettings(bad).join("\n");
    for (const expected of [
      /Redshift base capacity 12 RPU/,
      /Redshift max capacity 8 RPU/,
      /Aurora 0.3–300 ACU/,
      /Glue Python shell capacity 2 DPU/,
      /cdc concurrent runs 0/,
      /DMS 3–16 DCU/,
      /segment schedule "0 2 \* \* \*"/,
      /recovery window 3 days/,
      /protected stage must also retain/,
    ]) {
      expect(problems).toMatch(expected);
    }
  });
});

describe("infra reads its stage settings from infra/stage.ts", () => {
  const infra = readdirSync(root("infra"))
    .filter((f) => f.endsWith(".ts") && f !== "stage.ts")
    .map((f) => ({ f, src: readFileSync(root(`infra/${f}`), "utf8") }));

  test("no capacity, schedule or production switch is written in another infra file", () => {
    const literal = [
      /baseCapacity:\s*\d/,
      /maxCapacity:\s*[\d.]/,
      /maxConcurrentRuns:\s*[2-9]/,
      /(min|max)CapacityUnits:\s*\d/,
      /scaling:\s*\{\s*min:\s*"/,
      /scheduleExpression:\s*"/,
      /\$app\.stage\s*===\s*"production"/,
      /process\.env\.CDP_ALERT_EMAIL/,
    ];
    const found = infra.flatMap(({ f, src }) =>
      literal.filter((re) => re.test(src)).map((re) => `${f}: ${re}`),
    );
    expect(found).toEqual([]);
    const app = readFileSync(root("sst.config.ts"), "utf8");
    expect(app).toMatch(/const \{ removal, protect \} = resolveStage\(input\?\.stage/);
    // run() resolves the stage before any infra module, so the warning comes first.
    expect(app.indexOf("stageSettings($app.stage)")).toBeLessThan(
      app.indexOf('import("./infra/storage")'),
    );
  });

  test("each setting is read by the module that deploys it", () => {
    const reads = (file: string, path: string) =>
      infra.find((i) => i.f === file)?.src.includes(path) ?? false;
    expect(reads("warehouse.ts", "stageSettings($app.stage).warehouse.baseRpu")).toBe(true);
    expect(reads("database.ts", "stageSettings($app.stage).opsDb")).toBe(true);
    expect(reads("ingest.ts", "stageSettings($app.stage).glue.dpu")).toBe(true);
    expect(reads("cdc.ts", "stageSettings($app.stage).glue.cdcConcurrentRuns")).toBe(true);
    expect(reads("replication.ts", "settings.dms.multiAz")).toBe(true);
    expect(reads("ml.ts", "stageSettings($app.stage).schedules.segment")).toBe(true);
    expect(reads("alerts.ts", "stageSettings($app.stage).alertEmails")).toBe(true);
    expect(reads("console.ts", "stageSettings($app.stage).protect")).toBe(true);
  });
});
