// Signing in through the Cognito hosted UI, the effectful half: what a tab keeps in
// sessionStorage, the calls to the token endpoint, refresh. Storage and fetch come in as
// dependencies, so the flow is tested in Node (test/cognito.test.ts) as the browser runs it.
import {
  authorizeUrl,
  type CognitoConfig,
  challengeS256,
  codeExchangeBody,
  expiresSoon,
  logoutUrl,
  randomToken,
  readCallback,
  refreshBody,
  revokeUrl,
  type Session,
  safeReturnPath,
  sessionFromTokens,
  tokenUrl,
} from "./pkce";

export interface FlowDeps {
  storage: Pick<Storage, "getItem" | "setItem" | "removeItem">;
  fetch: typeof fetch;
  now: () => number;
}

const SESSION_KEY = "cdp.session";
const PENDING_KEY = "cdp.signin";

/** What a tab remembers between leaving for the hosted UI and coming back. */
interface Pending {
  state: string;
  verifier: string;
  returnTo: string;
  at: number;
}

export class SignInError extends Error {
  override name = "SignInError";
}

export function createCognitoFlow(config: CognitoConfig, deps: FlowDeps) {
  let refreshing: Promise<Session> | null = null;

  const readJson = <T>(key: string): T | null => {
    try {
      const raw = deps.storage.getItem(key);
      return raw ? (JSON.parse(raw) as T) : null;
    } catch {
      return null;
    }
  };

  const save = (s: Session) => deps.storage.setItem(SESSION_KEY, JSON.stringify(s));

  async function tokenCall(body: URLSearchParams): Promise<unknown> {
    let res: Response;
    try {
      res = await deps.fetch(tokenUrl(config), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
      });
    } catch (err) {
      throw new SignInError(
        `cannot reach the sign-in service (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    const json = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (!res.ok) {
      const code = typeof json?.error === "string" ? json.error : `HTTP ${res.status}`;
      throw new SignInError(`the sign-in service refused the request (${code})`);
    }
    return json;
  }

  return {
    /** The session this tab holds, if any (possibly expired: see `fresh`). */
    load(): Session | null {
      const s = readJson<Session>(SESSION_KEY);
      return s && typeof s.idToken === "string" && typeof s.expiresAt === "number" ? s : null;
    },

    /** When this tab last left for the hosted UI (to not bounce back and forth). */
    pendingSince(): number | null {
      return readJson<Pending>(PENDING_KEY)?.at ?? null;
    },

    /** Remember a fresh verifier and state, and return the hosted UI URL to go to. */
    async begin(returnTo: string): Promise<string> {
      const pending: Pending = {
        state: randomToken(16),
        verifier: randomToken(32),
        returnTo: safeReturnPath(returnTo),
        at: deps.now(),
      };
      deps.storage.setItem(PENDING_KEY, JSON.stringify(pending));
      return authorizeUrl(config, {
        state: pending.state,
        challenge: await challengeS256(pending.verifier),
      });
    },

    /**
     * Back on /auth/callback: check the state, trade the code for tokens, keep them. Returns the
     * session and the path the sign-in started from; `null` when the URL carries no code (the
     * way back from /logout).
     */
    async complete(url: string): Promise<{ session: Session; returnTo: string } | null> {
      const callback = readCallback(url);
      if (callback.kind === "none") return null;
      const pending = readJson<Pending>(PENDING_KEY);
      deps.storage.removeItem(PENDING_KEY);
      if (callback.kind === "error") {
        throw new SignInError(
          `the sign-in page answered ${callback.error}${callback.description ? `: ${callback.description}` : ""}`,
        );
      }
      if (!pending || pending.state !== callback.state) {
        // Not the answer to this tab's request: a stale link, another tab, or a forged redirect.
        throw new SignInError("this sign-in answer does not match a request from this tab");
      }
      const json = await tokenCall(
        codeExchangeBody(config, { code: callback.code, verifier: pending.verifier }),
      );
      const session = sessionFromTokens(json, deps.now());
      save(session);
      return { session, returnTo: pending.returnTo };
    },

    /** The session, refreshed first when it is about to expire; one refresh at a time. */
    async fresh(session: Session): Promise<Session> {
      if (!expiresSoon(session, deps.now())) return session;
      if (!session.refreshToken) throw new SignInError("the session has expired");
      refreshing ??= tokenCall(refreshBody(config, session.refreshToken))
        .then((json) => {
          const next = sessionFromTokens(json, deps.now(), session.refreshToken);
          save(next);
          return next;
        })
        .finally(() => {
          refreshing = null;
        });
      return refreshing;
    },

    /** Forget this tab's tokens (revoking the refresh token) and return the /logout URL. */
    signOut(): string {
      const s = this.load();
      deps.storage.removeItem(SESSION_KEY);
      deps.storage.removeItem(PENDING_KEY);
      if (s?.refreshToken) {
        // Best effort: /logout ends the hosted UI's session either way.
        void deps
          .fetch(revokeUrl(config), {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ token: s.refreshToken, client_id: config.clientId }),
            keepalive: true,
          })
          .catch(() => {});
      }
      return logoutUrl(config);
    },

    forget() {
      deps.storage.removeItem(SESSION_KEY);
    },
  };
}

export type CognitoFlow = ReturnType<typeof createCognitoFlow>;
