// A jsforce connection for one sync run: authorised by the configured OAuth 2.0 flow, every REST
// and Bulk API request counted (what the org charts against its daily limit; the OAuth token
// endpoint is not counted), and the org's usage taken from each response's Sforce-Limit-Info.
//
// jsforce 3.10 behaviour this relies on (node_modules/jsforce/src):
// - connection.ts: with a client id, `login` uses the OAuth username-password flow and re-logs in
//   on a 401 (session-refresh-delegate.ts); the client-credentials flow has no refresh token, so
//   its `refreshFn` here authorises again.
// - http-api.ts: a 401 is refreshed and the request re-sent (REST: any 401; Bulk 2.0: a 401 whose
//   body names INVALID_SESSION_ID).
// - request.ts: GET, PUT, HEAD, OPTIONS and DELETE are retried on 420/429/500/502/503/504 (5
//   times, from 500 ms doubling); PATCH and POST are not — the sync retries those itself.
import type { Connection } from "jsforce";
import { errorMessage, VisibleError } from "../util/error";
import type { SalesforceCredentials } from "./credentials";

export interface OrgUsage {
  used: number;
  max: number;
}

export interface Session {
  conn: Connection;
  /** REST and Bulk API requests made so far. */
  calls(): number;
  /** The org's daily API usage as the last response said (null before any). */
  usage(): OrgUsage | null;
  /** GET /limits: the org's DailyApiRequests (one API request). */
  dailyApiRequests(): Promise<{ max: number; remaining: number }>;
}

export async function connect(
  creds: SalesforceCredentials,
  opts: { apiVersion: string },
): Promise<Session> {
  // Loaded on a sync's first connection only: every other command that opens the platform would
  // otherwise pay jsforce's load time (~0.4 s CPU).
  const { Connection } = await import("jsforce");
  const oauth2 = {
    loginUrl: creds.loginUrl,
    clientId: creds.clientId,
    clientSecret: creds.clientSecret,
  };
  const conn =
    creds.flow === "client_credentials"
      ? new Connection({
          loginUrl: creds.loginUrl,
          version: opts.apiVersion,
          oauth2,
          // No refresh token in this flow: on a 401, authorise again.
          refreshFn: (c, callback) => {
            c.authorize({ grant_type: "client_credentials" }).then(
              () => callback(null, c.accessToken ?? undefined),
              (err: Error) => callback(err),
            );
          },
        })
      : new Connection({ loginUrl: creds.loginUrl, version: opts.apiVersion, oauth2 });
  try {
    if (creds.flow === "client_credentials")
      await conn.authorize({ grant_type: "client_credentials" });
    else await conn.login(creds.username, creds.password);
  } catch (err) {
    throw new VisibleError(
      "input",
      "sync.auth_failed",
      `Salesforce refused the ${creds.flow === "password" ? "username-password" : "client-credentials"} login at ${creds.loginUrl}: ${errorMessage(err)}`,
    );
  }

  let calls = 0;
  let usage: OrgUsage | null = null;
  // Every REST and Bulk request of this connection goes through its transport (OAuth has its own).
  const transport = conn._transport;
  const send = transport.httpRequest.bind(transport);
  transport.httpRequest = (req, options) => {
    calls++;
    const p = send(req, options);
    p.then(
      (res) => {
        const m = String(res?.headers?.["sforce-limit-info"] ?? "").match(/api-usage=(\d+)\/(\d+)/);
        if (m) usage = { used: Number(m[1]), max: Number(m[2]) };
      },
      () => {},
    );
    return p;
  };

  return {
    conn,
    calls: () => calls,
    usage: () => usage,
    async dailyApiRequests() {
      const limits = (await conn.limits()) as unknown as Record<
        string,
        { Max: number; Remaining: number } | undefined
      >;
      const d = limits.DailyApiRequests;
      if (!d) throw new Error("the org's /limits has no DailyApiRequests");
      usage = { used: d.Max - d.Remaining, max: d.Max };
      return { max: d.Max, remaining: d.Remaining };
    },
  };
}

/** Salesforce's error code of a failed request (errorCode, jsforce's name), if any. */
export function errorCodeOf(err: unknown): string | undefined {
  const e = err as { errorCode?: unknown; name?: unknown; code?: unknown } | null;
  if (!e) return undefined;
  if (typeof e.errorCode === "string") return e.errorCode;
  if (typeof e.code === "string") return e.code;
  return typeof e.name === "string" && e.name !== "Error" ? e.name : undefined;
}

/** The org's daily API limit is spent: stop, keep what was not sent for the next run. */
export function isLimitExceeded(err: unknown): boolean {
  return errorCodeOf(err) === "REQUEST_LIMIT_EXCEEDED";
}

/**
 * A passing fault worth a retry with backoff: 5xx, the platform busy or throttling (429 Too Many
 * Requests, which jsforce itself retries on GETs — not on the PATCHes and POSTs we send), the
 * network.
 */
export function isUnavailable(err: unknown): boolean {
  const code = errorCodeOf(err) ?? "";
  return (
    /^ERROR_HTTP_(429|500|502|503|504)$/.test(code) ||
    [
      "SERVER_UNAVAILABLE",
      "ECONNRESET",
      "ECONNREFUSED",
      "ETIMEDOUT",
      "EPIPE",
      "UND_ERR_SOCKET",
    ].includes(code) ||
    (err as Error)?.name === "FetchError"
  );
}

/** Per-record errors a retry may get past (another transaction held the row). */
export const RETRYABLE_RECORD_CODES = new Set(["UNABLE_TO_LOCK_ROW"]);
