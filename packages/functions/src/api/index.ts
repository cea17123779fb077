// The API: one Hono app served by `cdp start` locally and by Lambda when deployed.
import { timingSafeEqual } from "node:crypto";
import type { Platform } from "@cdp/core/platform";
import { VisibleError } from "@cdp/core/util/error";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { alertRoutes } from "./alerts";
import { auditRoutes } from "./audit";
import { cdcRoutes } from "./cdc";
import type { ApiEnv } from "./env";
import { onError } from "./errors";
import { healthRoutes } from "./health";
import { ingestRoutes } from "./ingest";
import { metricRoutes } from "./metrics";
import { pipelineRoutes } from "./pipelines";
import { qualityRoutes, schemaRoutes } from "./quality";
import { runRoutes } from "./runs";
import { segmentRoutes } from "./segments";
import { sqlRoutes } from "./sql";
import { syncRoutes } from "./sync";

export type Auth =
  /** Local: a bearer token kept in the data dir. */
  | { kind: "token"; token: string }
  /** Deployed: API Gateway's JWT authorizer has checked the caller; we read who it is. */
  | { kind: "gateway" };

function sameToken(a: string, b: string) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The largest JSON body a route takes; file uploads (/api/ingest) have their own limit. */
export const MAX_JSON_BYTES = 1024 * 1024;

const jsonLimit = bodyLimit({
  maxSize: MAX_JSON_BYTES,
  onError: () => {
    throw new VisibleError(
      "too_large",
      "request.too_large",
      `the request body is larger than ${MAX_JSON_BYTES / 1024} KiB`,
    );
  },
});

export function createApi(platform: Platform, auth: Auth) {
  const app = new Hono<ApiEnv>().basePath("/api");
  app.use((c, next) => (c.req.path === "/api/ingest" ? next() : jsonLimit(c, next)));
  app.use(async (c, next) => {
    c.set("platform", platform);
    c.set("requestId", requestIdOf(c.req.header("x-request-id")));
    checkPath(c.req.path);
    if (auth.kind === "gateway") {
      c.set("actor", gatewayActor(c.env) ?? "unknown");
      c.set("authed", true);
      return next();
    }
    const header = c.req.header("authorization") ?? "";
    const given = header.startsWith("Bearer ") ? header.slice(7) : "";
    const valid = !!given && sameToken(given, auth.token);
    c.set("authed", valid);
    if (c.req.path === "/api/health") return next();
    if (!valid) {
      throw new VisibleError(
        "auth",
        "auth.required",
        "a valid bearer token is required: open the console from the URL `cdp start` prints",
      );
    }
    c.set("actor", "local");
    return next();
  });
  const routes = app
    .route("/health", healthRoutes)
    .route("/runs", runRoutes)
    .route("/pipelines", pipelineRoutes)
    .route("/sql", sqlRoutes)
    .route("/ingest", ingestRoutes)
    .route("/quality", qualityRoutes)
    .route("/schema", schemaRoutes)
    .route("/cdc", cdcRoutes)
    .route("/alerts", alertRoutes)
    .route("/metrics", metricRoutes)
    .route("/audit", auditRoutes)
    .route("/segments", segmentRoutes)
    .route("/sync", syncRoutes);
  app.onError(onError);
  app.notFound((c) =>
    c.json({ error: "not_found", message: `no route ${c.req.method} ${c.req.path}` }, 404),
  );
  return routes;
}

/** A caller's request id when it is a plain token (it is logged), else a new one. */
function requestIdOf(given: string | undefined): string {
  return given && /^[\w.:-]{1,128}$/.test(given) ? given : crypto.randomUUID();
}

/** A path with control characters (NUL, line breaks) or broken %-escapes names nothing: 400. */
function checkPath(path: string) {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw new VisibleError("input", "request.bad_path", "the path has a broken %-escape");
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
  if (/[\u0000-\u001f\u007f]/.test(decoded)) {
    throw new VisibleError("input", "request.bad_path", "the path has control characters");
  }
}

/** The signed-in user from API Gateway's JWT authorizer context (Lambda event via hono/aws-lambda). */
function gatewayActor(env: unknown): string | undefined {
  const claims = (
    env as {
      event?: { requestContext?: { authorizer?: { jwt?: { claims?: Record<string, string> } } } };
    }
  )?.event?.requestContext?.authorizer?.jwt?.claims;
  return claims?.email ?? claims?.["cognito:username"] ?? claims?.sub;
}

export type ApiType = ReturnType<typeof createApi>;
