// Who the console is signed in as, in one of two ways fixed at build time:
// - local (no Cognito in the build): the bearer token of `cdp start`, taken from `?token=` once,
//   kept in this tab's sessionStorage, never left in the address bar (history, bookmarks,
//   screenshots);
// - deployed (VITE_COGNITO_DOMAIN and VITE_COGNITO_CLIENT_ID set): the Cognito hosted UI with the
//   authorization code flow and PKCE; the id token is the bearer (API Gateway checks it).
import { useSyncExternalStore } from "react";
import { type CognitoFlow, createCognitoFlow } from "./cognito";
import { CALLBACK_PATH, cognitoConfigFrom, type Session, userOf } from "./pkce";
import { navigate } from "./router";

const KEY = "cdp.token";

export type AuthState =
  | { kind: "ok"; token: string; user?: string }
  /** No token (or session) in this tab yet. */
  | { kind: "missing" }
  /** The API answered 401 to the token we had. */
  | { kind: "rejected" }
  /** Cognito: on the way to the hosted UI, or trading its code for tokens. */
  | { kind: "signing-in" }
  /** Cognito: back from /logout. */
  | { kind: "signed-out" }
  /** Cognito: the session ran out and could not be refreshed. */
  | { kind: "expired" }
  /** Cognito: the hosted UI or the token endpoint said no. */
  | { kind: "failed"; message: string };

// Spelled out so a local build (no such variables) folds this to null and drops the Cognito code.
const cognitoConfig =
  import.meta.env.VITE_COGNITO_DOMAIN && import.meta.env.VITE_COGNITO_CLIENT_ID
    ? cognitoConfigFrom(import.meta.env, window.location.origin)
    : null;

export const authMode: "token" | "cognito" = cognitoConfig ? "cognito" : "token";

const flow: CognitoFlow | null = cognitoConfig
  ? createCognitoFlow(cognitoConfig, {
      storage: sessionStorage,
      fetch: (...args) => fetch(...args),
      now: Date.now,
    })
  : null;

let state: AuthState = { kind: "missing" };
let session: Session | null = null;
const listeners = new Set<() => void>();

function set(next: AuthState) {
  state = next;
  for (const l of listeners) l();
}

function signedIn(s: Session) {
  session = s;
  set({ kind: "ok", token: s.idToken, user: userOf(s) ?? undefined });
}

/** Call once before the first render. */
export function initAuth() {
  if (flow) void startCognito(flow);
  else takeTokenFromUrl();
}

export function takeTokenFromUrl() {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl) {
    sessionStorage.setItem(KEY, fromUrl);
    url.searchParams.delete("token");
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  }
  const token = sessionStorage.getItem(KEY);
  state = token ? { kind: "ok", token } : { kind: "missing" };
}

/** Don't bounce to the hosted UI again when this tab came back from it moments ago empty-handed. */
const BOUNCE_GUARD_MS = 15_000;

async function startCognito(f: CognitoFlow) {
  if (window.location.pathname === CALLBACK_PATH) {
    state = { kind: "signing-in" };
    try {
      const done = await f.complete(window.location.href);
      if (!done) {
        navigate("/", { replace: true });
        set({ kind: "signed-out" });
        return;
      }
      navigate(done.returnTo, { replace: true });
      signedIn(done.session);
    } catch (err) {
      navigate("/", { replace: true });
      set({ kind: "failed", message: err instanceof Error ? err.message : String(err) });
    }
    return;
  }
  const saved = f.load();
  if (saved) {
    state = { kind: "signing-in" };
    try {
      signedIn(await f.fresh(saved));
    } catch {
      f.forget();
      set({ kind: "expired" });
    }
    return;
  }
  const since = f.pendingSince();
  if (since !== null && Date.now() - since < BOUNCE_GUARD_MS) return; // stays "missing"
  state = { kind: "signing-in" };
  await signIn();
}

/** The token as it is now (local mode; in Cognito mode possibly about to be refreshed). */
export function getToken(): string | null {
  return state.kind === "ok" ? state.token : null;
}

/** The bearer for the next request: in Cognito mode refreshed first when it is about to expire. */
export async function bearerToken(): Promise<string | null> {
  if (!flow || !session || state.kind !== "ok") return getToken();
  try {
    const next = await flow.fresh(session);
    if (next !== session) signedIn(next);
    return next.idToken;
  } catch {
    session = null;
    flow.forget();
    set({ kind: "expired" });
    return null;
  }
}

/** Local mode: a token pasted on the sign-in page. */
export function setToken(token: string) {
  sessionStorage.setItem(KEY, token);
  set({ kind: "ok", token });
}

export function rejectToken() {
  if (state.kind !== "ok") return;
  if (flow) {
    session = null;
    flow.forget();
  } else {
    sessionStorage.removeItem(KEY);
  }
  set({ kind: "rejected" });
}

/** Cognito mode: off to the hosted UI, to come back to the page we are on. */
export async function signIn() {
  if (!flow) return;
  set({ kind: "signing-in" });
  const here = window.location.pathname + window.location.search;
  window.location.assign(await flow.begin(here));
}

export function signOut() {
  if (!flow) return;
  session = null;
  set({ kind: "signing-in" });
  window.location.assign(flow.signOut());
}

export function useAuth(): AuthState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
  );
}
