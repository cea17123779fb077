// Where the sync's credentials come from and which OAuth flow they make: the environment before
// the data dir's secrets.env, nothing at all (a dry run), or a half set (an error naming the gap).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { envSecrets, fileSecrets, layeredSecrets, parseDotenv } from "../src/secrets/secrets";
import { parseReserve, readCredentials, readSettings } from "../src/sync/credentials";

const dir = mkdtempSync(join(tmpdir(), "cdp-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("secrets.env reads like dotenv: comments, export, quotes; the environment wins over the file; a missing file has nothing", async () => {
  const file = join(dir, "secrets.env");
  writeFileSync(
    file,
    [
      "# Salesforce",
      "export SALESFORCE_CLIENT_ID=abc123",
      'SALESFORCE_PASSWORD="p@ss #not a comment"',
      "SALESFORCE_SECURITY_TOKEN='tok'  ",
      "SALESFORCE_USERNAME = sync@example.com # the integration user",
      "SALESFORCE_LOGIN_URL=",
      "not a line",
    ].join("\n"),
  );
  expect(parseDotenv(readFileSync(file, "utf8"))).toMatchObject({
    SALESFORCE_CLIENT_ID: "abc123",
    SALESFORCE_PASSWORD: "p@ss #not a comment",
    SALESFORCE_SECURITY_TOKEN: "tok",
    SALESFORCE_USERNAME: "sync@example.com",
  });
  const s = layeredSecrets(envSecrets({ SALESFORCE_CLIENT_ID: "from-env" }), fileSecrets(file));
  expect(await s.get("SALESFORCE_CLIENT_ID")).toBe("from-env");
  expect(await s.get("SALESFORCE_USERNAME")).toBe("sync@example.com");
  expect(await s.get("SALESFORCE_LOGIN_URL")).toBeUndefined();
  expect(await fileSecrets(join(dir, "missing.env")).get("X")).toBeUndefined();
  expect(s.describe).toBe(`the environment, then ${file}`);
});

test("username-password when a username is set (the security token appended to the password); client credentials with only the client and a My Domain login URL; nothing → null", async () => {
  const client = { SALESFORCE_CLIENT_ID: "id", SALESFORCE_CLIENT_SECRET: "secret" };
  expect(
    await readCredentials(
      envSecrets({
        ...client,
        SALESFORCE_USERNAME: "u",
        SALESFORCE_PASSWORD: "pw",
        SALESFORCE_SECURITY_TOKEN: "TOK",
      }),
    ),
  ).toEqual({
    flow: "password",
    loginUrl: "https://login.salesforce.com",
    clientId: "id",
    clientSecret: "secret",
    username: "u",
    password: "pwTOK",
  });
  expect(
    await readCredentials(
      envSecrets({ ...client, SALESFORCE_LOGIN_URL: "https://acme.my.salesforce.com" }),
    ),
  ).toEqual({
    flow: "client_credentials",
    loginUrl: "https://acme.my.salesforce.com",
    clientId: "id",
    clientSecret: "secret",
  });
  await expect(readCredentials(envSecrets(client))).rejects.toThrow(
    /client-credentials .*: set SALESFORCE_LOGIN_URL/,
  );
  await expect(readCredentials(envSecrets({ SALESFORCE_USERNAME: "u" }))).rejects.toThrow(
    /set SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET, SALESFORCE_PASSWORD/,
  );
  expect(await readCredentials(envSecrets({ SALESFORCE_SECURITY_TOKEN: "only" }))).toBeNull();
});

test("settings: the API version, the reserve (a count or a share of the daily limit), the bulk threshold", async () => {
  expect(await readSettings(envSecrets({}))).toEqual({
    apiVersion: "62.0",
    apiReserve: "10%",
    bulkThreshold: null,
  });
  expect(parseReserve("10%", 15_000)).toBe(1500);
  expect(parseReserve("2500", 15_000)).toBe(2500);
  await expect(readSettings(envSecrets({ SALESFORCE_API_RESERVE: "lots" }))).rejects.toThrow(
    /SALESFORCE_API_RESERVE/,
  );
  await expect(readSettings(envSecrets({ SALESFORCE_API_VERSION: "45.0" }))).rejects.toThrow(
    /46.0 or later/,
  );
  await expect(readSettings(envSecrets({ SALESFORCE_BULK_THRESHOLD: "1.5" }))).rejects.toThrow(
    /whole number/,
  );
});
