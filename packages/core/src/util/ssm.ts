// Reading a value infra writes to SSM Parameter Store after the functions that need it exist (the
// console's URL is only known once the console is deployed, after the ingest functions).
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { awsClientConfig, lazyClient } from "./aws";

export const ssmClient = lazyClient(() => new SSMClient(awsClientConfig));

/** A parameter's value; undefined when it isn't there (yet) or is empty. */
export async function readParameter(
  name: string,
  client: SSMClient = ssmClient(),
): Promise<string | undefined> {
  try {
    const out = await client.send(new GetParameterCommand({ Name: name }));
    return out.Parameter?.Value || undefined;
  } catch (err) {
    if ((err as { name?: string })?.name === "ParameterNotFound") return undefined;
    throw err;
  }
}
