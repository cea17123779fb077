/// <reference path="./.sst/platform/config.d.ts" />

// The CDP app: stages and the table of contents of its infrastructure. Each infra/ module owns
// one concern; they are imported in the order they depend on each other.
export default $config({
  async app(input) {
    // What differs per stage is in infra/stage.ts; an unknown stage gets dev's.
    const { resolveStage } = await import("./infra/stage");
    const { removal, protect } = resolveStage(input?.stage ?? "dev").settings;
    return { name: "cdp", home: "aws", removal, protect };
  },
  async run() {
    // First, so a deploy of a stage infra/stage.ts does not name says so before anything else.
    const { stageSettings } = await import("./infra/stage");
    stageSettings($app.stage);
    await import("./infra/storage");
    await import("./infra/network");
    await import("./infra/secrets");
    await import("./infra/alerts");
    await import("./infra/database");
    await import("./infra/warehouse");
    const ingest = await import("./infra/ingest");
    const replication = await import("./infra/replication"); // cdc: Oracle → dms/ (AWS DMS)
    const cdc = await import("./infra/cdc"); // cdc: dms/ → the apply state machine → Redshift
    await import("./infra/ml"); // segment: daily schedule → the ML state machine (SageMaker k-means) → segments
    const salesforce = await import("./infra/salesforce"); // sync: a loaded segmentation → the sync state machine → Salesforce
    const { api, site, userPool } = await import("./infra/console");
    // Watches everything above, the console included.
    const monitoring = await import("./infra/monitoring");

    return {
      console: site.url,
      api: api.url,
      operators: userPool.id,
      ...ingest.outputs,
      ...replication.outputs, // cdc: the DMS replication and its Oracle secret
      ...cdc.outputs,
      ...salesforce.outputs, // sync: its machine and the Salesforce secret to put the credentials in
      ...monitoring.outputs,
    };
  },
});
