// The console in a real browser against a real local platform: sign-in by URL token, start a
// failing selftest from the UI, retry it, and follow the retry chain; ingest files with bad rows
// and a new column, and read them back on the run, Quality, Schema, Metrics and Alerts pages.
// Needs a built console: `npm run build -w @cdp/web` first (npm test does this).
import type { LocalPlatform } from "@cdp/functions/local/platform";
import type { Listening } from "@cdp/functions/local/server";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { type ConsoleHarness, shot, startConsole } from "./support/console";

describe("console in a browser", () => {
  let harness: ConsoleHarness;
  let platform: LocalPlatform;
  let server: Listening;
  let context: BrowserContext;
  let token: string;

  beforeAll(async () => {
    harness = await startConsole();
    ({ platform, server, context, token } = harness);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it("shows how to get in when opened without a token, or with a wrong one", async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}/runs`);
    await page.getByRole("heading", { name: "Open the console from its URL" }).waitFor();
    expect(await page.getByText("npm start").count()).toBeGreaterThan(0);
    await shot(page, "console-no-token");

    await page.goto(`${server.url}/?token=not-the-token`);
    await page.getByRole("heading", { name: "This token was not accepted" }).waitFor();
    expect(page.url()).not.toContain("not-the-token");
    await shot(page, "console-bad-token");
    await page.close();
  });

  it("starts a failing selftest, retries it, and follows the retry to success", async () => {
    const page = await context.newPage();
    onTestFailed(async () => {
      await shot(page, "console-failure");
    });
    await page.goto(`${server.url}/?token=${token}`);
    await page.getByRole("heading", { name: "Runs", exact: true }).waitFor();
    expect(page.url()).toBe(`${server.url}/runs`);
    await page.getByText("No runs yet").waitFor();
    await page.getByTestId("health").getByText("Healthy").waitFor();
    await shot(page, "console-empty");

    // Start one that fails on purpose, from the UI.
    await page.getByLabel("Make it fail").check();
    await page.getByRole("button", { name: "Run selftest" }).first().click();
    const started = page.getByRole("status").filter({ hasText: "Started" });
    const failedId = (await started.getByRole("link").textContent())?.trim() ?? "";
    expect(failedId).toMatch(/^run_/);
    const failedRow = page.locator(`tr[data-run-id="${failedId}"]`);
    await failedRow.and(page.locator('[data-status="FAILED"]')).waitFor({ timeout: 20_000 });
    await expect.poll(() => failedRow.getByText("Injected fault").count()).toBeGreaterThan(0);
    await shot(page, "console-runs-failed");

    // Retry it from the list: the new run is announced, highlighted, and succeeds.
    await failedRow.getByRole("button", { name: `Retry ${failedId}` }).click();
    const retried = page.getByRole("status").filter({ hasText: "Retrying" });
    const retryId = (await retried.getByRole("link").textContent())?.trim() ?? "";
    expect(retryId).toMatch(/^run_/);
    expect(retryId).not.toBe(failedId);
    const retryRow = page.locator(`tr[data-run-id="${retryId}"]`);
    await retryRow.and(page.locator('[data-status="SUCCEEDED"]')).waitFor({ timeout: 20_000 });
    await failedRow.getByRole("link", { name: "Retried →" }).waitFor();
    // Its retry succeeded: the failed run is resolved, and says so.
    await failedRow.locator('[data-resolved="true"]').getByText("resolved").waitFor();
    await shot(page, "console-runs-retried");

    // The filter lives in the URL. "Failed" is what needs attention: the resolved run leaves it.
    await page.getByRole("button", { name: "Failed", exact: true }).click();
    await page.waitForURL(/\/runs\?status=FAILED$/);
    await retryRow.waitFor({ state: "detached" });
    await failedRow.waitFor({ state: "detached" });
    await page.getByText("No runs match these filters").waitFor();
    // Kept in the history, one click away.
    await page.getByRole("button", { name: "+ resolved" }).click();
    await page.waitForURL(/\/runs\?status=FAILED&resolved=show$/);
    await failedRow.locator('[data-resolved="true"]').waitFor();
    await shot(page, "console-runs-failed-resolved");
    await page.getByRole("link", { name: "Clear filters" }).first().click();

    // The retry's page: succeeded, linked as the retry of the failed run, both in the chain.
    await retryRow.getByRole("link", { name: retryId }).click();
    await page.waitForURL(`${server.url}/runs/${retryId}`);
    await page.getByTestId("run-status").getByText("Succeeded").waitFor();
    await page.getByTestId("retry-of").getByRole("link", { name: failedId }).waitFor();
    const chain = page.getByTestId("retry-chain");
    await chain.getByRole("link", { name: failedId }).waitFor();
    await chain.locator('[aria-current="true"]').getByText(retryId).waitFor();
    await shot(page, "console-run-retry");

    // The failed run's page: why it failed, and why it cannot be retried again.
    await chain.getByRole("link", { name: failedId }).click();
    await page.waitForURL(`${server.url}/runs/${failedId}`);
    await page.getByRole("region", { name: "What failed" }).getByText("Injected fault").waitFor();
    await page.getByTestId("retry-blocked").getByText(`already retried as ${retryId}`).waitFor();
    await page.getByTestId("resolved-by").getByRole("link", { name: retryId }).waitFor();
    await page.getByTestId("run-status").getByText("resolved").waitFor();
    await shot(page, "console-run-failed");
    await page.close();
  });

  it("retries every failed run a filter matches, shows progress and a summary, and audits it", async () => {
    // Two selftests that fail and one that succeeds; the run retried above is failed too.
    const failing: string[] = [];
    for (const fail of [true, false, true]) {
      const run = await platform.runner.wait(
        (await platform.runner.submit("selftest", fail ? { fail: true } : {})).id,
      );
      expect(run.status).toBe(fail ? "FAILED" : "SUCCEEDED");
      if (fail) failing.push(run.id);
    }

    // Before the click, a failed run says what its retry will do.
    const page = await open(`/runs/${failing[0]}`);
    await page.getByTestId("retry-action").getByText("Rerun").waitFor();
    await page
      .getByTestId("retry-description")
      .getByText("Runs selftest again locally with the same arguments.")
      .waitFor();
    await page.getByText("Rerun: runs the same work again with the same arguments").waitFor();
    await page.getByText("No one has retried this run.").waitFor();

    // The filter goes to the server: both failing selftests, on whatever page they are.
    await page.goto(`${server.url}/runs?pipeline=selftest`);
    await page.getByRole("button", { name: "Retry failed matching filter…" }).click();
    const dialog = page.getByTestId("bulk-retry");
    await dialog.locator('[data-testid="bulk-count"][data-count="2"]').waitFor();
    expect(await dialog.getByTestId("bulk-filter").textContent()).toContain("pipeline selftest");
    for (const id of failing) await dialog.getByRole("link", { name: id }).waitFor();
    await shot(page, "console-bulk-confirm");

    // Progress shows while the lines arrive (or all at once), then the summary.
    await page.evaluate(() => {
      const w = window as unknown as { sawProgress?: boolean };
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="bulk-progress"]')) w.sawProgress = true;
      }).observe(document.body, { childList: true, subtree: true });
    });
    await dialog.getByRole("button", { name: "Retry 2 runs" }).click();
    const summary = dialog.getByTestId("bulk-summary");
    await summary.waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => (window as { sawProgress?: boolean }).sawProgress)).toBe(true);
    // The run retried (and resolved) earlier is not taken on again: only the two.
    expect(await summary.getByTestId("bulk-counts").textContent()).toMatch(
      /2 runs processed · 2 retried · 0 skipped · 0 failed to start/,
    );
    // It waited for the retries: how they ended, not only that they started.
    expect(await summary.getByTestId("bulk-outcome").textContent()).toBe(
      "The retries: 2 succeeded.",
    );
    expect(await summary.textContent()).not.toMatch(/run\.[a-z_]+/);
    const retries: string[] = [];
    for (const id of failing) {
      const links = summary.locator(`li[data-retried="${id}"]`).getByRole("link");
      retries.push((await links.nth(1).textContent())?.trim() ?? "");
    }
    expect(retries.every((r) => r.startsWith("run_") && !failing.includes(r))).toBe(true);
    await shot(page, "console-bulk-summary");

    // Closed: the list shows the new runs (they succeed) and the failed ones as retried.
    await dialog.locator("footer").getByRole("button", { name: "Close" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: "Bulk retry: 2 retried (2 succeeded), 0 skipped, 0 failed to start." })
      .waitFor();
    for (const id of retries) {
      await page
        .locator(`tr[data-run-id="${id}"][data-status="SUCCEEDED"]`)
        .waitFor({ timeout: 20_000 });
    }
    for (const id of failing) {
      await page
        .locator(`tr[data-run-id="${id}"]`)
        .getByRole("link", { name: "Retried →" })
        .waitFor();
    }

    // Nothing left to retry for this filter.
    await page.getByRole("button", { name: "Retry failed matching filter…" }).click();
    await dialog.locator('[data-testid="bulk-count"][data-count="0"]').waitFor();
    await dialog.locator("footer").getByRole("button", { name: "Cancel" }).click();

    // The audit log: who retried which run into which, newest first.
    await page.getByRole("link", { name: "Audit", exact: true }).click();
    await page.waitForURL(`${server.url}/audit`);
    const log = page.getByRole("table", { name: "Audit log" });
    for (const [i, id] of failing.entries()) {
      const row = log.locator(`tr[data-audit-run="${id}"]`);
      await row.getByRole("link", { name: retries[i]! }).waitFor();
      await row.getByText("local", { exact: true }).waitFor();
    }
    expect(await log.locator("tr[data-audit-run]").count()).toBe(3);
    await shot(page, "console-audit");

    // And on the run: who retried it, and when.
    await log.getByRole("link", { name: failing[1]! }).click();
    await page.waitForURL(`${server.url}/runs/${failing[1]}`);
    const runAudit = page.getByTestId("run-audit");
    await runAudit.getByText("local").waitFor();
    await runAudit.getByRole("link", { name: retries[1]! }).waitFor();
    await page.getByTestId("retry-blocked").getByText(`already retried as ${retries[1]}`).waitFor();
    await shot(page, "console-run-audit");
    await page.close();
  });

  it("shows a deployed run's redrive preview, engine facts and AWS links", async () => {
    // Locally runs have no engine detail: give one failed run the shape the AWS adapter sends.
    const failed = await platform.runner.wait(
      (await platform.runner.submit("selftest", { fail: true })).id,
    );
    const executionArn = "arn:aws:states:eu-west-1:123456789012:execution:cdp-ingest:ingest-42";
    const page = await open(`/runs/${failed.id}`);
    await page.route(`**/api/runs/${failed.id}`, async (route) => {
      const res = await route.fetch();
      const run = await res.json();
      await route.fulfill({
        response: res,
        json: {
          ...run,
          engine: "sfn",
          retry: {
            action: "redrive",
            description:
              "Redrives execution ingest-42 (RedriveExecution): it resumes from the state that failed (RunGlueJob), keeping the steps that succeeded.",
            blockedReason: null,
          },
          engineDetail: {
            executionArn,
            attempt: 1,
            executionStatus: "FAILED",
            failedState: "RunGlueJob",
            error: "Glue.ConcurrentRunsExceededException",
            cause: "Concurrent runs exceeded for cdp-ingest",
            input: '{"sourceKey":"inbox/customers/a.csv"}',
            redriveCount: 0,
            redriveStatus: "REDRIVABLE",
            redriveStatusReason: null,
          },
          links: [
            { label: "Step Functions execution", url: "https://console.aws.amazon.com/states/x" },
          ],
        },
      });
    });
    await page.reload();
    await page.getByTestId("retry-action").getByText("Redrive").waitFor();
    await page.getByText("Redrive: resumes the failed execution from the failed state").waitFor();
    await page.getByTestId("retry-description").getByText("RedriveExecution").waitFor();
    const engine = page.getByTestId("engine-detail");
    await engine.getByText("Failed state").waitFor();
    await engine.getByText("RunGlueJob").waitFor();
    await engine.getByText(executionArn).waitFor();
    await engine.getByText("Concurrent runs exceeded for cdp-ingest").waitFor();
    expect(await engine.getByText("Redrive status reason").count()).toBe(0);
    const link = page.getByRole("navigation", { name: "In the AWS console" }).getByRole("link");
    expect(await link.getAttribute("href")).toBe("https://console.aws.amazon.com/states/x");
    expect(await link.getAttribute("target")).toBe("_blank");
    await shot(page, "console-run-redrive");
    await page.close();
  });

  // Twenty customers; row 4's email is not an address and row 9 spent a negative amount.
  const firstFile = [
    "user_id,first_name,email,total_spend,orders_count",
    ...Array.from({ length: 20 }, (_, i) => {
      const n = i + 1;
      const email = n === 4 ? "not-an-email" : `c${n}@example.com`;
      const spend = n === 9 ? "-12.50" : `${(n * 10.25).toFixed(2)}`;
      return `${n},Name${n},${email},${spend},${n % 7}`;
    }),
  ].join("\n");
  // A later export with a new column, its header as the CRM writes it.
  const secondFile = [
    "user_id,first_name,email,total_spend,orders_count,Loyalty Tier",
    "21,Ada,ada@example.com,99.00,3,gold",
    "22,Bo,bo@example.com,15.50,1,silver",
  ].join("\n");

  async function ingest(name: string, body: string) {
    const sourceKey = `inbox/customers/${name}`;
    await platform.lake.put(sourceKey, body);
    const run = await platform.runner.submit("ingest", { sourceKey, table: "customers" });
    return platform.runner.wait(run.id);
  }

  const open = (path: string) => harness.open(path);

  let firstRunId = "";

  it("shows an ingest run's counts and quarantine by rule, and its failing rows on Quality", async () => {
    const run = await ingest("customers_console_1.csv", firstFile);
    expect(run.status).toBe("SUCCEEDED");
    firstRunId = run.id;

    const page = await open(`/runs/${run.id}`);
    const counts = page.getByTestId("ingest-counts");
    await counts.waitFor();
    const shown =
      /Read\s*20\s*Loaded\s*18\s*New\s*(\d+)\s*Updated\s*(\d+)\s*Unchanged\s*(\d+)\s*Quarantined\s*2/;
    await expect.poll(() => counts.textContent()).toMatch(shown);
    // the loaded rows split into new, updated and unchanged, adding up to what was loaded
    const [, added, changed, same] = (await counts.textContent())!.match(shown)!;
    expect(Number(added) + Number(changed) + Number(same)).toBe(18);
    expect(Number(added)).toBe(run.stats.rowsInserted);
    // the page and the Runs list lead with what the run was about: the table and the file
    expect(await page.getByTestId("run-subject").textContent()).toBe(
      "customers ← customers_console_1.csv",
    );
    const list = await open("/runs?pipeline=ingest");
    await list
      .getByRole("row")
      .filter({ hasText: run.id })
      .getByText("customers ← customers_console_1.csv")
      .waitFor();
    await list.close();
    expect(await page.getByTestId("quarantine-share").textContent()).toContain("10 %");
    await counts.getByText("fails a file above 20 %").waitFor();
    const byRule = page.getByRole("table", { name: "Quarantine by rule" });
    for (const rule of ["email_format", "negative_total_spend"]) {
      await byRule.getByRole("link", { name: rule }).waitFor();
    }
    const files = page.getByTestId("ingest-files");
    await files.getByText("processed/customers/").first().waitFor();
    await files.getByText("customers_console_1.rejects.csv").waitFor();
    await shot(page, "console-ingest-run");

    // From the run to its failures on the Quality page, filtered to this run.
    await page.getByRole("link", { name: /Failing rows on the Quality page/ }).click();
    await page.waitForURL(/\/quality\?/);
    expect(new URL(page.url()).searchParams.get("run")).toBe(run.id);
    const summary = page.getByRole("table", { name: "Failures by table and rule" });
    await summary.locator('tr[data-rule="email_format"]').waitFor();
    await summary.locator('tr[data-rule="negative_total_spend"]').waitFor();
    const samples = page.getByTestId("failure-samples");
    const badEmail = samples.locator('tr[data-failure-rule="email_format"]');
    await badEmail.getByText("not-an-email").waitFor();
    await badEmail.getByText("email is not a well-formed address").waitFor();
    await badEmail.getByRole("link", { name: "customers_console_1.csv" }).waitFor();
    await page.getByTestId("quality-trend").waitFor();
    await shot(page, "console-quality");
    await page.close();
  });

  it("shows the column a second file added in the schema history", async () => {
    const run = await ingest("customers_console_2.csv", secondFile);
    expect(run.status).toBe("SUCCEEDED");

    const page = await open("/schema");
    const history = page.getByTestId("schema-customers");
    const added = history.locator('tr[data-column="loyalty_tier"]');
    await added.getByText("added").waitFor();
    await added.getByText('"Loyalty Tier"').waitFor();
    await history.getByRole("link", { name: run.id }).waitFor();
    await history.getByText("customers_console_2.csv").waitFor();
    // The first file created the table.
    await history.getByRole("link", { name: firstRunId }).waitFor();
    await shot(page, "console-schema");
    await page.close();
  });

  it("draws the metrics charts", async () => {
    const page = await open("/metrics");
    const failed = page.getByText("Couldn't load metrics");
    await page.getByTestId("chart-rows").locator("canvas").or(failed).waitFor();
    // Say what the API answered rather than time out waiting for a chart.
    if (await failed.count()) {
      throw new Error(
        `the Metrics page shows an error: ${await page.getByRole("alert").textContent()}`,
      );
    }
    for (const chart of ["chart-rows", "chart-failed", "chart-duration"]) {
      await page.getByTestId(chart).locator("canvas").waitFor();
    }
    // Both files: 18 + 2 rows loaded (split into new, updated, unchanged), 2 quarantined.
    await page
      .getByText(/20 loaded \(\d+ new · \d+ updated · \d+ unchanged\) · 2 quarantined/)
      .waitFor();
    expect(await page.getByRole("alert").count()).toBe(0);
    await shot(page, "console-metrics");

    await page.getByRole("link", { name: "7 days" }).click();
    await page.waitForURL(/\/metrics\?window=7d$/);
    await page.getByTestId("chart-rows").locator("canvas").waitFor();
    await page.close();
  });

  it("acknowledges an alert: it leaves the unacknowledged list and the badge", async () => {
    const page = await open("/alerts");
    const row = page.locator("tr[data-alert-id]").filter({ hasText: firstRunId });
    await row.getByText("Quarantine", { exact: true }).waitFor();
    const badge = page.getByTestId("alert-badge");
    const unacknowledged = async () =>
      (await badge.count()) ? Number((await badge.textContent())?.match(/\d+/)?.[0]) : 0;
    const before = await unacknowledged();
    expect(before).toBeGreaterThan(0);
    // What to do: its runbook section (a link when the runbook has a web address, else the path).
    const runbook = row.getByTestId("alert-runbook");
    expect((await runbook.getAttribute("href")) ?? (await runbook.textContent())).toMatch(
      /runbook\.md#alert-rows-quarantined$/,
    );
    await shot(page, "console-alerts");

    await row.getByRole("button", { name: /^Acknowledge/ }).click();
    await row.waitFor({ state: "detached" });
    await expect.poll(unacknowledged).toBe(before - 1);
    // Still there after the server answered and the list refetched.
    await page.waitForLoadState("networkidle");
    expect(await row.count()).toBe(0);

    await page.getByRole("link", { name: "Acknowledged", exact: true }).click();
    await page.waitForURL(/\/alerts\?show=acknowledged$/);
    await page
      .locator("tr[data-alert-id]")
      .filter({ hasText: firstRunId })
      .getByText("✓")
      .waitFor();
    await shot(page, "console-alerts-acknowledged");
    await page.close();
  });

  it("a failure that needs a fix says what must change, and its retry asks for confirmation", async () => {
    // No user_id column: the file fails on its data, and a retry would fail the same way.
    const sourceKey = "inbox/leads/leads_2026-11-07.csv";
    await platform.lake.put(sourceKey, "id,email\n1,a@example.com\n");
    const failed = await platform.runner.wait(
      (await platform.runner.submit("ingest", { sourceKey })).id,
    );
    expect(failed).toMatchObject({ status: "FAILED", failureClass: "needs_fix" });

    // The list offers no one-click retry for it, and the bulk retry says which need a fix.
    const page = await open("/runs?pipeline=ingest&status=FAILED");
    const row = page.locator(`tr[data-run-id="${failed.id}"]`);
    await row.getByRole("link", { name: `Retry ${failed.id} (needs a fix)` }).waitFor();
    await page.getByRole("button", { name: "Retry failed matching filter…" }).click();
    const dialog = page.getByTestId("bulk-retry");
    await dialog.getByTestId("bulk-classes").getByText("1 needs a fix first").waitFor();
    await dialog.getByText("needs a fix", { exact: true }).waitFor();
    // Skipped unless ticked: nothing to retry, so no Retry button.
    expect(await dialog.getByRole("button", { name: /^Retry \d/ }).count()).toBe(0);
    await dialog.getByRole("checkbox").check();
    await dialog.getByRole("button", { name: "Retry 1 run" }).waitFor();
    await shot(page, "console-bulk-needs-fix");
    await dialog.locator("footer").getByRole("button", { name: "Cancel" }).click();

    // The run page says it needs a fix and what must change; Retry asks first.
    await row.getByRole("link", { name: `Retry ${failed.id} (needs a fix)` }).click();
    await page.waitForURL(`${server.url}/runs/${failed.id}`);
    const cls = page.getByTestId("failure-class");
    await cls.getByText("Needs a fix:").waitFor();
    await cls
      .getByTestId("failure-hint")
      .getByText(/correct the file/)
      .waitFor();
    await page.getByRole("button", { name: "Retry…" }).click();
    const confirm = page.getByTestId("retry-confirm");
    await confirm.getByText(/fails the same way until that is fixed/).waitFor();
    await shot(page, "console-run-needs-fix-confirm");
    expect((await platform.operations.get(failed.id)).retriedBy).toBeNull();
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "detached" });
    expect((await platform.operations.get(failed.id)).retriedBy).toBeNull();

    // Confirmed: the retry starts (and, nothing being fixed, fails the same way).
    await page.getByRole("button", { name: "Retry…" }).click();
    await confirm.getByRole("button", { name: "It is fixed — retry" }).click();
    await page.waitForURL(
      (url) => url.pathname.startsWith("/runs/run_") && !url.pathname.endsWith(failed.id),
    );
    const retryId = new URL(page.url()).pathname.split("/").at(-1)!;
    expect((await platform.runner.wait(retryId)).retryOf).toBe(failed.id);
    const audit = await platform.operations.get(failed.id);
    expect(audit.retriedBy).toBe(retryId);
    await page.close();
  });

  it("a resolved alert says what resolved it; acknowledging all shown clears the badge", async () => {
    const page = await open("/alerts?show=resolved");
    // The selftest retried at the start resolved its alert.
    const resolved = page.locator('tr[data-alert-id][data-resolved="true"]').first();
    const resolution = resolved.getByTestId("alert-resolution");
    await resolution.getByText("resolved (retry succeeded) by").waitFor();
    expect(await resolution.getAttribute("title")).toMatch(
      /^resolved by run run_\w+ \(retry succeeded\)$/,
    );
    const by = (await resolution.getByRole("link").textContent()) ?? "";
    expect((await platform.operations.get(by)).status).toBe("SUCCEEDED");
    await shot(page, "console-alerts-resolved");

    await page
      .getByRole("navigation", { name: "Show" })
      .getByRole("link", { name: /^Open/ })
      .click();
    await page.waitForURL(/\/alerts$/);
    const badge = page.getByTestId("alert-badge");
    await badge.waitFor();
    const rows = page.locator("tr[data-alert-id]");
    const shown = await rows.count();
    expect(shown).toBeGreaterThan(1);
    // Resolved alerts are not open: none in this view.
    expect(await page.locator('tr[data-alert-id][data-resolved="true"]').count()).toBe(0);

    // Select one: only it goes.
    const first = rows.first();
    const firstId = await first.getAttribute("data-alert-id");
    await first.getByRole("checkbox").check();
    await page.getByRole("button", { name: "Acknowledge selected (1)" }).click();
    await page.locator(`tr[data-alert-id="${firstId}"]`).waitFor({ state: "detached" });
    await expect.poll(() => rows.count()).toBe(shown - 1);

    // Then every one shown at once: the view empties and the badge goes.
    await page.getByRole("button", { name: `Acknowledge all shown (${shown - 1})` }).click();
    await page.getByText("Nothing to look at").waitFor();
    await badge.waitFor({ state: "detached" });
    await page.waitForLoadState("networkidle");
    expect(await page.getByTestId("alert-badge").count()).toBe(0);
    await shot(page, "console-alerts-bulk-acknowledged");
    await page.close();
  });
});
