// Every secret the platform reads, declared once; each function links only the ones it uses.
// Set a value with `sst secret set <Name> <value> --stage <stage>`. Credentials that AWS generates
// and rotates itself (the warehouse admin password, the ops database's) are not declared here:
// their services keep them in Secrets Manager (infra/warehouse.ts, infra/database.ts).

/** Where alerts are also POSTed as JSON (as CDP_ALERT_WEBHOOK_URL locally); empty: none. */
export const alertWebhookUrl = new sst.Secret("AlertWebhookUrl", "");

// The Oracle database AWS DMS replicates (flow 4; infra/replication.ts puts them together in the
// Secrets Manager secret DMS reads). The original's five settings, ORACLE_DB_HOST … _PASSWORD;
// placeholders until set, so a stage that does not replicate deploys without them (its
// replication stays stopped). docs/oracle.md says how to set them and what the user needs.
export const oracleDbHost = new sst.Secret("OracleDbHost", "oracle.invalid");
export const oracleDbPort = new sst.Secret("OracleDbPort", "1521");
export const oracleDbServiceName = new sst.Secret("OracleDbServiceName", "ORCL");
export const oracleDbUser = new sst.Secret("OracleDbUser", "DMS_USER");
export const oracleDbPassword = new sst.Secret("OracleDbPassword", "unset");

// The Salesforce sync's credentials are not stage secrets: they live in one Secrets Manager secret
// (infra/salesforce.ts) that the deploy workflow fills (scripts/salesforce-secret.mjs).
