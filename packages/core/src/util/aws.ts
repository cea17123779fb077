// AWS SDK clients for core: one retry policy, clients made once per module and reused, and one
// wrapper that turns throttling which outlasted the policy into a clear 503-kind error.
import { CloudWatchClient, type CloudWatchClientConfig } from "@aws-sdk/client-cloudwatch";
import { GlueClient, type GlueClientConfig } from "@aws-sdk/client-glue";
import { SFNClient, type SFNClientConfig } from "@aws-sdk/client-sfn";
import { VisibleError } from "./error";

/**
 * The one retry policy of every AWS client we make: adaptive retry (exponential backoff with
 * jitter plus client-side rate limiting once AWS throttles), five attempts in all. Throttling that
 * outlasts it surfaces as `aws.throttled` (503).
 */
export const awsClientConfig = {
  maxAttempts: 5,
  retryMode: "adaptive",
} as const;

/** A client made on first use (so importing an adapter never needs credentials or a region), then shared. */
export function lazyClient<T>(make: () => T): () => T {
  let client: T | undefined;
  return () => {
    client ??= make();
    return client;
  };
}

/** The clients the operations adapter, the Metrics page and the health checks call. */
export interface AwsClients {
  glue: GlueClient;
  sfn: SFNClient;
  cloudwatch: CloudWatchClient;
}

type ClientOptions = Pick<
  GlueClientConfig & SFNClientConfig & CloudWatchClientConfig,
  "credentials" | "requestHandler" | "endpoint" | "retryStrategy" | "maxAttempts" | "retryMode"
>;

/** New clients with the retry policy; tests pass a fake request handler or credentials here. */
export function createAwsClients(region: string, options: ClientOptions = {}): AwsClients {
  const config = { region, ...awsClientConfig, ...options };
  return {
    glue: new GlueClient(config as GlueClientConfig),
    sfn: new SFNClient(config as SFNClientConfig),
    cloudwatch: new CloudWatchClient(config as CloudWatchClientConfig),
  };
}

const clientsByRegion = new Map<string, AwsClients>();

/** The module's clients for a region, made once and reused by every request. */
export function awsClients(region: string): AwsClients {
  let clients = clientsByRegion.get(region);
  if (!clients) {
    clients = createAwsClients(region);
    clientsByRegion.set(region, clients);
  }
  return clients;
}

/** Did an AWS SDK call fail because the thing is not there (NoSuchKey, NotFound, a 404)? */
export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.name === "NoSuchBucket") return false; // a missing bucket is a broken deploy, not a miss
  return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404;
}

const throttlingCodes = new Set([
  "ThrottlingException",
  "TooManyRequestsException",
  "Throttling",
  "ThrottledException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
]);

interface AwsErrorShape {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

/** The SDK exception's name (ExecutionDoesNotExist, EntityNotFoundException, …). */
export function errorName(err: unknown): string | undefined {
  return (err as AwsErrorShape | null)?.name;
}

export function isThrottling(err: unknown): boolean {
  const e = err as AwsErrorShape | null;
  return !!e && (throttlingCodes.has(e.name ?? "") || e.$metadata?.httpStatusCode === 429);
}

/** One AWS call; throttling that outlasted the retry policy becomes a clear 503-kind error. */
export async function awsCall<T>(
  service: string,
  operation: string,
  send: () => Promise<T>,
): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (!isThrottling(err)) throw err;
    const e = err as AwsErrorShape;
    const attempts = e.$metadata?.attempts ?? awsClientConfig.maxAttempts;
    throw new VisibleError(
      "unavailable",
      "aws.throttled",
      `AWS ${service} is throttling ${operation} (${e.name}: ${e.message ?? "rate exceeded"}); ` +
        `gave up after ${attempts} attempt${attempts === 1 ? "" : "s"}. Nothing was changed — wait a minute and try again.`,
      { service, operation, attempts },
    );
  }
}
