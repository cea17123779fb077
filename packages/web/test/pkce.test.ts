// The pure half of the Cognito sign-in: PKCE (RFC 7636), the hosted UI's URLs and form bodies,
// and reading tokens. Node's Web Crypto stands in for the browser's.
import { describe, expect, it } from "vitest";
import {
  authorizeUrl,
  base64url,
  type CognitoConfig,
  challengeS256,
  codeExchangeBody,
  cognitoConfigFrom,
  expiresSoon,
  jwtClaims,
  logoutUrl,
  normalizeDomain,
  randomToken,
  readCallback,
  refreshBody,
  safeReturnPath,
  sessionFromTokens,
  userOf,
} from "../src/lib/pkce";

const config: CognitoConfig = {
  domain: "https://cdp-prod.auth.eu-west-1.amazoncognito.com",
  clientId: "client123",
  redirectUri: "https://d111.cloudfront.net/auth/callback",
  logoutUri: "https://d111.cloudfront.net/auth/callback",
  scopes: ["openid", "email", "profile"],
};

/** An unsigned JWT with these claims (only the payload is ever read here). */
const jwt = (claims: Record<string, unknown>) =>
  `e30.${base64url(new TextEncoder().encode(JSON.stringify(claims)))}.sig`;

describe("PKCE", () => {
  it("derives the S256 challenge of RFC 7636's example verifier", async () => {
    // RFC 7636, appendix B.
    expect(await challengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });

  it("makes 43-character verifiers of unreserved characters, different every time", () => {
    const a = randomToken(32);
    const b = randomToken(32);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });

  it("encodes base64url without padding or +/", () => {
    expect(base64url(new Uint8Array([251, 255, 191]))).toBe("-_-_");
    expect(base64url(new Uint8Array([1]))).toBe("AQ");
  });
});

describe("hosted UI URLs and bodies", () => {
  it("asks for a code with the challenge, state, scopes and callback", () => {
    const url = new URL(authorizeUrl(config, { state: "st4te", challenge: "ch4llenge" }));
    expect(url.origin + url.pathname).toBe(`${config.domain}/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: "code",
      client_id: "client123",
      redirect_uri: "https://d111.cloudfront.net/auth/callback",
      scope: "openid email profile",
      state: "st4te",
      code_challenge: "ch4llenge",
      code_challenge_method: "S256",
    });
  });

  it("trades the code with the verifier and the same redirect URI, and no secret", () => {
    const body = codeExchangeBody(config, { code: "c0de", verifier: "v3rifier" });
    expect(Object.fromEntries(body)).toEqual({
      grant_type: "authorization_code",
      client_id: "client123",
      code: "c0de",
      redirect_uri: "https://d111.cloudfront.net/auth/callback",
      code_verifier: "v3rifier",
    });
    expect(Object.fromEntries(refreshBody(config, "r"))).toEqual({
      grant_type: "refresh_token",
      client_id: "client123",
      refresh_token: "r",
    });
  });

  it("signs out through /logout back to the registered URI", () => {
    const url = new URL(logoutUrl(config));
    expect(url.pathname).toBe("/logout");
    expect(url.searchParams.get("client_id")).toBe("client123");
    expect(url.searchParams.get("logout_uri")).toBe(config.logoutUri);
  });

  it("takes its config from the build only when both variables are set", () => {
    expect(cognitoConfigFrom({}, "https://x.net")).toBeNull();
    expect(cognitoConfigFrom({ VITE_COGNITO_DOMAIN: "a.b" }, "https://x.net")).toBeNull();
    const c = cognitoConfigFrom(
      {
        VITE_COGNITO_DOMAIN: "cdp.auth.eu-west-1.amazoncognito.com/",
        VITE_COGNITO_CLIENT_ID: "id",
      },
      "https://x.net/",
    );
    expect(c).toMatchObject({
      domain: "https://cdp.auth.eu-west-1.amazoncognito.com",
      clientId: "id",
      redirectUri: "https://x.net/auth/callback",
    });
    expect(normalizeDomain("https://auth.example.com//")).toBe("https://auth.example.com");
  });
});

describe("coming back", () => {
  it("reads a code, an error, or nothing (the way back from /logout)", () => {
    expect(readCallback("https://x.net/auth/callback?code=abc&state=s")).toEqual({
      kind: "code",
      code: "abc",
      state: "s",
    });
    expect(
      readCallback(
        "https://x.net/auth/callback?error=access_denied&error_description=User+is+disabled&state=s",
      ),
    ).toEqual({
      kind: "error",
      error: "access_denied",
      description: "User is disabled",
      state: "s",
    });
    expect(readCallback("https://x.net/auth/callback")).toEqual({ kind: "none" });
  });

  it("keeps tokens with the earlier of expires_in and the id token's exp", () => {
    const now = 1_700_000_000_000;
    const idToken = jwt({ exp: now / 1000 + 600, email: "ops@example.com" });
    const s = sessionFromTokens(
      { id_token: idToken, access_token: "a", refresh_token: "r", expires_in: 3600 },
      now,
    );
    expect(s).toEqual({ idToken, accessToken: "a", refreshToken: "r", expiresAt: now + 600_000 });
    expect(userOf(s)).toBe("ops@example.com");
    expect(expiresSoon(s, now)).toBe(false);
    expect(expiresSoon(s, now + 550_000)).toBe(true);
    // A refresh answer carries no refresh token: the one sent stays.
    const refreshed = sessionFromTokens(
      { id_token: idToken, access_token: "a2", expires_in: 60 },
      now,
      "r",
    );
    expect(refreshed.refreshToken).toBe("r");
    expect(refreshed.expiresAt).toBe(now + 60_000);
    expect(() => sessionFromTokens({ access_token: "a" }, now)).toThrow(/id and an access token/);
  });

  it("reads claims of any JWT without verifying, and nothing of a non-JWT", () => {
    expect(jwtClaims(jwt({ "cognito:username": "ops", n: 1 }))).toEqual({
      "cognito:username": "ops",
      n: 1,
    });
    expect(jwtClaims("not a jwt")).toEqual({});
    expect(jwtClaims("a.!!!.c")).toEqual({});
  });

  it("only ever returns to a path on this site", () => {
    expect(safeReturnPath("/runs/run_1?x=1")).toBe("/runs/run_1?x=1");
    for (const bad of ["https://evil.example", "//evil.example", "/\\evil.example", "", null]) {
      expect(safeReturnPath(bad)).toBe("/runs");
    }
    expect(safeReturnPath("/auth/callback?code=x")).toBe("/runs");
  });
});
