// What tests of the AWS adapters share: credentials that reach nothing, and the `$metadata` an SDK
// exception carries once the client's retry policy gave up.
import { randomUUID } from "node:crypto";
import { awsClientConfig } from "../../packages/core/src/util/aws";

export const credentials = {
  accessKeyId: "fake-access-key-for-tests",
  secretAccessKey: "fake-secret-key-for-tests",
};

export const meta = (status = 400) => ({
  httpStatusCode: status,
  requestId: randomUUID(),
  attempts: awsClientConfig.maxAttempts,
  totalRetryDelay: 7_310,
});
