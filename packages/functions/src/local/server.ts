// `cdp start`: the API and the console on one port, plus the inbox watcher and the scheduler.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { createApi } from "../api";
import type { LocalPlatform } from "./platform";

export const webDist = fileURLToPath(new URL("../../../web/dist", import.meta.url));

/**
 * Headers on every response: the console loads only its own scripts, is never framed, and its
 * URLs (which may carry the token) are not sent as a referrer.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

export function createLocalApp(platform: LocalPlatform, token: string) {
  const app = new Hono();
  app.use(async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  });
  app.route("/", createApi(platform, { kind: "token", token }));
  if (existsSync(webDist)) {
    app.use(
      "/assets/*",
      async (c, next) => {
        await next();
        c.header("cache-control", "public, max-age=31536000, immutable");
      },
      serveStatic({ root: webDist }),
    );
    app.use("*", serveStatic({ root: webDist }));
    // Client-side routes (/runs/…, /quality) all load the single page.
    app.get("*", serveStatic({ root: webDist, rewriteRequestPath: () => "/index.html" }));
  } else {
    app.get("*", (c) =>
      c.text(
        "The console is not built yet: run `npm run build:web` (npm start does this for you).",
        503,
      ),
    );
  }
  return app;
}

export interface Listening {
  url: string;
  close(): Promise<void>;
}

export function listen(app: Hono, host: string, port: number): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
      const shown = host.includes(":") ? `[${host}]` : host;
      resolve({
        url: `http://${shown}:${info.port}`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        err.code === "EADDRINUSE"
          ? new Error(`port ${port} on ${host} is already in use: choose another with --port`)
          : err,
      );
    });
  });
}
