// The console in a real browser against a real local platform: sign-in by URL token, start a
// failing selftest from the UI, retry it, and follow the retry chain. Needs a built console:
// `npm run build -w @cdp/web` first (npm test does this).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureToken, resolveDataDir } from "@cdp/functions/local/data-dir";
import { type LocalPlatform, openLocalPlatform } from "@cdp/functions/local/platform";
import { createLocalApp, type Listening, listen, webDist } from "@cdp/functions/local/server";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const shots = join(repoRoot, "artifacts/screenshots");

function chromiumPath(): string {
  if (process.env.CDP_CHROMIUM) return process.env.CDP_CHROMIUM;
  if (existsSync("/usr/bin/chromium")) return "/usr/bin/chromium";
  try {
    return execFileSync("which", ["chromium"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("no Chromium found: install it or set CDP_CHROMIUM to its path");
  }
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

describe("console in a browser", () => {
  const temps: string[] = [];
  let platform: LocalPlatform;
  let server: Listening;
  let context: BrowserContext;
  let token: string;

  beforeAll(async () => {
    if (!existsSync(join(webDist, "index.html"))) {
      throw new Error(
        `the console is not built (${join(webDist, "index.html")} is missing): run \`npm run build -w @cdp/web\` before this test`,
      );
    }
    mkdirSync(shots, { recursive: true });
    const dataRoot = mkdtempSync(join(tmpdir(), "cdp-console-"));
    const profile = mkdtempSync(join(tmpdir(), "cdp-chromium-"));
    temps.push(dataRoot, profile);
    const dir = resolveDataDir(dataRoot);
    platform = await openLocalPlatform(dir);
    token = ensureToken(dir);
    server = await listen(createLocalApp(platform, token), "127.0.0.1", 0);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath(),
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
      ],
      viewport: { width: 1360, height: 820 },
    });
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    await platform?.close();
    for (const t of temps) rmSync(t, { recursive: true, force: true });
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
    await shot(page, "console-runs-retried");

    // The filter lives in the URL.
    await page.getByRole("button", { name: "Failed", exact: true }).click();
    await page.waitForURL(/\/runs\?status=FAILED$/);
    await retryRow.waitFor({ state: "detached" });
    await failedRow.waitFor();
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
    await shot(page, "console-run-failed");
    await page.close();
  });
});
