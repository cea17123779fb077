// The deployed Salesforce credentials: one Secrets Manager secret, its JSON keyed by the local
// names (SALESFORCE_CLIENT_ID, …), read through Parameter Store's Secrets Manager reference. SSM is
// mocked (no AWS here); what the sync makes of the values is the real credentials code.
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, test } from "vitest";
import { credentials } from "../../../test/support/aws";
import { secretsManagerSecrets } from "../src/secrets/aws";
import { readCredentials, readSettings } from "../src/sync/credentials";

const NAME = "cdp-test-salesforce";
const REFERENCE = `/aws/reference/secretsmanager/${NAME}`;
const fake = {
  SALESFORCE_LOGIN_URL: "https://example-dev-ed.my.salesforce.com",
  SALESFORCE_CLIENT_ID: "3MVG9-fake-client-id",
  SALESFORCE_CLIENT_SECRET: "fake-client-secret",
  SALESFORCE_USERNAME: "integration@example.com",
  SALESFORCE_PASSWORD: "fake-password",
  SALESFORCE_SECURITY_TOKEN: "FAKETOKEN",
};

describe("the Salesforce secret from Secrets Manager (SSM mocked)", () => {
  const ssm = mockClient(SSMClient);
  const client = new SSMClient({ region: "eu-west-1", credentials });
  const secrets = () => secretsManagerSecrets(NAME, () => client);
  const holds = (value: string) =>
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: value } });
  afterEach(() => ssm.reset());

  test("its JSON keys are the credentials and settings: the username-password flow, the token appended, asked for once per run (mocked)", async () => {
    holds(JSON.stringify({ ...fake, SALESFORCE_BULK_THRESHOLD: 5000 }));
    const s = secrets();
    expect(await readCredentials(s)).toEqual({
      flow: "password",
      loginUrl: fake.SALESFORCE_LOGIN_URL,
      clientId: fake.SALESFORCE_CLIENT_ID,
      clientSecret: fake.SALESFORCE_CLIENT_SECRET,
      username: fake.SALESFORCE_USERNAME,
      password: "fake-passwordFAKETOKEN",
    });
    // A number in the JSON is read as the setting it names.
    expect((await readSettings(s)).bulkThreshold).toBe(5000);
    const calls = ssm.commandCalls(GetParameterCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ Name: REFERENCE, WithDecryption: true });
  });

  test("a secret with no value yet, or an empty object: no credentials, so the sync runs dry — and says which secret (mocked)", async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error("not found"), { name: "ParameterNotFound" }));
    const s = secrets();
    expect(await readCredentials(s)).toBeNull();
    expect(s.describe).toBe(`the Secrets Manager secret ${NAME}`);
    ssm.reset();
    holds("{}");
    expect(await readCredentials(secrets())).toBeNull();
  });

  test("a half-filled secret is an error naming the missing keys and the secret, as locally (mocked)", async () => {
    const { SALESFORCE_PASSWORD: _, ...partial } = fake;
    holds(JSON.stringify(partial));
    await expect(readCredentials(secrets())).rejects.toThrow(
      `Salesforce credentials are incomplete for the username-password flow: set SALESFORCE_PASSWORD (read from the Secrets Manager secret ${NAME})`,
    );
  });

  test("a value that is not a JSON object: an error naming the secret, never showing its value (mocked)", async () => {
    holds("client_id=3MVG9 password=hunter2");
    const err = await readCredentials(secrets()).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(
      `the Secrets Manager secret ${NAME} must hold a JSON object`,
    );
    expect((err as Error).message).not.toContain("hunter2");
  });

  test("access denied is not taken for “no credentials”: the error surfaces, and the next read tries again (mocked)", async () => {
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }))
      .resolves({ Parameter: { Value: JSON.stringify(fake) } });
    const s = secrets();
    await expect(s.get("SALESFORCE_CLIENT_ID")).rejects.toThrow("not authorized");
    expect(await s.get("SALESFORCE_CLIENT_ID")).toBe(fake.SALESFORCE_CLIENT_ID);
  });
});
