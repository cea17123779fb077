// The Salesforce double's Bulk API 2.0 ingest jobs: their state, the job info it answers with, and
// result CSVs written as Salesforce writes them.

export interface Job {
  id: string;
  object: string;
  externalIdFieldName: string;
  operation: string;
  state: "Open" | "UploadComplete" | "InProgress" | "JobComplete" | "Failed" | "Aborted";
  errorMessage?: string;
  csv: string | null;
  columns: string[];
  successful: Record<string, string>[];
  failed: Record<string, string>[];
  unprocessed: Record<string, string>[];
}

/** The fields the double's Contact has by default (others are INVALID_FIELD). */
export const DEFAULT_FIELDS = [
  "Id",
  "External_Id__c",
  "Email",
  "FirstName",
  "LastName",
  "Segment__c",
  "Segment_Score__c",
  "Segment_Updated__c",
];

export function jobInfo(j: Job) {
  return {
    id: j.id,
    operation: j.operation,
    object: j.object,
    createdById: "005000000000001AAA",
    createdDate: new Date().toISOString(),
    systemModstamp: new Date().toISOString(),
    state: j.state,
    externalIdFieldName: j.externalIdFieldName,
    concurrencyMode: "Parallel",
    contentType: "CSV",
    apiVersion: 62,
    jobType: "V2Ingest",
    contentUrl: `services/data/v62.0/jobs/ingest/${j.id}/batches`,
    lineEnding: "LF",
    columnDelimiter: "COMMA",
    numberRecordsProcessed: j.successful.length + j.failed.length,
    numberRecordsFailed: j.failed.length,
    retries: 0,
    totalProcessingTime: 0,
    apiActiveProcessingTime: 0,
    apexProcessingTime: 0,
    ...(j.errorMessage ? { errorMessage: j.errorMessage } : {}),
  };
}

/** Results CSV as Salesforce writes it: every value quoted. */
export function csvOf(columns: string[], rows: Record<string, string>[]): string {
  const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
  let s = `${columns.map(q).join(",")}\n`;
  for (const r of rows) s += `${columns.map((c) => q(r[c] ?? "")).join(",")}\n`;
  return s;
}
