// The console in a real browser against a real local platform, as `cdp start` serves it: the built
// console and the API on one port, the token in the URL. Chromium through playwright-core.
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
import { onTestFailed } from "vitest";

const repoRoot = fileURLToPath(new URL("../../../..", import.meta.url));
export const shots = join(repoRoot, "artifacts/screenshots");

export function chromiumPath(): string {
  if (process.env.CDP_CHROMIUM) return process.env.CDP_CHROMIUM;
  if (existsSync("/usr/bin/chromium")) return "/usr/bin/chromium";
  try {
    return execFileSync("which", ["chromium"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("no Chromium found: install it or set CDP_CHROMIUM to its path");
  }
}

export const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

export interface ConsoleHarness {
  platform: LocalPlatform;
  server: Listening;
  context: BrowserContext;
  token: string;
  /** A new tab, signed in, on `path` (the token travels once in the URL, as the server prints it). */
  open(path: string, viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function startConsole(
  viewport = { width: 1360, height: 820 },
): Promise<ConsoleHarness> {
  if (!existsSync(join(webDist, "index.html"))) {
    throw new Error(
      `the console is not built (${join(webDist, "index.html")} is missing): run \`npm run build -w @cdp/web\` before this test`,
    );
  }
  mkdirSync(shots, { recursive: true });
  const dataRoot = mkdtempSync(join(tmpdir(), "cdp-console-"));
  const profile = mkdtempSync(join(tmpdir(), "cdp-chromium-"));
  const dir = resolveDataDir(dataRoot);
  const platform = await openLocalPlatform(dir);
  const token = ensureToken(dir);
  const server = await listen(createLocalApp(platform, token), "127.0.0.1", 0);
  const context = await chromium.launchPersistentContext(profile, {
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
    viewport,
  });
  return {
    platform,
    server,
    context,
    token,
    async open(path, size) {
      const page = await context.newPage();
      if (size) await page.setViewportSize(size);
      onTestFailed(async () => {
        await shot(page, "console-failure");
      });
      await page.goto(`${server.url}${path}${path.includes("?") ? "&" : "?"}token=${token}`);
      return page;
    },
    async close() {
      await context.close();
      await server.close();
      await platform.close();
      for (const t of [dataRoot, profile]) rmSync(t, { recursive: true, force: true });
    },
  };
}
