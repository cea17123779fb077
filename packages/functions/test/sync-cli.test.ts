// `cdp sync salesforce` as a user runs it (a child process, no server: the command opens the data
// dir itself), against the Salesforce double; credentials from the environment.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { cdp } from "../../../test/support/cli";
import { SalesforceDouble } from "../../../test/support/salesforce-double";
import {
  doubleSecrets,
  makeUsers,
  writeCustomers,
  writeSegmentRun,
} from "../../../test/support/sync";
import { resolveDataDir } from "../src/local/data-dir";
import { openLocalPlatform } from "../src/local/platform";

let sf: SalesforceDouble;
let root: string;
const users = makeUsers(250);
beforeAll(async () => {
  sf = await SalesforceDouble.start();
  root = mkdtempSync(join(tmpdir(), "cdp-sync-cli-"));
  const platform = await openLocalPlatform(resolveDataDir(root));
  const wh = await platform.warehouse();
  await writeCustomers(wh, users);
  await writeSegmentRun(wh, { runId: "seg_cli", createdAt: "2026-11-05T06:00:00.000Z", users });
  await platform.close();
});
afterAll(async () => {
  await sf.close();
  rmSync(root, { recursive: true, force: true });
});

const json = (stdout: string) => JSON.parse(stdout);

test("--dry-run writes the outbox and prints where; nothing is sent", async () => {
  const r = await cdp(
    ["sync", "salesforce", "--dry-run", "--json", "--data-dir", root],
    doubleSecrets(sf),
  );
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const out = json(r.stdout);
  expect(out).toMatchObject({
    status: "SUCCEEDED",
    dryRun: true,
    sent: 250,
    apiCalls: 0,
    error: null,
  });
  expect(out.outbox).toBe(join(root, "lake", "sync", "outbox", out.runId, "contacts.jsonl"));
  expect(readFileSync(out.outbox, "utf8").trim().split("\n")).toHaveLength(250);
  expect(sf.calls).toEqual([]);
});

test("a live sync prints {runId, status, sent, created, updated, failed, skippedUnchanged, apiCalls}; a rerun sends nothing and calls nothing", async () => {
  const r = await cdp(["sync", "salesforce", "--json", "--data-dir", root], doubleSecrets(sf));
  expect(r.code).toBe(0);
  expect(json(r.stdout)).toEqual({
    runId: expect.stringMatching(/^run_/),
    status: "SUCCEEDED",
    sent: 250,
    created: 250,
    updated: 0,
    failed: 0,
    skippedUnchanged: 0,
    apiCalls: 3,
    unsent: 0,
    dryRun: false,
    outbox: null,
    error: null,
  });
  sf.resetCalls();
  const again = await cdp(["sync", "salesforce", "--data-dir", root], doubleSecrets(sf));
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(
    /sync SUCCEEDED .*: Salesforce Contact ← segmentation seg_cli \(public\.customers\)/,
  );
  expect(again.stdout).toMatch(
    /0 sent · 0 created · 0 updated · 0 failed · 250 unchanged · 0 API calls/,
  );
  expect(sf.calls).toEqual([]);
});

test("an unknown target is a usage error", async () => {
  const r = await cdp(["sync", "hubspot", "--data-dir", root]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/unknown target "hubspot" \(have: salesforce\)/);
  expect(existsSync(join(root, "cdp.lock"))).toBe(false);
});

test("with no segmentation run yet, a sync sends nothing and says what to run first", async () => {
  const empty = mkdtempSync(join(tmpdir(), "cdp-sync-cli-empty-"));
  const before = sf.calls.length;
  try {
    const r = await cdp(["sync", "salesforce", "--data-dir", empty], doubleSecrets(sf));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /nothing to sync: no segmentation run yet \(run `cdp segment` first\)/,
    );
    expect(sf.calls.length).toBe(before); // not even a login
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
