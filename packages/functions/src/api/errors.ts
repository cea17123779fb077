// The one error funnel: VisibleError → its 4xx with a stable code; zod → 400; anything else →
// a logged 500 that names the request id.
import { statusOf, VisibleError } from "@cdp/core/util/error";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ZodError, z } from "zod";

export function onError(thrown: Error, c: Context) {
  // drizzle wraps what the ops store's client throws (ops.resuming, 503) in a DrizzleQueryError.
  const err = thrown.cause instanceof VisibleError ? thrown.cause : thrown;
  if (err instanceof VisibleError) {
    return c.json({ error: err.code, message: err.message, ...err.details }, statusOf(err.kind));
  }
  if (err instanceof ZodError) {
    return c.json(
      {
        error: "input.invalid",
        message: z.prettifyError(err).replace(/\n/g, "; "),
        issues: err.issues,
      },
      400,
    );
  }
  if (err instanceof HTTPException) {
    return c.json(
      { error: `http.${err.status}`, message: err.message || "request failed" },
      err.status,
    );
  }
  if ((err as NodeJS.ErrnoException).code === "ECONNRESET" && err.message === "aborted") {
    // Node's word for a request body the client stopped sending: nothing was kept (uploads go to
    // a temp name first); the answer reaches nobody, but the log says what happened.
    return c.json(
      {
        error: "request.aborted",
        message: "the request body was cut off before its end: nothing was stored",
      },
      400,
    );
  }
  if ((err as NodeJS.ErrnoException).code === "ENOSPC") {
    // The local lake's disk is full: nothing was kept (writes go to a temp name first).
    return c.json(
      {
        error: "storage.full",
        message:
          "no space left on the disk that holds the lake: nothing was stored; free space and send it again",
      },
      507,
    );
  }
  const requestId = c.get("requestId") ?? "unknown";
  // JSON.stringify escapes line breaks and control characters: a path cannot forge a log line.
  console.error(`[${requestId}] ${c.req.method} ${JSON.stringify(c.req.path)}:`, err);
  return c.json(
    { error: "internal", message: `internal error (request ${requestId})`, requestId },
    500,
  );
}
