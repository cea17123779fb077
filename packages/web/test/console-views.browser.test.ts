// The console as an operator left it open: the Runs list picks up runs started elsewhere (a file
// dropped into the inbox) without a reload, the Runs page works on a 400 px wide screen, and
// Metrics has a 1 h window whose charts span the data they have, CDC shows the DMS sample's
// table once applied, Segments starts a segment run and explains a user, and Sync shows a record
// Salesforce refused with the payload sent and retries it. Chromium against a real local platform
// with the inbox watcher of `cdp start`; Salesforce is the HTTP double, reached through jsforce.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listSegmentRuns } from "@cdp/core/segment/views";
import { dmsSampleFiles } from "@cdp/functions/local/sample-data";
import { watchInbox } from "@cdp/functions/local/watcher";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SalesforceDouble } from "../../../test/support/salesforce-double";
import {
  doubleSecrets,
  makeUsers,
  writeCustomers,
  writeSegmentRun,
} from "../../../test/support/sync";
import { type ConsoleHarness, shot, startConsole } from "./support/console";

const customers = (from: number, n: number) =>
  [
    "user_id,first_name,email,total_spend",
    ...Array.from(
      { length: n },
      (_, i) => `${from + i},Name${from + i},c${from + i}@example.com,${i}.50`,
    ),
  ].join("\n");

/**
 * Is the middle of `target` on screen and not under anything else (a pinned column, the header)?
 * What an operator can see and click, rather than what is merely in the DOM.
 */
const onScreen = (target: Locator) =>
  target.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2;
    const y = r.top + r.height / 2;
    if (r.width === 0 || x < 0 || x > window.innerWidth || y < 0 || y > window.innerHeight)
      return false;
    const top = document.elementFromPoint(x, y);
    return !!top && (el === top || el.contains(top));
  });

/** Scrolls `area` sideways with the mouse wheel, as a user would, until `target` shows. */
async function scrollTo(page: Page, area: Locator, target: Locator) {
  const box = await area.boundingBox();
  if (!box) throw new Error("the scroll area is not on screen");
  await page.mouse.move(box.x + 10, box.y + Math.min(box.height / 2, 40));
  for (let i = 0; i < 30 && !(await onScreen(target)); i++) {
    await page.mouse.wheel(80, 0);
    await page.waitForTimeout(30);
  }
  return onScreen(target);
}

describe("console views an operator keeps open", () => {
  let h: ConsoleHarness;
  let watcher: ReturnType<typeof watchInbox>;

  beforeAll(async () => {
    h = await startConsole();
    watcher = watchInbox(h.platform, { intervalMs: 200 });
  });

  afterAll(async () => {
    await watcher?.stop();
    await h?.close();
  });

  /** Drops a CSV export into the inbox, as an operator or an upstream system would. */
  function drop(name: string, body: string) {
    const folder = join(h.platform.dir.lake, "inbox", "customers");
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, name), body);
  }

  it("shows a run started from the inbox on an idle Runs page within seconds, without a reload", async () => {
    // Filtered, as an operator watching the ingests would have it; nothing on screen is running,
    // so the list has no run of its own to follow.
    const page = await h.open("/runs?pipeline=ingest");
    await page.getByText("No runs match these filters").waitFor();
    const url = page.url();
    await page.waitForTimeout(1500);
    let navigations = 0;
    page.on("framenavigated", () => navigations++);

    drop("live_1.csv", customers(1, 5));
    const started = Date.now();
    const row = page.locator("tr[data-run-id]").filter({ hasText: "ingest" });
    await row.waitFor({ timeout: 10_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
    await row.and(page.locator('[data-status="SUCCEEDED"]')).waitFor({ timeout: 20_000 });
    // The same page, filter and all: no reload, no navigation.
    expect(navigations).toBe(0);
    expect(page.url()).toBe(url);
    expect(await page.locator("tr[data-run-id]").count()).toBe(1);
    await shot(page, "console-runs-live");
    await page.close();
  });

  it("keeps every Runs column and the Retry button within reach at 400 px wide", async () => {
    const failed = await h.platform.runner.wait(
      (await h.platform.runner.submit("selftest", { fail: true })).id,
    );
    const page = await h.open("/runs", { width: 400, height: 800 });
    const row = page.locator(`tr[data-run-id="${failed.id}"]`);
    await row.waitFor();
    // The page itself is no wider than the screen: only the table scrolls, inside its panel.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      400,
    );
    await page.getByRole("link", { name: "Audit" }).waitFor();

    // Retry is on screen at once, pinned to the right edge.
    const retry = row.getByRole("button", { name: `Retry ${failed.id}` });
    expect(await onScreen(retry)).toBe(true);
    await shot(page, "console-runs-narrow");

    // Every column, header and the failed run's cell, is reached by scrolling the table.
    const area = page.getByRole("region", { name: "Runs" });
    const headers = await page.locator("thead th").allTextContents();
    const expected: Record<string, RegExp> = {
      Pipeline: /^selftest$/,
      Started: /ago|just now/,
      Summary: /Injected fault/,
    };
    for (const [name, content] of Object.entries(expected)) {
      const i = headers.findIndex((t) => t.trim().toLowerCase() === name.toLowerCase());
      expect(i, `a ${name} column`).toBeGreaterThanOrEqual(0);
      expect(await scrollTo(page, area, page.locator("thead th").nth(i)), name).toBe(true);
      const cell = row.locator("td").nth(i);
      expect(await onScreen(cell), `${name} of ${failed.id}`).toBe(true);
      expect(await cell.textContent()).toMatch(content);
    }
    await shot(page, "console-runs-narrow-scrolled");

    // Scrolled to the far right, Retry is still there, and works.
    expect(await onScreen(retry)).toBe(true);
    await retry.click();
    const notice = page.getByRole("status").filter({ hasText: "Retrying" });
    const retryId = (await notice.getByRole("link").textContent())?.trim() ?? "";
    expect(retryId).toMatch(/^run_/);
    await page.locator(`tr[data-run-id="${retryId}"]`).waitFor();
    await page.close();
  });

  it("has a 1 h window whose charts span the minutes that have data", async () => {
    // The runs above record their metrics when they finish (the page does not poll): wait for them.
    await h.platform.runner.idle();
    const page = await h.open("/metrics");
    const charts = page.getByTestId("metrics-charts");
    await charts.waitFor();
    // 24 h of quarter hours, but every run above finished in the last minutes: the charts start
    // at most a dozen buckets back, and say why, instead of drawing a sliver at the right edge.
    const span = async () => {
      const from = Number(await charts.getAttribute("data-from"));
      const to = Number(await charts.getAttribute("data-to"));
      return (to - from) / 60;
    };
    expect(await span()).toBeLessThanOrEqual(12 * 15);
    await charts
      .getByText(/^Since \d\d:\d\d: nothing was recorded earlier in the last 24 hours\.$/)
      .waitFor();

    await page
      .getByRole("navigation", { name: "Time window" })
      .getByRole("link", { name: "1 h" })
      .click();
    await page.waitForURL(/\/metrics\?window=1h$/);
    await page.getByText("per 1 min").waitFor();
    await charts.getByText(/nothing was recorded earlier in the last hour\.$/).waitFor();
    for (const chart of ["chart-rows", "chart-failed", "chart-duration"]) {
      await page.getByTestId(chart).locator("canvas").waitFor();
    }
    // The file dropped into the inbox above: 5 rows, none quarantined; the failed selftest.
    await page.getByText(/^5 loaded \(5 new · 0 updated · 0 unchanged\) · 0 quarantined/).waitFor();
    // the failed selftest counts, as failed or — retried above — as resolved by its retry
    const failedLine = await page
      .getByText(/^\d+ failed of \d+ runs( · \d+ more resolved by a retry)?$/)
      .textContent();
    expect(failedLine).toMatch(/^[1-9]\d* failed|· [1-9]\d* more resolved by a retry$/);
    expect(await span()).toBeLessThanOrEqual(12);
    expect(await page.getByRole("alert").count()).toBe(0);
    await shot(page, "console-metrics-1h");
    await page.close();
  });

  it("shows the DMS sample's table on CDC once applied, with its counts, lag and a file still waiting", async () => {
    const page = await h.open("/cdc");
    await page.getByText("No CDC tables yet").waitFor();
    await page.getByText("<data-dir>/lake/dms/").waitFor();
    await shot(page, "console-cdc-empty");

    // The first start's DMS sample (a full load, two change batches), applied by a cdc run; then
    // one more change file that no run has applied yet (this platform has no dms/ watcher).
    for (const f of dmsSampleFiles()) await h.platform.lake.put(f.key, [...f.lines()].join(""));
    const run = await h.platform.runner.wait(
      (await h.platform.runner.submit("cdc", { path: "dms/" })).id,
    );
    expect(run.status).toBe("SUCCEEDED");
    await h.platform.lake.put(
      "dms/CRM/CUSTOMERS/20261101-0920000000.csv",
      "Op,dms_commit_ts,CUSTOMER_ID,FIRST_NAME,LAST_NAME,EMAIL,CITY,TOTAL_SPEND,dms_change_seq\n" +
        "U,2026-11-01 09:19:59.000000,1009,Ann,Lee,ann.lee1009@example.com,Oslo,1.00,20261101091959000000000000000000001\n",
    );

    // The open page picks it up by itself (it polls), no reload.
    const row = page.locator('tr[data-cdc-table="crm.customers"]');
    await row.waitFor({ timeout: 15_000 });
    const count = async (name: string) =>
      Number((await row.locator(`[data-count="${name}"]`).textContent())?.replace(/\D/g, ""));
    const counts: Record<string, number> = {};
    for (const name of ["inserted", "updated", "deleted", "skippedStale", "quarantined"])
      counts[name] = await count(name);
    // 20 loaded; then inserts, updates (one customer twice in a transaction), deletes, an update
    // of a key the load never had, and a broken email quarantined.
    expect(counts).toEqual({
      inserted: 24,
      updated: 6,
      deleted: 2,
      skippedStale: 0,
      quarantined: 1,
    });
    expect(await count("filesApplied")).toBe(3);
    expect(await count("filesPending")).toBe(1);
    expect(await count("filesFailed")).toBe(0);
    await row.getByText("CRM/CUSTOMERS").waitFor();
    // The last change applied: change 7 of the batch committed at 09:07:40; the waiting file is
    // named 09:20:00, so the table is 12 min behind.
    expect(await row.getByTestId("cdc-last-change").textContent()).toContain(
      "20261101090740000000000000000000007",
    );
    expect(await row.getByTestId("cdc-lag").textContent()).toBe("12 min");
    await shot(page, "console-cdc");

    await row.getByRole("link", { name: run.id }).click();
    await page.waitForURL(new RegExp(`/runs/${run.id}$`));
    await page.close();
  });

  it("gets segments from Run segmentation now: k labelled segments, drift after a second run, why a user is in theirs", async () => {
    // The customers dropped into the inbox above are the users.
    const page = await h.open("/segments");
    await page.getByText("No segments yet").waitFor();
    await page.getByText("cdp segment", { exact: true }).waitFor();
    await shot(page, "console-segments-empty");
    await page.getByRole("button", { name: "Run segmentation now" }).click();

    // The open page follows the run it started and shows its segments when it has finished.
    const rows = page.locator("tr[data-segment]");
    await rows.first().waitFor({ timeout: 30_000 });
    const [first] = await listSegmentRuns(h.platform.operations);
    expect(first?.k).toBeGreaterThanOrEqual(2);
    expect(await rows.count()).toBe(first!.k);
    expect(await rows.locator("[data-label]").allTextContents()).toEqual(first!.labels);
    await page.getByTestId("chart-segment-sizes").locator("canvas").waitFor();
    await page.getByText("Drift needs two runs").waitFor();

    // Why is user 1 in their segment: the segment, the distance to every centroid, the features.
    await page.getByRole("textbox", { name: "User id" }).fill("1");
    await page.getByRole("button", { name: "Look up" }).click();
    const why = page.getByTestId("segment-user");
    await why.waitFor();
    expect(await why.getByTestId("user-segment").textContent()).toMatch(/^\d+ · \S/);
    expect(await why.locator("tr[data-distance-segment]").count()).toBe(first!.k);
    expect(await why.locator("tr[data-decided-by]").count()).toBeGreaterThan(0);
    await page.waitForURL(/[?&]user=1(&|$)/);
    await shot(page, "console-segments");

    // An unknown user is the API's error, said on the page.
    await page.getByRole("textbox", { name: "User id" }).fill("no-such-user");
    await page.getByRole("button", { name: "Look up" }).click();
    await page.getByRole("alert").filter({ hasText: "segment.no_user" }).waitFor();

    // A second run (as the schedule or `cdp segment` starts one): the drift matrix, every user
    // stayed or moved.
    const second = await h.platform.runner.wait(
      (await h.platform.runner.submit("segment", { k: first!.k })).id,
    );
    expect(second.status).toBe("SUCCEEDED");
    await page.reload();
    const totals = page.getByTestId("drift-totals");
    await totals.waitFor();
    const [stayed, moved] = ((await totals.textContent()) ?? "").match(/\d+/g)!.map(Number);
    expect(stayed! + moved!).toBe(first!.rowsRead - first!.rowsSkipped);
    expect(await page.locator("tr[data-from-segment]").count()).toBe(first!.k);
    await shot(page, "console-segments-drift");
    await page.close();
  });
  it("shows on Sync a record Salesforce refused, with the payload sent, and retries only it", async () => {
    const sf = await SalesforceDouble.start();
    try {
      // Credentials in the data dir's secrets.env, as an operator sets them; a segmentation of its
      // own source table, newer than the runs above, so the sync sends exactly these users.
      writeFileSync(
        h.platform.dir.secretsFile,
        `${Object.entries(doubleSecrets(sf))
          .map(([k, v]) => `${k}=${v}`)
          .join("\n")}\n`,
        { mode: 0o600 },
      );
      const wh = await h.platform.warehouse();
      const users = makeUsers(3, 500);
      const refused = users[1]!;
      await writeCustomers(wh, users, "public.sync_customers");
      await writeSegmentRun(wh, {
        runId: "seg_console",
        createdAt: new Date().toISOString(),
        users,
        source: "public.sync_customers",
      });
      sf.inject({
        kind: "record",
        externalId: refused.id,
        statusCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        message: "Segment must be approved",
      });
      const run = await h.platform.runner.wait((await h.platform.runner.submit("sync", {})).id);
      expect(run.status).toBe("FAILED");

      const page = await h.open("/sync");
      const row = page.locator(`tr[data-sync-run="${run.id}"]`);
      await row.waitFor();
      const count = async (name: string) =>
        (await row.locator(`[data-count="${name}"]`).textContent())?.trim();
      expect([await count("sent"), await count("created"), await count("failed")]).toEqual([
        "3",
        "2",
        "1",
      ]);
      expect(await row.getAttribute("data-selected")).toBe("true");
      expect(await page.getByTestId("sync-run-note").textContent()).toMatch(/^Failed: /);

      // The refused record: its code and message; opened, the fields that were sent.
      const record = page.locator(`tr[data-sync-record="${refused.id}"]`);
      await record.getByText("FIELD_CUSTOM_VALIDATION_EXCEPTION").waitFor();
      await record.getByText("Segment must be approved").waitFor();
      expect(await page.locator("tr[data-sync-record]").count()).toBe(1);
      await record.getByRole("button", { name: refused.id }).click();
      const payload = page.getByTestId("sync-payload");
      expect(await payload.locator('[data-field="External_Id__c"]').textContent()).toBe(refused.id);
      expect(await payload.locator('[data-field="Email"]').textContent()).toBe(refused.email);
      expect(await payload.locator('[data-field="Segment__c"]').textContent()).toBe(refused.label);
      await shot(page, "console-sync");

      // The org's rule was fixed (the double refuses once): retry re-sends only that record.
      sf.resetCalls();
      await page.getByRole("button", { name: "Retry failed records" }).click();
      const outcome = page.getByTestId("retry-outcome");
      await outcome
        .getByText("1 sent · 1 created · 0 updated · 0 failed")
        .waitFor({ timeout: 20_000 });
      await outcome.locator('[data-status="SUCCEEDED"]').waitFor();
      expect(sf.records().get(refused.id)?.writes).toBe(1);
      expect(sf.callsTo("PATCH", /composite/)).toHaveLength(1);
      await page.locator("tr[data-sync-run]").nth(1).waitFor();
      expect(
        await page.locator("tr[data-sync-run]").first().getAttribute("data-sync-run"),
      ).not.toBe(run.id);

      // Asked again, the API refuses: the record was delivered since, and the operator is told.
      await page.getByRole("button", { name: "Retry failed records" }).click();
      await page.getByRole("alert").filter({ hasText: "Nothing to retry" }).waitFor();
      await shot(page, "console-sync-retried");
      await page.close();
    } finally {
      await sf.close();
    }
  });
});
