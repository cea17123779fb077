// The Cognito sign-in as a tab runs it, with sessionStorage and the token endpoint faked: leave
// with a verifier and state, come back with a code, trade it, refresh before expiry, sign out.
import { describe, expect, it } from "vitest";
import { createCognitoFlow, type FlowDeps, SignInError } from "../src/lib/cognito";
import { base64url, type CognitoConfig, challengeS256 } from "../src/lib/pkce";

const config: CognitoConfig = {
  domain: "https://cdp.auth.eu-west-1.amazoncognito.com",
  clientId: "client123",
  redirectUri: "https://site.example/auth/callback",
  logoutUri: "https://site.example/auth/callback",
  scopes: ["openid", "email", "profile"],
};

const jwt = (claims: Record<string, unknown>) =>
  `e30.${base64url(new TextEncoder().encode(JSON.stringify(claims)))}.sig`;

function harness(answer: (body: URLSearchParams, url: string) => [number, unknown]) {
  const store = new Map<string, string>();
  const calls: { url: string; body: URLSearchParams }[] = [];
  let now = 1_700_000_000_000;
  const deps: FlowDeps = {
    storage: {
      getItem: (k) => store.get(k) ?? null,
      setItem: (k, v) => void store.set(k, v),
      removeItem: (k) => void store.delete(k),
    },
    fetch: async (input, init) => {
      const url = String(input);
      const body = init?.body as URLSearchParams;
      calls.push({ url, body });
      const [status, json] = answer(body, url);
      return new Response(JSON.stringify(json), { status });
    },
    now: () => now,
  };
  return {
    flow: createCognitoFlow(config, deps),
    store,
    calls,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

const tokens = (now: number, extra: Record<string, unknown> = {}) => ({
  id_token: jwt({ exp: Math.floor(now / 1000) + 3600, email: "ops@example.com" }),
  access_token: "access",
  expires_in: 3600,
  token_type: "Bearer",
  ...extra,
});

describe("Cognito sign-in flow", () => {
  it("leaves with a challenge of the verifier it keeps, and trades the code for a session", async () => {
    const h = harness(() => [200, tokens(h.now(), { refresh_token: "refresh" })]);
    const url = new URL(await h.flow.begin("/runs?status=FAILED"));
    const pending = JSON.parse(h.store.get("cdp.signin")!) as { state: string; verifier: string };
    expect(url.searchParams.get("state")).toBe(pending.state);
    expect(url.searchParams.get("code_challenge")).toBe(await challengeS256(pending.verifier));

    const done = await h.flow.complete(
      `https://site.example/auth/callback?code=c0de&state=${pending.state}`,
    );
    expect(done?.returnTo).toBe("/runs?status=FAILED");
    expect(done?.session.refreshToken).toBe("refresh");
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0]!.url).toBe(`${config.domain}/oauth2/token`);
    expect(h.calls[0]!.body.get("code_verifier")).toBe(pending.verifier);
    expect(h.calls[0]!.body.get("code")).toBe("c0de");
    // Kept for the tab; the one-time verifier is gone.
    expect(h.flow.load()).toEqual(done?.session);
    expect(h.store.has("cdp.signin")).toBe(false);
  });

  it("refuses an answer to a request this tab did not make, without calling the token endpoint", async () => {
    const h = harness(() => [200, tokens(0)]);
    await h.flow.begin("/runs");
    await expect(
      h.flow.complete("https://site.example/auth/callback?code=c0de&state=forged"),
    ).rejects.toThrow(SignInError);
    expect(h.calls).toHaveLength(0);
    // The pending request is used up either way: a replay fails too.
    expect(h.store.has("cdp.signin")).toBe(false);
  });

  it("says what the hosted UI or the token endpoint refused", async () => {
    const h = harness(() => [400, { error: "invalid_grant" }]);
    await expect(
      h.flow.complete(
        "https://site.example/auth/callback?error=access_denied&error_description=User+is+disabled",
      ),
    ).rejects.toThrow("access_denied: User is disabled");
    await h.flow.begin("/runs");
    const { state } = JSON.parse(h.store.get("cdp.signin")!) as { state: string };
    await expect(
      h.flow.complete(`https://site.example/auth/callback?code=old&state=${state}`),
    ).rejects.toThrow("invalid_grant");
  });

  it("treats the way back from /logout as no sign-in", async () => {
    const h = harness(() => [200, tokens(0)]);
    expect(await h.flow.complete("https://site.example/auth/callback")).toBeNull();
  });

  it("refreshes a session a minute before it expires, once for concurrent requests", async () => {
    const h = harness((body) =>
      body.get("grant_type") === "refresh_token"
        ? [200, tokens(h.now(), { access_token: "access2" })]
        : [200, tokens(h.now(), { refresh_token: "refresh" })],
    );
    await h.flow.begin("/runs");
    const { state } = JSON.parse(h.store.get("cdp.signin")!) as { state: string };
    const first = (await h.flow.complete(
      `https://site.example/auth/callback?code=c&state=${state}`,
    ))!.session;

    expect(await h.flow.fresh(first)).toBe(first);
    h.advance(3600_000 - 30_000);
    const [a, b] = await Promise.all([h.flow.fresh(first), h.flow.fresh(first)]);
    expect(a).toBe(b);
    expect(a.accessToken).toBe("access2");
    expect(a.refreshToken).toBe("refresh");
    expect(h.calls.filter((c) => c.body.get("grant_type") === "refresh_token")).toHaveLength(1);
    expect(h.flow.load()?.accessToken).toBe("access2");
  });

  it("gives up on an expired session it cannot refresh", async () => {
    const h = harness(() => [400, { error: "invalid_grant" }]);
    const expired = { idToken: "x", accessToken: "y", refreshToken: null, expiresAt: 0 };
    await expect(h.flow.fresh(expired)).rejects.toThrow("expired");
    await expect(h.flow.fresh({ ...expired, refreshToken: "revoked" })).rejects.toThrow(
      "invalid_grant",
    );
  });

  it("signs out: forgets the tokens, revokes the refresh token, and goes to /logout", async () => {
    const h = harness(() => [200, {}]);
    h.store.set(
      "cdp.session",
      JSON.stringify({ idToken: "i", accessToken: "a", refreshToken: "r", expiresAt: 1 }),
    );
    const url = h.flow.signOut();
    expect(new URL(url).pathname).toBe("/logout");
    expect(h.store.has("cdp.session")).toBe(false);
    expect(h.calls[0]?.url).toBe(`${config.domain}/oauth2/revoke`);
    expect(h.calls[0]?.body.get("token")).toBe("r");
  });
});
