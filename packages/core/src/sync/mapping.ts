// ─────────────────────────────────────────────────────────────────────────────────────────────
// The Salesforce field mapping: THE file to edit to change what the sync sends (README
// "Salesforce sync"). One record per user of the latest segmentation run is upserted into
// `object` by `externalId`; each field below takes its value from:
//   key                 the user's key (the segmentation's user_id, the source table's key)
//   user.<column>       a column of the source table the segmentation ran on (joined on its key)
//   segment.label       the segment's label (≤ 80 characters)
//   segment.number      the segment's number (0 … k−1)
//   segment.distance    the distance to the segment's centroid
//   run.created_at      when the segmentation run was made (an ISO instant, UTC)
// `compare: false` fields are sent with a record but do not make it "changed" (the run's time
// changes every run; a record is re-sent only when something else changed). `decimals` rounds a
// number before it is compared and sent (match the Salesforce field's scale).
// ─────────────────────────────────────────────────────────────────────────────────────────────

export type FieldSource =
  | "key"
  | `user.${string}`
  | "segment.label"
  | "segment.number"
  | "segment.distance"
  | "run.created_at";

export interface FieldMapping {
  /** The Salesforce field's API name. */
  field: string;
  from: FieldSource;
  /** Round a number to this many decimal places. */
  decimals?: number;
  /** Whether a change of this value alone makes the record changed (default true). */
  compare?: boolean;
}

export interface SalesforceMapping {
  /** The sObject upserted (Contact, Lead, a custom object …). */
  object: string;
  /** Its External ID field (External ID + Unique), which receives the user's key. */
  externalId: string;
  /** The source table's key column, when rules.ts does not name it. */
  sourceKey?: string;
  fields: FieldMapping[];
}

export const SALESFORCE_MAPPING: SalesforceMapping = {
  object: "Contact",
  externalId: "External_Id__c",
  fields: [
    { field: "External_Id__c", from: "key" },
    { field: "Email", from: "user.email" },
    { field: "FirstName", from: "user.first_name" },
    { field: "LastName", from: "user.last_name" },
    { field: "Segment__c", from: "segment.label" },
    { field: "Segment_Score__c", from: "segment.distance", decimals: 4 },
    { field: "Segment_Updated__c", from: "run.created_at", compare: false },
  ],
};
