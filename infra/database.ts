// The ops store when deployed: Aurora Serverless v2 PostgreSQL, reached through its Data API (no
// Lambda in a VPC, no connection pool), scaling to zero when idle. Its migrations run on every
// deploy, and every function that uses the ops store is updated only after they succeeded
// (`afterMigration`), so new code never meets the old schema.
import { opsStoreStatements } from "../packages/core/src/ops/iam";
import { grants, linkable } from "./iam";
import { vpc } from "./network";
import { stageSettings } from "./stage";

const { minAcu, maxAcu } = stageSettings($app.stage).opsDb;

export const opsDb = new sst.aws.Aurora("OpsDb", {
  engine: "postgres",
  vpc,
  dataApi: true,
  scaling: { min: `${minAcu} ACU`, max: `${maxAcu} ACU` },
});

/**
 * Linked by every function that uses the ops store as Resource.OpsStore: the cluster, its secret
 * and database, and the Data API calls on them (not the Aurora link, which also hands the
 * function the database password).
 */
export const opsStore = linkable(
  "OpsStore",
  { clusterArn: opsDb.clusterArn, secretArn: opsDb.secretArn, database: opsDb.database },
  grants(opsStoreStatements, { clusterArn: opsDb.clusterArn, secretArn: opsDb.secretArn }),
);

const migrator = new sst.aws.Function("OpsMigrate", {
  handler: "packages/functions/src/handlers/ops-migrate.handler",
  runtime: "nodejs22.x",
  timeout: "5 minutes",
  link: [opsStore],
  copyFiles: [{ from: "packages/core/migrations", to: "migrations" }],
});

/** Invoked on every deploy (its input changes each time); a failed migration fails the deploy. */
export const opsMigration = new aws.lambda.Invocation("OpsMigration", {
  functionName: migrator.name,
  input: JSON.stringify({ deployedAt: new Date().toISOString() }),
});

/** The third argument of every function that links `opsStore`: it is updated after migrating. */
export const afterMigration = { dependsOn: [opsMigration] };
