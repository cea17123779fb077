// Salesforce credentials and settings, read through the secrets port (secrets/secrets.ts): locally
// the environment, then `<data-dir>/secrets.env`; deployed, Secrets Manager. Two OAuth 2.0 flows:
// username-password (client id and secret, username, password + security token) and client
// credentials (client id and secret only; the connected app runs as its integration user).
import type { Secrets } from "../secrets/secrets";
import { VisibleError } from "../util/error";

export const SECRET_NAMES = {
  loginUrl: "SALESFORCE_LOGIN_URL",
  clientId: "SALESFORCE_CLIENT_ID",
  clientSecret: "SALESFORCE_CLIENT_SECRET",
  username: "SALESFORCE_USERNAME",
  password: "SALESFORCE_PASSWORD",
  securityToken: "SALESFORCE_SECURITY_TOKEN",
} as const;

/** Settings read the same way (they are not secret, but live beside the credentials). */
export const SETTING_NAMES = {
  apiVersion: "SALESFORCE_API_VERSION",
  /** Daily API requests the sync leaves to others: a number, or a share of the org's limit ("10%"). */
  apiReserve: "SALESFORCE_API_RESERVE",
  /** Records from which the sync uses Bulk API 2.0 instead of sObject Collections. */
  bulkThreshold: "SALESFORCE_BULK_THRESHOLD",
} as const;

export const DEFAULT_LOGIN_URL = "https://login.salesforce.com";
/** sObject Collections upsert needs 46.0 or later (REST API guide, "Upsert Records Using sObject Collections"). */
export const DEFAULT_API_VERSION = "62.0";
export const DEFAULT_API_RESERVE = "10%";

export type SalesforceCredentials =
  | {
      flow: "password";
      loginUrl: string;
      clientId: string;
      clientSecret: string;
      username: string;
      /** The password with the security token appended (what the token endpoint takes). */
      password: string;
    }
  | { flow: "client_credentials"; loginUrl: string; clientId: string; clientSecret: string };

/**
 * The credentials, or null when none are configured (the sync then runs dry). A half-configured
 * set is an error naming what is missing: a typo must not turn a live sync into a dry one.
 */
export async function readCredentials(secrets: Secrets): Promise<SalesforceCredentials | null> {
  const v: Partial<Record<keyof typeof SECRET_NAMES, string>> = {};
  for (const [k, name] of Object.entries(SECRET_NAMES)) {
    v[k as keyof typeof SECRET_NAMES] = await secrets.get(name);
  }
  if (!v.clientId && !v.clientSecret && !v.username && !v.password) return null;
  const missing = (keys: (keyof typeof SECRET_NAMES)[]) =>
    keys.filter((k) => !v[k]).map((k) => SECRET_NAMES[k]);
  const incomplete = (names: string[], flow: string) =>
    new VisibleError(
      "input",
      "sync.credentials_incomplete",
      `Salesforce credentials are incomplete for the ${flow} flow: set ${names.join(", ")} (read from ${secrets.describe})`,
    );
  if (v.username || v.password) {
    const lack = missing(["clientId", "clientSecret", "username", "password"]);
    if (lack.length) throw incomplete(lack, "username-password");
    return {
      flow: "password",
      loginUrl: v.loginUrl ?? DEFAULT_LOGIN_URL,
      clientId: v.clientId!,
      clientSecret: v.clientSecret!,
      username: v.username!,
      password: `${v.password}${v.securityToken ?? ""}`,
    };
  }
  const lack = missing(["clientId", "clientSecret", "loginUrl"]);
  // The client-credentials flow is refused on login.salesforce.com: it needs the org's My Domain.
  if (lack.length)
    throw incomplete(lack, "client-credentials (SALESFORCE_LOGIN_URL = your My Domain URL)");
  return {
    flow: "client_credentials",
    loginUrl: v.loginUrl!,
    clientId: v.clientId!,
    clientSecret: v.clientSecret!,
  };
}

export interface SalesforceSettings {
  apiVersion: string;
  /** "10%" or a count. */
  apiReserve: string;
  /** Null: chosen from the API calls each transport costs (transport.ts). */
  bulkThreshold: number | null;
}

export async function readSettings(secrets: Secrets): Promise<SalesforceSettings> {
  const apiVersion = (await secrets.get(SETTING_NAMES.apiVersion)) ?? DEFAULT_API_VERSION;
  if (!/^\d+\.\d$/.test(apiVersion) || Number(apiVersion) < 46) {
    throw new VisibleError(
      "input",
      "sync.bad_setting",
      `${SETTING_NAMES.apiVersion} must be an API version 46.0 or later, like 62.0 (is ${apiVersion})`,
    );
  }
  const apiReserve = (await secrets.get(SETTING_NAMES.apiReserve)) ?? DEFAULT_API_RESERVE;
  parseReserve(apiReserve, 1); // fail early on a bad value
  const threshold = await secrets.get(SETTING_NAMES.bulkThreshold);
  const bulkThreshold = threshold === undefined ? null : Number(threshold);
  if (bulkThreshold !== null && !(Number.isInteger(bulkThreshold) && bulkThreshold >= 1)) {
    throw new VisibleError(
      "input",
      "sync.bad_setting",
      `${SETTING_NAMES.bulkThreshold} must be a whole number of records (is ${threshold})`,
    );
  }
  return { apiVersion, apiReserve, bulkThreshold };
}

/** The reserve in API requests: "10%" of the org's daily maximum, or a count. */
export function parseReserve(value: string, max: number): number {
  const pct = value.match(/^\s*(\d+(?:\.\d+)?)\s*%\s*$/);
  if (pct && Number(pct[1]) <= 100) return Math.ceil((max * Number(pct[1])) / 100);
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  throw new VisibleError(
    "input",
    "sync.bad_setting",
    `${SETTING_NAMES.apiReserve} must be a number of API requests or a percentage like 10% (is ${value})`,
  );
}
