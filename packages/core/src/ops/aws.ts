// The ops store when deployed: Aurora Serverless v2 (PostgreSQL) through the RDS Data API, so
// Lambdas need no VPC and hold no connections. The same drizzle schema and migrations as the
// local store; migrations are applied at deploy time by the ops-migrate function (infra invokes it
// on every deploy), never on a request path.
//
// The cluster scales to 0 ACU and pauses when idle. The Data API then answers the first requests
// with DatabaseResumingException ("the request was cancelled because the instance was paused; the
// Data API request automatically resumes the DB instance. Wait a few seconds and try again" — RDS
// Data API reference), and a resume takes about 15 s, longer after a long pause (Aurora User
// Guide, "Scaling to zero ACUs with automatic pause and resume"). The SDK's retry policy does not
// retry it, and drizzle wraps whatever `send` throws in a DrizzleQueryError; so the client drizzle
// gets waits here, below drizzle, for every query, transaction and migration of the ops store.
import { RDSDataClient } from "@aws-sdk/client-rds-data";
import { drizzle } from "drizzle-orm/aws-data-api/pg";
import { migrate } from "drizzle-orm/aws-data-api/pg/migrator";
import { awsClientConfig, errorName, lazyClient } from "../util/aws";
import { VisibleError } from "../util/error";
import type { OpsDb, OpsStore } from "./db";
import * as schema from "./schema";

export const rdsDataClient = lazyClient(() => new RDSDataClient(awsClientConfig));

export interface AuroraDataApiConfig {
  /** The Aurora cluster's ARN. */
  resourceArn: string;
  /** Secrets Manager secret with the database user's credentials. */
  secretArn: string;
  database: string;
}

/** How long a request waits for a paused cluster to resume before it gives up with `ops.resuming`. */
export interface ResumeWait {
  /** Total wait across the retries (default 45 s: a resume takes about 15 s, more after a long pause). */
  maxWaitMs?: number;
  /** Tests pass a sleep that returns at once. */
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RESUME_WAIT_MS = 45_000;
const RESUMING = "DatabaseResumingException";

/** 0.5 s, 1 s, 2 s, 4 s, then every 5 s. */
const backoff = (attempt: number) => Math.min(500 * 2 ** (attempt - 1), 5_000);

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The Data API client with every request retried, with backoff, while the cluster resumes from
 * its pause — within a bounded total wait, after which it fails with a clear 503-kind error
 * rather than hanging. A resuming cluster cancelled the request without running it, so sending it
 * again is safe (a statement, a transaction's begin or commit alike).
 */
export function resumingClient(client: RDSDataClient, opts: ResumeWait = {}): RDSDataClient {
  const maxWaitMs = opts.maxWaitMs ?? DEFAULT_RESUME_WAIT_MS;
  const sleep = opts.sleep ?? realSleep;
  const send = async (command: Parameters<RDSDataClient["send"]>[0]) => {
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.send(command as never);
      } catch (err) {
        if (errorName(err) !== RESUMING) throw err;
        if (waited >= maxWaitMs) {
          throw Object.assign(
            new VisibleError(
              "unavailable",
              "ops.resuming",
              `the ops store (Aurora Serverless) is resuming from its idle pause and did not answer within ${Math.round(waited / 1000)} s; nothing was changed — try again in a minute`,
              { waitedMs: waited, attempts: attempt },
            ),
            { cause: err },
          );
        }
        const delay = Math.min(backoff(attempt), maxWaitMs - waited);
        await sleep(delay);
        waited += delay;
      }
    }
  };
  // drizzle only calls `send`; everything else (config, middleware, destroy) is the client's own.
  return new Proxy(client, {
    get: (target, prop, receiver) => (prop === "send" ? send : Reflect.get(target, prop, receiver)),
  });
}

function connect(config: AuroraDataApiConfig, client: RDSDataClient, wait: ResumeWait) {
  return drizzle(resumingClient(client, wait), { ...config, schema });
}

export function awsOps(
  config: AuroraDataApiConfig,
  client: RDSDataClient = rdsDataClient(),
  wait: ResumeWait = {},
): OpsStore {
  const db = connect(config, client, wait);
  return {
    // The Data API dialect is a PgDatabase over the same schema; only its result shape differs.
    db: db as unknown as OpsDb,
    kind: "postgres",
    async close() {},
  };
}

/** Apply the ops-store migrations from `migrationsFolder` (copied next to the migrate function). */
export async function migrateAwsOps(
  config: AuroraDataApiConfig,
  migrationsFolder: string,
  client: RDSDataClient = rdsDataClient(),
  wait: ResumeWait = {},
): Promise<void> {
  await migrate(connect(config, client, wait), { migrationsFolder });
}
