// The API: one Hono app served by `cdp start` locally and by Lambda when deployed.
import { timingSafeEqual } from "node:crypto";
import type { Platform } from "@cdp/core/platform";
import { VisibleError } from "@cdp/core/util/error";
import { Hono } from "hono";
import { alertRoutes } from "./alerts";
import { auditRoutes } from "./audit";
import type { ApiEnv } from "./env";
import { onError } from "./errors";
import { healthRoutes } from "./health";
import { ingestRoutes } from "./ingest";
import { metricRoutes } from "./metrics";
import { pipelineRoutes } from "./pipelines";
import { qualityRoutes, schemaRoutes } from "./quality";
import { runRoutes } from "./runs";
import { sqlRoutes } from "./sql";

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

export function createApi(platform: Platform, auth: Auth) {
  const app = new Hono<ApiEnv>().basePath("/api");
  app.use(async (c, next) => {
    c.set("platform", platform);
    c.set("requestId", c.req.header("x-request-id") ?? crypto.randomUUID());
    if (c.req.path === "/api/health") return next();
    if (auth.kind === "token") {
      const header = c.req.header("authorization") ?? "";
      const given = header.startsWith("Bearer ") ? header.slice(7) : "";
      if (!given || !sameToken(given, auth.token)) {
        throw new VisibleError(
          "auth",
          "auth.required",
          "a valid bearer token is required: open the console from the URL `cdp start` prints",
        );
      }
      c.set("actor", "local");
    } else {
      c.set("actor", gatewayActor(c.env) ?? "unknown");
    }
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
    .route("/alerts", alertRoutes)
    .route("/metrics", metricRoutes)
    .route("/audit", auditRoutes);
  app.onError(onError);
  app.notFound((c) =>
    c.json({ error: "not_found", message: `no route ${c.req.method} ${c.req.path}` }, 404),
  );
  return routes;
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
