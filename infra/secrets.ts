// Every secret the platform reads, declared once; each function links only the ones it uses.
// Set a value with `sst secret set <Name> <value> --stage <stage>`. Credentials that AWS generates
// and rotates itself (the warehouse admin password, the ops database's) are not declared here:
// their services keep them in Secrets Manager (infra/warehouse.ts, infra/database.ts).

/** Where alerts are also POSTed as JSON (as CDP_ALERT_WEBHOOK_URL locally); empty: none. */
export const alertWebhookUrl = new sst.Secret("AlertWebhookUrl", "");
