// The pure half of signing in through the Cognito hosted UI: OAuth 2.0 authorization code with
// PKCE (RFC 7636, S256), the URLs and form bodies it needs, and reading what comes back. No
// storage, no navigation, no fetch: lib/cognito.ts does those with these.

export interface CognitoConfig {
  /** The hosted UI, `https://<prefix>.auth.<region>.amazoncognito.com` (or a custom domain). */
  domain: string;
  clientId: string;
  /** Where Cognito sends the browser back with `?code=&state=`: the site's /auth/callback. */
  redirectUri: string;
  /** Where Cognito sends the browser after /logout (must be registered on the client too). */
  logoutUri: string;
  scopes: readonly string[];
}

export const CALLBACK_PATH = "/auth/callback";
export const SCOPES = ["openid", "email", "profile"] as const;

/** The config a build carries, or null when it has none (local: the bearer-token flow). */
export function cognitoConfigFrom(
  env: { VITE_COGNITO_DOMAIN?: string; VITE_COGNITO_CLIENT_ID?: string },
  origin: string,
): CognitoConfig | null {
  const domain = env.VITE_COGNITO_DOMAIN?.trim();
  const clientId = env.VITE_COGNITO_CLIENT_ID?.trim();
  if (!domain || !clientId) return null;
  const redirectUri = `${origin.replace(/\/+$/, "")}${CALLBACK_PATH}`;
  return {
    domain: normalizeDomain(domain),
    clientId,
    redirectUri,
    logoutUri: redirectUri,
    scopes: SCOPES,
  };
}

/** `auth.example.com/` → `https://auth.example.com`. */
export function normalizeDomain(domain: string): string {
  const withScheme = /^https?:\/\//.test(domain) ? domain : `https://${domain}`;
  return withScheme.replace(/\/+$/, "");
}

export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): string {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
}

/** `bytes` random bytes as base64url: 32 bytes make a 43-character verifier (RFC 7636 §4.1). */
export function randomToken(bytes = 32, source: Pick<Crypto, "getRandomValues"> = crypto): string {
  return base64url(source.getRandomValues(new Uint8Array(bytes)));
}

/** code_challenge = BASE64URL(SHA256(ASCII(code_verifier))) (RFC 7636 §4.2, S256). */
export async function challengeS256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

export function authorizeUrl(c: CognitoConfig, p: { state: string; challenge: string }): string {
  const q = new URLSearchParams({
    response_type: "code",
    client_id: c.clientId,
    redirect_uri: c.redirectUri,
    scope: c.scopes.join(" "),
    state: p.state,
    code_challenge: p.challenge,
    code_challenge_method: "S256",
  });
  return `${c.domain}/oauth2/authorize?${q}`;
}

export const tokenUrl = (c: CognitoConfig) => `${c.domain}/oauth2/token`;
export const revokeUrl = (c: CognitoConfig) => `${c.domain}/oauth2/revoke`;

/** The form body that trades the code (and the verifier only this tab knows) for tokens. */
export function codeExchangeBody(
  c: CognitoConfig,
  p: { code: string; verifier: string },
): URLSearchParams {
  return new URLSearchParams({
    grant_type: "authorization_code",
    client_id: c.clientId,
    code: p.code,
    redirect_uri: c.redirectUri,
    code_verifier: p.verifier,
  });
}

export function refreshBody(c: CognitoConfig, refreshToken: string): URLSearchParams {
  return new URLSearchParams({
    grant_type: "refresh_token",
    client_id: c.clientId,
    refresh_token: refreshToken,
  });
}

export function logoutUrl(c: CognitoConfig): string {
  const q = new URLSearchParams({ client_id: c.clientId, logout_uri: c.logoutUri });
  return `${c.domain}/logout?${q}`;
}

export type Callback =
  | { kind: "code"; code: string; state: string }
  | { kind: "error"; error: string; description: string; state: string | null }
  /** No code and no error: the way back from /logout. */
  | { kind: "none" };

/** What the hosted UI put on the callback URL. */
export function readCallback(url: string): Callback {
  const q = new URL(url).searchParams;
  const error = q.get("error");
  if (error) {
    return {
      kind: "error",
      error,
      description: q.get("error_description") ?? "",
      state: q.get("state"),
    };
  }
  const code = q.get("code");
  const state = q.get("state");
  if (code && state) return { kind: "code", code, state };
  return { kind: "none" };
}

export interface Session {
  idToken: string;
  accessToken: string;
  refreshToken: string | null;
  /** Epoch ms when the id and access tokens stop being accepted. */
  expiresAt: number;
}

/**
 * A session from the token endpoint's JSON. A refresh answer has no refresh_token: the one we
 * sent stays good, so pass it as `keepRefresh`.
 */
export function sessionFromTokens(
  json: unknown,
  now: number,
  keepRefresh?: string | null,
): Session {
  const t = (json ?? {}) as Record<string, unknown>;
  if (typeof t.id_token !== "string" || typeof t.access_token !== "string") {
    throw new Error("the token endpoint answered without an id and an access token");
  }
  const expiresIn = typeof t.expires_in === "number" ? t.expires_in : 3600;
  const exp = jwtClaims(t.id_token).exp;
  const fromClaim = typeof exp === "number" ? exp * 1000 : Number.POSITIVE_INFINITY;
  return {
    idToken: t.id_token,
    accessToken: t.access_token,
    refreshToken: typeof t.refresh_token === "string" ? t.refresh_token : (keepRefresh ?? null),
    expiresAt: Math.min(now + expiresIn * 1000, fromClaim),
  };
}

/** A JWT's claims, unverified: for display and expiry only (API Gateway verifies the token). */
export function jwtClaims(token: string): Record<string, unknown> {
  const payload = token.split(".")[1];
  if (!payload) return {};
  try {
    const text = new TextDecoder().decode(
      Uint8Array.from(fromBase64url(payload), (ch) => ch.charCodeAt(0)),
    );
    const claims = JSON.parse(text) as unknown;
    return typeof claims === "object" && claims !== null ? (claims as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Refresh a minute early, so a token never expires between the check and the API's. */
export const REFRESH_EARLY_MS = 60_000;

export const expiresSoon = (s: Session, now: number) => now >= s.expiresAt - REFRESH_EARLY_MS;

/** Who is signed in, as the console shows it (the API reads the same claims). */
export function userOf(s: Session): string | null {
  const c = jwtClaims(s.idToken);
  for (const k of ["email", "cognito:username", "sub"]) {
    if (typeof c[k] === "string") return c[k] as string;
  }
  return null;
}

/** Only same-site paths come back from a sign-in: never an open redirect. */
export function safeReturnPath(path: string | null | undefined): string {
  // "//host" and "/\host" are other sites to a browser.
  if (!path || !/^\/(?![/\\])/.test(path) || path.startsWith(CALLBACK_PATH)) {
    return "/runs";
  }
  return path;
}
