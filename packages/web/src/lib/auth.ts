// The bearer token: taken from `?token=` once, kept in this tab's sessionStorage, never left in
// the address bar (so it is not in history, bookmarks or screenshots).
import { useSyncExternalStore } from "react";

const KEY = "cdp.token";

export type AuthState =
  | { kind: "ok"; token: string }
  /** No token in this tab yet. */
  | { kind: "missing" }
  /** The API answered 401 to the token we had. */
  | { kind: "rejected" };

let state: AuthState = { kind: "missing" };
const listeners = new Set<() => void>();

function set(next: AuthState) {
  state = next;
  for (const l of listeners) l();
}

/** Call once before the first render. */
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

export function getToken(): string | null {
  return state.kind === "ok" ? state.token : null;
}

export function setToken(token: string) {
  sessionStorage.setItem(KEY, token);
  set({ kind: "ok", token });
}

export function rejectToken() {
  if (state.kind !== "ok") return;
  sessionStorage.removeItem(KEY);
  set({ kind: "rejected" });
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
