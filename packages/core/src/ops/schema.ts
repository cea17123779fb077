// Every ops-store table, for drizzle and drizzle-kit.
export { alertTable } from "../alert/alert.sql";
export { auditTable } from "../audit/audit.sql";
export { schemaChangeTable } from "../ingest/schema-history.sql";
export { metricTable } from "../metric/metric.sql";
export { qualityFailureTable } from "../quality/quality.sql";
export { runTable } from "../run/run.sql";
export { syncRecordTable, syncSnapshotTable } from "../sync/sync.sql";
