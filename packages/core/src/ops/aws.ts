// The ops store when deployed: Aurora Serverless v2 (PostgreSQL) through the RDS Data API, so
// Lambdas need no VPC and hold no connections. The same drizzle schema and migrations as the
// local store; migrations are applied at deploy time by the ops-migrate function (infra invokes it
// on every deploy), never on a request path.
import { RDSDataClient } from "@aws-sdk/client-rds-data";
import { drizzle } from "drizzle-orm/aws-data-api/pg";
import { migrate } from "drizzle-orm/aws-data-api/pg/migrator";
import { awsClientConfig, lazyClient } from "../util/aws";
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

function connect(config: AuroraDataApiConfig, client: RDSDataClient) {
  return drizzle(client, { ...config, schema });
}

export function awsOps(
  config: AuroraDataApiConfig,
  client: RDSDataClient = rdsDataClient(),
): OpsStore {
  const db = connect(config, client);
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
): Promise<void> {
  await migrate(connect(config, client), { migrationsFolder });
}
