// The one way the console talks to the API: the typed Hono client, with the bearer token, and
// every non-2xx turned into an ApiError that carries the API's stable error code.
import type { ApiType } from "@cdp/functions/api/index";
import { type ClientResponse, hc, type InferResponseType } from "hono/client";
import { bearerToken } from "../lib/auth";

/** Deployed, the API has its own origin (API Gateway); locally it serves the console itself. */
const apiOrigin = (import.meta.env.VITE_API_URL || window.location.origin).replace(/\/+$/, "");

/** What to check when the API does not answer: locally, the server process. */
const notRunningHint = import.meta.env.VITE_API_URL ? "" : ": is `cdp start` running?";

export const api = hc<ApiType>(apiOrigin, {
  // Async: a Cognito session about to expire is refreshed before the request goes out.
  headers: async (): Promise<Record<string, string>> => {
    const token = await bearerToken();
    return token ? { authorization: `Bearer ${token}` } : {};
  },
}).api;

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the API could not be reached at all. */
    readonly status: number,
    /** The API's stable code: `run.already_retried`, `auth.required`, … */
    readonly error: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** The run an error points at (`run.already_retried` names the retry). */
  get runId(): string | undefined {
    return typeof this.body.runId === "string" ? this.body.runId : undefined;
  }
}

async function toApiError(res: Response | ClientResponse<unknown>): Promise<ApiError> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const code = typeof body.error === "string" ? body.error : `http.${res.status}`;
    const message = typeof body.message === "string" ? body.message : res.statusText;
    return new ApiError(res.status, code, message, body);
  } catch {
    // Not the API's JSON: a proxy or gateway answered (vite's dev proxy says 502 when
    // `cdp start` is not running).
    const gateway = res.status === 502 || res.status === 503 || res.status === 504;
    const message = gateway
      ? `the API did not answer (HTTP ${res.status})${notRunningHint}`
      : text.slice(0, 200) || res.statusText || `HTTP ${res.status}`;
    return new ApiError(res.status, `http.${res.status}`, message);
  }
}

/** The client call's response; a request that never got one is an ApiError saying so. */
async function reach<R>(request: Promise<R>): Promise<R> {
  try {
    return await request;
  } catch (err) {
    throw new ApiError(
      0,
      "network",
      `cannot reach the API (${err instanceof Error ? err.message : String(err)})${notRunningHint}`,
    );
  }
}

/** Await a streamed client call: its body to read incrementally, or a thrown ApiError. */
export async function callStream(
  request: Promise<ClientResponse<unknown, number, string>>,
): Promise<ReadableStream<Uint8Array>> {
  const res = await reach(request);
  if (!res.ok) throw await toApiError(res);
  if (!res.body) throw new ApiError(res.status, "http.no_body", "the API answered without a body");
  return res.body;
}

type SuccessBody<R> =
  R extends ClientResponse<infer T, infer S, "json"> ? (S extends 200 | 201 ? T : never) : never;

/** Await a client call: its 2xx body, or a thrown ApiError. */
export async function call<R extends ClientResponse<unknown, number, "json">>(
  request: Promise<R>,
): Promise<SuccessBody<R>> {
  const res = await reach(request);
  if (!res.ok) throw await toApiError(res);
  return (await res.json()) as SuccessBody<R>;
}

/** Like `call`, but a body is returned for these statuses too (health answers 503 with one). */
export async function callAllowing<R extends ClientResponse<unknown, number, "json">>(
  request: Promise<R>,
  statuses: number[],
): Promise<R extends ClientResponse<infer T, number, "json"> ? T : never> {
  let res: R;
  try {
    res = await request;
  } catch (err) {
    throw new ApiError(0, "network", err instanceof Error ? err.message : String(err));
  }
  if (!res.ok && !statuses.includes(res.status)) throw await toApiError(res);
  return (await res.json()) as R extends ClientResponse<infer T, number, "json"> ? T : never;
}

export type RunPage = InferResponseType<typeof api.runs.$get, 200>;
export type Run = RunPage["items"][number];
export type RunDetail = InferResponseType<(typeof api.runs)[":id"]["$get"], 200>;
export type RunStatusValue = Run["status"];
export type Health = InferResponseType<typeof api.health.$get>;
export type Pipeline = InferResponseType<typeof api.pipelines.$get, 200>["items"][number];
export type QualitySummary = InferResponseType<typeof api.quality.summary.$get, 200>;
export type RuleSummary = QualitySummary["byRule"][number];
export type QualityFailure = InferResponseType<
  typeof api.quality.failures.$get,
  200
>["items"][number];
export type SchemaChange = InferResponseType<typeof api.schema.$get, 200>["changes"][number];
export type CdcTable = InferResponseType<typeof api.cdc.tables.$get, 200>["tables"][number];
export type Alert = InferResponseType<typeof api.alerts.$get, 200>["items"][number];
export type MetricSeries = InferResponseType<typeof api.metrics.$get, 200>;
export type MetricPoint = MetricSeries["series"][number];
export type RetryPreview = RunDetail["retry"];
export type RetryAction = RetryPreview["action"];
export type Retryable = InferResponseType<typeof api.runs.retryable.$get, 200>;
export type AuditEntry = InferResponseType<typeof api.audit.$get, 200>["items"][number];
export type SyncRun = InferResponseType<typeof api.sync.runs.$get, 200>["items"][number];
export type SyncRecord = InferResponseType<
  (typeof api.sync.runs)[":runId"]["errors"]["$get"],
  200
>["items"][number];
