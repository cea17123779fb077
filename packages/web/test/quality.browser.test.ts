// The Quality page and the run page in a real browser against a real local platform: the same file
// ingested twice leaves the counts as they were; a corrected version moves its failing row to
// "fixed", out of the default view; a clean run's page names no rejects file and shows no null fact.
// Needs a built console: `npm run build -w @cdp/web` first (npm test does this).
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

const header = "user_id,name,email,total_spend";
const leads = (row4: string) =>
  `${[header, "1,A,a@example.com,1", "2,B,b@example.com,2", "3,C,c@example.com,3", row4, "5,E,e@example.com,5"].join("\n")}\n`;

describe("quality in a browser", () => {
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
    const dataRoot = mkdtempSync(join(tmpdir(), "cdp-quality-"));
    const profile = mkdtempSync(join(tmpdir(), "cdp-chromium-"));
    temps.push(dataRoot, profile);
    const dir = resolveDataDir(dataRoot);
    platform = await openLocalPlatform(dir);
    token = ensureToken(dir);
    server = await listen(createLocalApp(platform, token), "127.0.0.1", 0);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath(),
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
      viewport: { width: 1360, height: 820 },
    });
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    await platform?.close();
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });

  async function ingest(body: string) {
    const sourceKey = "inbox/leads/leads.csv";
    await platform.lake.put(sourceKey, body);
    const run = await platform.runner.wait(
      (await platform.runner.submit("ingest", { sourceKey })).id,
    );
    expect(run.status).toBe("SUCCEEDED");
    return run.id;
  }

  async function open(path: string) {
    const page = await context.newPage();
    onTestFailed(async () => {
      await shot(page, "quality-failure");
    });
    await page.goto(`${server.url}${path}${path.includes("?") ? "&" : "?"}token=${token}`);
    return page;
  }

  it("counts a file ingested twice once; a corrected version moves its failing row to Fixed", async () => {
    const bad = leads("4,D,not-an-email,4");
    const first = await ingest(bad);
    const page = await open("/quality");
    const total = page.getByTestId("quality-total");
    await expect.poll(() => total.textContent()).toBe("1 open failing row");
    const summary = page.getByRole("table", { name: "Failures by table and rule" });
    const row = summary.locator('tr[data-rule="email_format"]');
    expect(await row.locator("td").allTextContents()).toContain("1");

    const second = await ingest(bad);
    await page.getByRole("button", { name: "Refresh" }).click();
    const samples = page.getByTestId("failure-samples");
    const badEmail = samples.locator('tr[data-failure-rule="email_format"]');
    await badEmail.getByText("2 runs").waitFor();
    await expect.poll(() => total.textContent()).toBe("1 open failing row");
    expect(await badEmail.count()).toBe(1);
    // Runs column: both runs saw it; the failures, still one.
    const cells = await row.locator("td").allTextContents();
    expect(cells.filter((c) => c === "1")).toHaveLength(1);
    expect(cells).toContain("2");
    await badEmail.getByRole("link", { name: "leads.csv" }).waitFor();
    expect(await badEmail.getByRole("link", { name: "leads.csv" }).getAttribute("href")).toBe(
      `/runs/${second}`,
    );
    await shot(page, "quality-twice");

    // The operator corrects row 4 and drops the file again.
    const fix = await ingest(leads("4,D,d@example.com,4"));
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.getByText("No open failures in the last 7 days").waitFor();
    const statuses = page.getByRole("navigation", { name: "Open or fixed" });
    await statuses.getByRole("link", { name: "Fixed 1" }).waitFor();
    await statuses.getByRole("link", { name: "Open 0" }).waitFor();
    await shot(page, "quality-all-fixed");

    await page.getByRole("button", { name: "Show fixed" }).click();
    await page.waitForURL(/status=fixed/);
    await expect.poll(() => total.textContent()).toBe("1 fixed failing row");
    await samples.getByTestId("fixed-by").getByRole("link", { name: fix }).waitFor();
    await shot(page, "quality-fixed");

    // From the first run's page, its failing row is still there (open or fixed since).
    await page.goto(`${server.url}/runs/${first}`);
    await page.getByRole("link", { name: /Failing rows on the Quality page/ }).click();
    await page.waitForURL(/\/quality\?/);
    await samples.locator('tr[data-failure-rule="email_format"]').waitFor();
    await page.close();
  });

  it("a clean run's page names no rejects file and shows no empty fact", async () => {
    const clean = await ingest(leads("4,D,d@example.com,4"));
    const page = await open(`/runs/${clean}`);
    const files = page.getByTestId("ingest-files");
    await files.getByText("processed/leads/").first().waitFor();
    await page.getByRole("heading", { name: "Facts" }).waitFor();
    const text = (await page.locator("main").textContent()) ?? "";
    expect(text).not.toContain("Rejected rows");
    expect(text).not.toMatch(/Rejects key/i);
    expect(text).not.toMatch(/\bnull\b/);
    await shot(page, "quality-clean-run");
    await page.close();
  });
});
