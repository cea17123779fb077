// Every AWS call the deployed Salesforce sync makes, checked against the IAM policy of the role that
// makes it — as segment-iam.test.ts does for flow 5. A loaded segmentation's marker starts the sync
// state machine (as the EventBridge rule's role); its Lambdas run as deployed (Resource links, the
// Salesforce secret through Parameter Store's Secrets Manager reference, the Redshift Data API, the
// ops store through the RDS Data API, S3 for a dry run's outbox, SNS), Salesforce being the HTTP
// double on 127.0.0.1. All AWS clients are mocked (no AWS here); each call is evaluated by
// iam-simulate against the policy built from the core builders infra/salesforce.ts uses — and the
// calls the sync must never be allowed (another flow's secret, the ML files, a marker of its own)
// are denied.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { retentionOf } from "@cdp/core/lake/retention";
import { secretReference } from "@cdp/core/secrets/aws";
import { SyncState as S, syncStateMachine } from "@cdp/core/sync/aws/asl";
import {
  syncLakeStatements,
  syncMachineRoleStatements,
  syncRuleStatements,
  syncSecretStatements,
} from "@cdp/core/sync/aws/iam";
import { SyncStats } from "@cdp/core/sync/model";
import { bucketArn, type PolicyDocument, policyDocument, type Statement } from "@cdp/core/util/iam";
import { openPglite, pgliteWarehouse } from "@cdp/core/warehouse/pglite";
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { fakeNotifications, fakeS3, Recorder } from "../../../test/support/aws-record";
import { fakeRdsData, fakeRedshiftData } from "../../../test/support/aws-sql-fakes";
import * as stage from "../../../test/support/iam-deployment";
import {
  awsCall,
  denials,
  describeDenial,
  iamMappings,
  wildcards,
} from "../../../test/support/iam-eval";
import {
  asLambdaInvoke,
  type Execution,
  executeLocally,
  type Json,
} from "../../../test/support/local-sfn";
import { SalesforceDouble } from "../../../test/support/salesforce-double";
import {
  doubleSecrets,
  makeUsers,
  writeCustomers,
  writeSegmentRun,
} from "../../../test/support/sync";
import { loadedEvent } from "../../../test/support/sync-machine";

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const { place } = stage;
const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${place.region}:${place.account}:${resource}`;

// The sync flow's part of the stage (infra/salesforce.ts), beside test/support/iam-deployment.ts's.
const MACHINE_NAME = "cdp-test-sync";
const MACHINE_ARN = arn("states", `stateMachine:${MACHINE_NAME}`);
const SECRET_NAME = "cdp-test-salesforce";
const SECRET_ARN = arn("secretsmanager", `secret:${SECRET_NAME}-Qw12Er`);
/** Another flow's secret the sync must not read (and its name, for a reference to it). */
const ORACLE_SECRET_NAME = "OracleConnection-1a2b3c4";
const FUNCTION_ARNS = {
  SyncSalesforce: arn("lambda", "function:cdp-test-SyncSalesforce-x1"),
  SyncFailure: arn("lambda", "function:cdp-test-SyncFailure-x1"),
};
const lake = bucketArn(stage.BUCKET);
const syncLinks = [
  "SyncLake",
  "Warehouse",
  "OpsStore",
  "AlertWebhookUrl",
  "Alerts",
  "SalesforceSecret",
];
const links: Record<string, { properties: Record<string, unknown>; statements: Statement[] }> = {
  ...stage.links,
  SyncLake: {
    properties: { name: stage.BUCKET },
    statements: syncLakeStatements({ bucketArn: lake }),
  },
  SalesforceSecret: {
    properties: { name: SECRET_NAME, arn: SECRET_ARN },
    statements: syncSecretStatements({ ...place, secretArn: SECRET_ARN, secretName: SECRET_NAME }),
  },
};
const functionPolicy = () => syncLinks.flatMap((l) => links[l]!.statements);
const serviceRoles = {
  SyncMachineRole: syncMachineRoleStatements({ functionArns: Object.values(FUNCTION_ARNS) }),
  SyncLoadedRuleRole: syncRuleStatements({ stateMachineArn: MACHINE_ARN }),
};
const roles = [...Object.keys(FUNCTION_ARNS), ...Object.keys(serviceRoles)];
const policies: Record<string, PolicyDocument> = {
  ...Object.fromEntries(
    Object.keys(FUNCTION_ARNS).map((f) => [f, policyDocument(functionPolicy())]),
  ),
  ...Object.fromEntries(Object.entries(serviceRoles).map(([r, s]) => [r, policyDocument(s)])),
  OpsMigrate: policyDocument(stage.roleStatements().OpsMigrate!),
};

// A Secrets Manager reference is two requests: Parameter Store's, and the secret's own, made with
// the caller's credentials ("Parameter Store honors IAM policies attached to Secrets Manager
// secrets"; Systems Manager User Guide, integration-ps-secretsmanager).
const secretArnByName: Record<string, string> = {
  [SECRET_NAME]: SECRET_ARN,
  [ORACLE_SECRET_NAME]: stage.ORACLE_SECRET,
};
const getParameter = iamMappings.ssm!.GetParameter!;
iamMappings.ssm!.GetParameter = (i, d, call) => {
  const name = String(i.Name);
  const referenced = name.startsWith(secretReference(""))
    ? name.slice(secretReference("").length)
    : null;
  return [
    ...getParameter(i, d, call),
    ...(referenced === null
      ? []
      : [
          {
            action: "secretsmanager:GetSecretValue",
            resource: secretArnByName[referenced] ?? arn("secretsmanager", `secret:${referenced}`),
          },
        ]),
  ];
};

const rec = new Recorder();
const linked: Record<string, unknown> = {};
(globalThis as { __SST_RESOURCE_RAW__?: object }).__SST_RESOURCE_RAW__ = linked;
function runAs<T>(fn: string, links_: string[], work: () => Promise<T>): Promise<T> {
  return rec.as(fn, async () => {
    for (const k of Object.keys(linked)) delete linked[k];
    linked.App = { name: "cdp", stage: "test" };
    for (const l of links_) linked[l] = links[l]!.properties;
    return work();
  });
}

const definition = syncStateMachine({
  syncFunctionArn: FUNCTION_ARNS.SyncSalesforce,
  failureFunctionArn: FUNCTION_ARNS.SyncFailure,
});

describe("every AWS call the deployed Salesforce sync makes is allowed to the role that makes it (AWS SDK mocked; IAM evaluated by iam-simulate)", () => {
  let warehouseDb: PGlite;
  let opsDb: PGlite;
  let s3: ReturnType<typeof fakeS3>;
  let sf: SalesforceDouble;
  const executions: Record<string, Execution> = {};
  const stubs: { restore(): void }[] = [];

  beforeAll(async () => {
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, "write").mockImplementation(
      ((chunk: unknown, ...rest: never[]) =>
        String(chunk).startsWith('{"_aws"') || write(chunk as string, ...rest)) as never,
    );
    process.env.AWS_REGION = place.region;
    process.env.LAMBDA_TASK_ROOT = root("packages/core");
    [warehouseDb, opsDb, sf] = await Promise.all([
      openPglite(),
      openPglite(),
      SalesforceDouble.start(),
    ]);
    s3 = fakeS3(rec, stage.BUCKET);
    // Parameter Store as the functions see it; the secret has no value until the operator puts one.
    const parameters: Record<string, string> = {
      [stage.CONSOLE_URL_PARAMETER]: "https://console.example.com",
    };
    const notifications = fakeNotifications(rec, parameters);
    stubs.push(
      s3.stub,
      notifications.sns,
      notifications.ssm,
      fakeRedshiftData(rec, { db: warehouseDb, s3, roleNames: {} }),
      fakeRdsData(rec, opsDb),
    );
    // The segmentation's output contract, as the ML machine's Load step leaves it.
    const wh = pgliteWarehouse(warehouseDb);
    const users = makeUsers(6);
    await writeCustomers(wh, users);
    await writeSegmentRun(wh, { runId: "seg_1", createdAt: "2026-11-01T02:10:00.000Z", users });

    const migrate = (await import("../src/handlers/ops-migrate")).handler;
    const handlers = {
      sync: (await import("../src/handlers/sync")).handler,
      failure: (await import("../src/handlers/sync-failure")).handler,
    };
    await runAs("OpsMigrate", ["OpsStore"], () => migrate());

    const lambda =
      (fn: keyof typeof FUNCTION_ARNS, handler: (payload: never) => Promise<unknown>) =>
      async (input: Json) => {
        const i = input as { FunctionName: string; Payload: never };
        await rec.as("SyncMachineRole", async () => rec.record("lambda", "Invoke", i));
        return asLambdaInvoke(runAs(fn, syncLinks, () => handler(i.Payload)));
      };
    const bound = {
      [S.sync]: lambda("SyncSalesforce", handlers.sync as never),
      [S.reportFailure]: lambda("SyncFailure", handlers.failure as never),
    };
    async function started(name: string, input: Json) {
      await rec.as("SyncLoadedRuleRole", async () =>
        rec.record("states", "StartExecution", { stateMachineArn: MACHINE_ARN }),
      );
      executions[name] = await executeLocally(definition, input, bound, {
        stateMachineName: MACHINE_NAME,
        executionName: name,
      });
    }
    const marker = loadedEvent("ml/segments/_loaded/seg_1.json", stage.BUCKET);
    // No value in the secret yet: a dry run to the outbox.
    await started("loaded-1", marker);
    // The operator puts the credentials (aws secretsmanager put-secret-value): a live sync.
    parameters[secretReference(SECRET_NAME)] = JSON.stringify(doubleSecrets(sf));
    await started("loaded-2", marker);
    // Input the sync cannot read: the Lambda fails, ReportFailure records it and alerts.
    await started("by-hand", { target: "hubspot" });
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    for (const s of stubs) s.restore();
    await sf?.close();
    await warehouseDb?.close();
    await opsDb?.close();
  });

  test("the runs went as an operator would see them: a dry run before the secret had a value, a live sync after, a failure reported", async () => {
    const stats = (name: string) =>
      SyncStats.parse((executions[name]!.output as { sync: { summary: object } }).sync.summary);
    expect(executions["loaded-1"]?.path.at(-1), executions["loaded-1"]?.cause ?? "").toBe(S.done);
    expect(stats("loaded-1")).toMatchObject({ mode: "dry_run", sent: 6 });
    expect(executions["loaded-2"]?.path.at(-1), executions["loaded-2"]?.cause ?? "").toBe(S.done);
    expect(stats("loaded-2")).toMatchObject({ mode: "live", sent: 6, created: 6, failed: 0 });
    expect(sf.records().size).toBe(6);
    expect(executions["by-hand"]).toMatchObject({ status: "FAILED" });
    expect(executions["by-hand"]!.path).toEqual([S.sync, S.reportFailure, S.failed]);
    expect(rec.calls.some((c) => c.principal === "SyncFailure" && c.service === "sns")).toBe(true);
    // The secret was read by its reference, decrypted, by the sync function only.
    expect(
      rec.calls
        .filter((c) => c.service === "ssm" && String(c.input.Name).includes("secretsmanager"))
        .map((c) => [c.principal, c.input.Name, c.input.WithDecryption]),
    ).toContainEqual(["SyncSalesforce", secretReference(SECRET_NAME), true]);
  });

  test.each(roles)("%s: every call it made is allowed by its policy", async (role) => {
    const made = rec.calls.filter((c) => c.principal === role);
    expect(made.length, `${role} made no call: the flow above doesn't exercise it`).toBeGreaterThan(
      0,
    );
    const denied = await denials(made, policies, stage.deployment);
    expect(denied.map(describeDenial)).toEqual([]);
  });

  test("nothing broader: another flow's secret, the ML files, a marker of its own, another machine — denied", async () => {
    const call = awsCall;
    const refused = [
      // Only its own secret: not the Oracle connection DMS reads, by reference or directly.
      call("SyncSalesforce", "ssm", "GetParameter", { Name: secretReference(ORACLE_SECRET_NAME) }),
      call("SyncSalesforce", "secretsmanager", "GetSecretValue", { SecretId: stage.ORACLE_SECRET }),
      // It reads the segments from the warehouse, never the ML files; and cannot start itself.
      call("SyncSalesforce", "s3", "GetObject", {
        Bucket: stage.BUCKET,
        Key: "ml/segments/r/transform/part_000.out",
      }),
      call("SyncSalesforce", "s3", "PutObject", {
        Bucket: stage.BUCKET,
        Key: "ml/segments/_loaded/r.json",
      }),
      call("SyncSalesforce", "s3", "PutObject", { Bucket: stage.BUCKET, Key: "inbox/x.csv" }),
      // The machine invokes its own Lambdas; the rule starts this machine only.
      call("SyncMachineRole", "lambda", "Invoke", {
        FunctionName: stage.CDC_FUNCTION_ARNS.CdcPlan,
      }),
      call("SyncLoadedRuleRole", "states", "StartExecution", {
        stateMachineArn: stage.SEGMENT_MACHINE_ARN,
      }),
    ];
    for (const c of refused) {
      const denied = await denials([c], policies, stage.deployment);
      expect(
        denied.length,
        `${c.principal} ${c.service}:${c.operation} ${JSON.stringify(c.input)}`,
      ).toBeGreaterThan(0);
    }
    // A reference to another secret is refused twice over: by Parameter Store and by the secret.
    const viaReference = await denials([refused[0]!], policies, stage.deployment);
    expect(viaReference.map((d) => d.action).sort()).toEqual([
      "secretsmanager:GetSecretValue",
      "ssm:GetParameter",
    ]);
  });

  test("no role grants a wildcard action, or a wildcard resource beyond a trailing prefix", () => {
    const found = Object.entries(policies).flatMap(([role, p]) =>
      wildcards(p, stage.starAllowed).map((w) => `${role}: ${w}`),
    );
    expect(found).toEqual([]);
  });

  test("every key the flow wrote falls under a lifecycle rule (the dry run's outbox included)", () => {
    const keys = s3.keys();
    expect(keys.some((k) => k.startsWith("sync/outbox/"))).toBe(true);
    expect(keys.filter((k) => !retentionOf(k))).toEqual([]);
  });

  test("infra/salesforce.ts builds each role and link from the builders evaluated here and links the functions as here", () => {
    const infra = readFileSync(root("infra/salesforce.ts"), "utf8");
    const builderOf = (call: string, name: string) =>
      new RegExp(`${call}\\(\\s*"${name}",[\\s\\S]*?grants\\((\\w+)`).exec(infra)?.[1] ?? null;
    expect(builderOf("linkable", "SyncLake")).toBe(syncLakeStatements.name);
    expect(builderOf("linkable", "SalesforceSecret")).toBe(syncSecretStatements.name);
    expect(builderOf("serviceRole", "SyncMachineRole")).toBe(syncMachineRoleStatements.name);
    expect(builderOf("serviceRole", "SyncLoadedRuleRole")).toBe(syncRuleStatements.name);
    const flat = infra.replace(/\s+/g, "").replace(/,]/g, "]");
    const camel = (s: string) => s[0]!.toLowerCase() + s.slice(1);
    const linkNames = syncLinks.map((l) =>
      l === "SalesforceSecret" ? "salesforceSecretLink" : camel(l),
    );
    expect(flat.split(`link:[${linkNames.join(",")}]`)).toHaveLength(3);
    // New code never meets the old schema: the functions are updated after the migration.
    expect(infra.match(/\n\s+afterMigration,\n\s*\)/g)).toHaveLength(2);
    // The rule fires on the loaded marker only, never on SageMaker's output parts.
    expect(infra).toMatch(/object: \{ key: \[\{ prefix: LOADED_PREFIX \}\] \}/);
  });
});

afterAll(() => {
  delete (globalThis as { __SST_RESOURCE_RAW__?: object }).__SST_RESOURCE_RAW__;
});
