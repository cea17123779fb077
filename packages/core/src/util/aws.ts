// The one retry policy every AWS SDK client in core is created with (once per module, lazily, so
// importing an adapter never needs credentials or a region).
export const awsClientConfig = {
  maxAttempts: 5,
  retryMode: "adaptive",
} as const;

/** A client made on first use and then shared by every caller in the process. */
export function lazyClient<T>(make: () => T): () => T {
  let client: T | undefined;
  return () => {
    client ??= make();
    return client;
  };
}

/** Did an AWS SDK call fail because the thing is not there (NoSuchKey, NotFound, a 404)? */
export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.name === "NoSuchBucket") return false; // a missing bucket is a broken deploy, not a miss
  return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404;
}
