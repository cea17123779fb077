// How the platform's metrics are named in CloudWatch: written by the EMF adapter, read back by
// cloudwatch-series.ts, graphed by the dashboard, alarmed on by infra. No imports, so
// infra can use it without type-checking the ops store's engines.
export const METRICS_NAMESPACE = "CDP";
export const PIPELINE_DIMENSION = "Pipeline";
