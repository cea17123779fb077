// The deployed sign-in in a real browser, without AWS: the console built with Cognito settings,
// served by a stand-in for CloudFront + the Cognito hosted UI + API Gateway's JWT authorizer in
// front of the real local API. The stand-in checks what Cognito would (client, redirect URI, the
// PKCE verifier against its S256 challenge) and lets through only tokens it issued.

import { execFileSync, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { ensureToken, resolveDataDir } from "@cdp/functions/local/data-dir";
import { type LocalPlatform, openLocalPlatform } from "@cdp/functions/local/platform";
import { createLocalApp } from "@cdp/functions/local/server";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const webRoot = join(repoRoot, "packages/web");
const shots = join(repoRoot, "artifacts/screenshots");
const CLIENT_ID = "console-client";
const EMAIL = "ops@example.com";

function chromiumPath(): string {
  if (process.env.CDP_CHROMIUM) return process.env.CDP_CHROMIUM;
  if (existsSync("/usr/bin/chromium")) return "/usr/bin/chromium";
  return execFileSync("which", ["chromium"], { encoding: "utf8" }).trim();
}

const b64url = (buf: Buffer) => buf.toString("base64url");
const jwt = (claims: Record<string, unknown>) =>
  `${b64url(Buffer.from('{"alg":"none"}'))}.${b64url(Buffer.from(JSON.stringify(claims)))}.sig`;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const types: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
};

describe("console signed in through a Cognito hosted UI", () => {
  const temps: string[] = [];
  let platform: LocalPlatform;
  let server: Server;
  let origin = "";
  let context: BrowserContext;

  // What the stand-in saw and decides.
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const idTokens = new Set<string>();
  const refreshTokens = new Set<string>();
  const seen = {
    authorize: [] as URLSearchParams[],
    token: [] as URLSearchParams[],
    revoke: [] as URLSearchParams[],
    bearers: [] as string[],
  };
  let expiresIn = 3600;
  let rejectAll = false;

  function issue(refresh?: string) {
    const idToken = jwt({
      email: EMAIL,
      aud: CLIENT_ID,
      exp: Math.floor(Date.now() / 1000) + expiresIn,
      n: randomBytes(4).toString("hex"),
    });
    idTokens.add(idToken);
    const out: Record<string, unknown> = {
      id_token: idToken,
      access_token: `access-${idToken.slice(-8)}`,
      expires_in: expiresIn,
      token_type: "Bearer",
    };
    if (!refresh) {
      out.refresh_token = `refresh-${randomBytes(8).toString("hex")}`;
      refreshTokens.add(out.refresh_token as string);
    }
    return out;
  }

  beforeAll(async () => {
    const dataRoot = mkdtempSync(join(tmpdir(), "cdp-cognito-"));
    const profile = mkdtempSync(join(tmpdir(), "cdp-chromium-"));
    const dist = mkdtempSync(join(tmpdir(), "cdp-web-cognito-"));
    temps.push(dataRoot, profile, dist);
    const dir = resolveDataDir(dataRoot);
    platform = await openLocalPlatform(dir);
    const localToken = ensureToken(dir);
    const local = createLocalApp(platform, localToken);

    server = createServer((req, res) => {
      void (async () => {
        const url = new URL(req.url ?? "/", origin);
        const json = (status: number, body: unknown) => {
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(body));
        };
        // --- the hosted UI: an operator who is already signed in there.
        if (url.pathname === "/oauth2/authorize") {
          const q = url.searchParams;
          seen.authorize.push(q);
          const ok =
            q.get("client_id") === CLIENT_ID &&
            q.get("response_type") === "code" &&
            q.get("code_challenge_method") === "S256" &&
            q.get("redirect_uri") === `${origin}/auth/callback` &&
            q.get("scope") === "openid email profile";
          if (!ok) return json(400, { error: "invalid_request" });
          const code = randomBytes(8).toString("hex");
          codes.set(code, {
            challenge: q.get("code_challenge")!,
            redirectUri: q.get("redirect_uri")!,
          });
          res.writeHead(302, {
            location: `${q.get("redirect_uri")}?code=${code}&state=${encodeURIComponent(q.get("state")!)}`,
          });
          return res.end();
        }
        if (url.pathname === "/oauth2/token" && req.method === "POST") {
          const body = new URLSearchParams(await readBody(req));
          seen.token.push(body);
          if (body.get("client_id") !== CLIENT_ID) return json(400, { error: "invalid_client" });
          if (body.get("grant_type") === "authorization_code") {
            const pending = codes.get(body.get("code") ?? "");
            codes.delete(body.get("code") ?? "");
            const verifier = body.get("code_verifier") ?? "";
            const challenge = b64url(createHash("sha256").update(verifier).digest());
            if (
              !pending ||
              pending.challenge !== challenge ||
              pending.redirectUri !== body.get("redirect_uri")
            ) {
              return json(400, { error: "invalid_grant" });
            }
            return json(200, issue());
          }
          if (body.get("grant_type") === "refresh_token") {
            if (!refreshTokens.has(body.get("refresh_token") ?? ""))
              return json(400, { error: "invalid_grant" });
            return json(200, issue(body.get("refresh_token")!));
          }
          return json(400, { error: "unsupported_grant_type" });
        }
        if (url.pathname === "/oauth2/revoke" && req.method === "POST") {
          const body = new URLSearchParams(await readBody(req));
          seen.revoke.push(body);
          refreshTokens.delete(body.get("token") ?? "");
          return json(200, {});
        }
        if (url.pathname === "/logout") {
          if (url.searchParams.get("client_id") !== CLIENT_ID)
            return json(400, { error: "invalid_client" });
          res.writeHead(302, { location: url.searchParams.get("logout_uri")! });
          return res.end();
        }
        // --- API Gateway: JWT authorizer on everything but health, then the real API.
        if (url.pathname.startsWith("/api/")) {
          const bearer = (req.headers.authorization ?? "").replace(/^Bearer /, "");
          if (url.pathname !== "/api/health") {
            seen.bearers.push(bearer);
            if (rejectAll || !idTokens.has(bearer)) return json(401, { message: "Unauthorized" });
          }
          const body = req.method === "POST" ? await readBody(req) : undefined;
          const answer = await local.fetch(
            new Request(url, {
              method: req.method,
              headers: {
                authorization: `Bearer ${localToken}`,
                "content-type": "application/json",
              },
              body,
            }),
          );
          res.writeHead(answer.status, Object.fromEntries(answer.headers));
          if (answer.body) Readable.fromWeb(answer.body as never).pipe(res);
          else res.end();
          return;
        }
        // --- CloudFront: the built console, index.html for every app path.
        const file = join(dist, url.pathname);
        const found = url.pathname !== "/" && existsSync(file) ? file : join(dist, "index.html");
        res.writeHead(200, { "content-type": types[extname(found)] ?? "application/octet-stream" });
        res.end(readFileSync(found));
      })().catch((err) => {
        res.writeHead(500);
        res.end(String(err));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // The console as infra/console.ts builds it, pointed at the stand-in.
    const built = spawnSync(
      join(repoRoot, "node_modules/.bin/vite"),
      ["build", "--outDir", dist, "--emptyOutDir", "--logLevel", "error"],
      {
        cwd: webRoot,
        encoding: "utf8",
        env: {
          ...process.env,
          VITE_API_URL: origin,
          VITE_COGNITO_DOMAIN: `${origin}/`,
          VITE_COGNITO_CLIENT_ID: CLIENT_ID,
        },
      },
    );
    if (built.status !== 0) throw new Error(`vite build failed: ${built.stderr}`);

    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath(),
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
      viewport: { width: 1360, height: 820 },
    });
  });

  afterAll(async () => {
    await context?.close();
    await new Promise((r) => server?.close(r));
    await platform?.close();
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });

  async function tab(): Promise<Page> {
    const page = await context.newPage();
    onTestFailed(async () => {
      await page.screenshot({ path: join(shots, "console-cognito-failure.png"), fullPage: true });
    });
    return page;
  }

  it("goes to the hosted UI, trades the code with its verifier, and comes back where it started", async () => {
    expiresIn = 62; // about to expire: requests a second or two from now refresh it first
    const page = await tab();
    await page.goto(`${origin}/runs?status=FAILED`);
    await page.getByRole("heading", { name: "Runs", exact: true }).waitFor();
    expect(page.url()).toBe(`${origin}/runs?status=FAILED`);
    expect(seen.authorize).toHaveLength(1);
    expect(seen.authorize[0]!.get("state")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(seen.token.map((b) => b.get("grant_type"))).toEqual(["authorization_code"]);
    await page.getByText(EMAIL).waitFor();
    // Every API call carried an id token the "gateway" issued.
    expect(seen.bearers.length).toBeGreaterThan(0);
    expect(seen.bearers.every((b) => idTokens.has(b))).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem("cdp.signin"))).toBeNull();

    // A minute before expiry, the next request refreshes first, once, and uses the new token.
    expiresIn = 3600;
    const before = new Set(seen.bearers);
    await page.waitForTimeout(2100);
    await page.getByRole("link", { name: "Audit", exact: true }).click();
    await page.getByRole("heading", { name: "Audit", exact: true }).waitFor();
    await expect
      .poll(() => seen.token.filter((b) => b.get("grant_type") === "refresh_token").length)
      .toBeGreaterThan(0);
    await expect.poll(() => seen.bearers.some((b) => !before.has(b))).toBe(true);
    await page.screenshot({ path: join(shots, "console-cognito-signed-in.png") });

    // Signing out: the refresh token is revoked, the hosted UI's session ends, and we stay out.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Signed out" }).waitFor();
    expect(seen.revoke).toHaveLength(1);
    expect(await page.evaluate(() => sessionStorage.getItem("cdp.session"))).toBeNull();
    await page.screenshot({ path: join(shots, "console-cognito-signed-out.png") });

    await page.getByRole("button", { name: "Sign in again" }).click();
    await page.getByRole("heading", { name: "Runs", exact: true }).waitFor();
    await page.close();
  });

  it("refuses a callback this tab did not ask for", async () => {
    const tokenCalls = seen.token.length;
    const page = await tab();
    await page.goto(`${origin}/auth/callback?code=stolen&state=forged`);
    await page.getByRole("heading", { name: "Sign-in did not complete" }).waitFor();
    await page.getByText("does not match a request from this tab").waitFor();
    expect(seen.token.length).toBe(tokenCalls);
    await page.close();
  });

  it("says so when the API rejects the session, and signs in again", async () => {
    const page = await tab();
    await page.goto(`${origin}/alerts`);
    await page.getByRole("heading", { name: "Alerts", exact: true }).waitFor();
    rejectAll = true;
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.getByRole("heading", { name: "The API did not accept this sign-in" }).waitFor();
    rejectAll = false;
    await page.getByRole("button", { name: "Sign in again" }).click();
    await page.getByRole("heading", { name: "Alerts", exact: true }).waitFor();
    expect(page.url()).toBe(`${origin}/alerts`);
    await page.close();
  });
});
