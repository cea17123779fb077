// The ops store when deployed: Aurora Serverless v2 PostgreSQL, reached through its Data API (no
// Lambda in a VPC, no connection pool), scaling to zero when idle. Its migrations run on every
// deploy, before the functions that write to it are updated.

const vpc = new sst.aws.Vpc("Vpc");

export const opsDb = new sst.aws.Aurora("OpsDb", {
  engine: "postgres",
  vpc,
  dataApi: true,
  scaling: { min: "0 ACU", max: "4 ACU" },
});

const migrator = new sst.aws.Function("OpsMigrate", {
  handler: "packages/functions/src/handlers/ops-migrate.handler",
  runtime: "nodejs22.x",
  timeout: "5 minutes",
  link: [opsDb],
  copyFiles: [{ from: "packages/core/migrations", to: "migrations" }],
});

/** Invoked on every deploy (its input changes each time); a failed migration fails the deploy. */
export const opsMigration = new aws.lambda.Invocation("OpsMigration", {
  functionName: migrator.name,
  input: JSON.stringify({ deployedAt: new Date().toISOString() }),
});
