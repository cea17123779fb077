// How a CLI command reaches the platform: through the running server's API when `cdp start` holds
// the data dir, else by opening the data dir itself (holding the lock) and calling the same API
// in-process. Either way the command speaks to one API.
import { hc } from "hono/client";
import type { ApiType } from "../api";
import { acquireLock, type DataDir, ensureToken, readLock } from "../local/data-dir";
import type { LocalPlatform } from "../local/platform";

export interface Session {
  api: ReturnType<typeof hc<ApiType>>;
  via: "server" | "in-process";
  platform?: LocalPlatform;
  close(): Promise<void>;
}

/**
 * How long the CLI waits for the server: a request that waits for a run to finish (`?wait=true`)
 * up to CDP_WAIT_TIMEOUT_S (default 6 hours), any other CDP_CLIENT_TIMEOUT_S (default 60 s).
 */
export function clientTimeoutMs(url: string, env = process.env): number {
  const waits = new URL(url).searchParams.get("wait") === "true";
  const given = Number(waits ? env.CDP_WAIT_TIMEOUT_S : env.CDP_CLIENT_TIMEOUT_S);
  return (Number.isFinite(given) && given > 0 ? given : waits ? 6 * 3600 : 60) * 1000;
}

/** fetch with the CLI's timeouts, saying plainly when the server did not answer in time. */
function timedFetch(server: string) {
  return async (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    const ms = clientTimeoutMs(url);
    try {
      return await fetch(input, { ...init, signal: AbortSignal.timeout(ms) });
    } catch (err) {
      if ((err as Error).name === "TimeoutError") {
        throw new CliError(
          `the server at ${server} did not answer within ${ms / 1000} s; is \`cdp start\` stuck? (CDP_CLIENT_TIMEOUT_S sets the wait)`,
        );
      }
      throw new CliError(`cannot reach the server at ${server}: ${(err as Error).message}`);
    }
  };
}

export async function connect(dir: DataDir, command: string): Promise<Session> {
  const holder = readLock(dir);
  if (holder?.kind === "server" && holder.url) {
    const token = ensureToken(dir);
    const api = hc<ApiType>(holder.url, {
      headers: { authorization: `Bearer ${token}` },
      fetch: timedFetch(holder.url),
    });
    return { api, via: "server", close: async () => {} };
  }
  const lock = acquireLock(dir, "cli", command);
  try {
    const token = ensureToken(dir);
    // Loaded only here: talking to a running server needs neither the API nor the platform.
    const [{ createApi }, { configFromEnv, openLocalPlatform }] = await Promise.all([
      import("../api"),
      import("../local/platform"),
    ]);
    const platform = await openLocalPlatform(dir, configFromEnv());
    const app = createApi(platform, { kind: "token", token });
    const api = hc<ApiType>("http://in-process", {
      headers: { authorization: `Bearer ${token}` },
      fetch: (input: string | URL | Request, init?: RequestInit) => app.request(input, init),
    });
    return {
      api,
      via: "in-process",
      platform,
      async close() {
        try {
          await platform.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}

export class CliError extends Error {
  constructor(
    message: string,
    public readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

/** The body of a successful response, or a CliError carrying the API's message. */
export async function ok<T>(res: { ok: boolean; status: number; json(): Promise<T> }): Promise<T> {
  if (res.ok) return res.json();
  const body = (await res.json().catch(() => ({}))) as { message?: string; error?: string };
  // Flags the API found invalid are usage errors; a refused query or a conflict is a failure.
  const usage = body.error === "input.invalid";
  throw new CliError(body.message ?? `request failed with status ${res.status}`, usage ? 2 : 1);
}
