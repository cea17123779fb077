/// <reference path="./.sst/platform/config.d.ts" />

// The CDP app: stages and the table of contents of its infrastructure. Each infra/ module owns
// one concern; they are imported in the order they depend on each other.
export default $config({
  app(input) {
    return {
      name: "cdp",
      home: "aws",
      removal: input?.stage === "production" ? "retain" : "remove",
      protect: input?.stage === "production",
    };
  },
  async run() {
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
