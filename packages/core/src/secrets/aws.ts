// The secrets port deployed: one Secrets Manager secret whose value is a JSON object keyed by the
// same names the local sources use (SALESFORCE_CLIENT_ID, …), so every message that names a
// setting is right on both runtimes. It is read through Parameter Store's pass-through to Secrets
// Manager — GetParameter on `/aws/reference/secretsmanager/<secret name>` WithDecryption — with
// the SSM client core already has (@aws-sdk/client-secrets-manager is not one of its packages).
// Parameter Store keeps nothing of the secret and honours its access: the caller needs
// ssm:GetParameter on that reference and secretsmanager:GetSecretValue on the secret (AWS Systems
// Manager User Guide, "Referencing AWS Secrets Manager secrets from Parameter Store parameters").
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { VisibleError } from "../util/error";
import { ssmClient } from "../util/ssm";
import type { Secrets } from "./secrets";

/** The reserved path under which Parameter Store hands out a Secrets Manager secret. */
export const SECRETS_MANAGER_REFERENCE = "/aws/reference/secretsmanager/";

export const secretReference = (secretName: string) => `${SECRETS_MANAGER_REFERENCE}${secretName}`;

/**
 * The secret `secretName` as a secrets source, read once (on the first `get`) — make one per
 * run, so a value put with `aws secretsmanager put-secret-value` is used by the next run. A secret
 * that does not exist or has no value yet has no values (the sync then runs dry and says so); a
 * value that is not a JSON object is an error naming the secret.
 */
export function secretsManagerSecrets(
  secretName: string,
  client: () => SSMClient = ssmClient,
): Secrets {
  const describe = `the Secrets Manager secret ${secretName}`;
  let values: Promise<Record<string, unknown>> | undefined;
  const load = async (): Promise<Record<string, unknown>> => {
    let text: string | undefined;
    try {
      const out = await client().send(
        new GetParameterCommand({ Name: secretReference(secretName), WithDecryption: true }),
      );
      text = out.Parameter?.Value;
    } catch (err) {
      // No such secret, or no value in it yet (a secret made empty by the deploy).
      const name = (err as { name?: string })?.name;
      if (name === "ParameterNotFound" || name === "ResourceNotFoundException") return {};
      throw err;
    }
    if (!text?.trim()) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      // The value itself is never repeated: it is a secret.
      throw new VisibleError(
        "input",
        "secrets.not_json",
        `${describe} must hold a JSON object of named values, like {"SALESFORCE_CLIENT_ID": "…"}; its value is not one`,
      );
    }
    return parsed as Record<string, unknown>;
  };
  return {
    describe,
    async get(name) {
      values ??= load();
      let v: unknown;
      try {
        v = (await values)[name];
      } catch (err) {
        values = undefined; // a passing fault is tried again by the next get
        throw err;
      }
      if (v === undefined || v === null) return undefined;
      const s = typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
      return s === "" ? undefined : s;
    },
  };
}
