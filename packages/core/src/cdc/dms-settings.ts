// What AWS DMS is told, so that the files it writes are the files the apply reads (files.ts,
// model.ts): the S3 target's settings, the table mappings (which Oracle tables; the
// dms_change_seq column), the replication's task settings, the Oracle source's settings, the
// Oracle connection secret and the stage's replication config. Pure: infra/replication.ts hands
// them to DMS, and test/dms-settings.test.ts writes files the way these settings make DMS write
// them and applies them. Sources (AWS DMS User Guide): "Using Amazon S3 as a target"
// (CHAP_Target.S3), "Transformation rules and actions" and "Using transformation rule
// expressions" (CHAP_Tasks.CustomizingTasks.TableMapping.*), "Task settings"
// (CHAP_Tasks.CustomizingTasks.TaskSettings.*), "Using an Oracle database as a source"
// (CHAP_Source.Oracle), "Using secrets to access AWS DMS endpoints" (security_iam_secretsmanager).
import { z } from "zod";

/**
 * The columns DMS is told to write and the width of a change sequence: model.ts's DMS_COLUMNS and
 * SEQ_WIDTH, which the apply reads (the test checks they agree). Written here too so infra, which
 * imports this file, does not typecheck the apply's imports.
 */
const DMS_COLUMNS = { commitTs: "dms_commit_ts", changeSeq: "dms_change_seq" } as const;
const SEQ_WIDTH = 35;

/** The lake prefix DMS writes under (BucketFolder): `dms/<SCHEMA>/<TABLE>/<file>`, as files.ts reads. */
export const DMS_BUCKET_FOLDER = "dms";

/** The header DMS gives the operation column (`I`, `U`, `D`) when AddColumnName is on. */
export const DMS_OP_HEADER = "Op";

/**
 * The S3 target endpoint's settings, named as `aws.dms.S3Endpoint` takes them (the DMS API's
 * S3Settings in camelCase). Each one is the layout the apply reads:
 * - `dms/<SCHEMA>/<TABLE>/` and nothing between: BucketFolder `dms`, no date partitions (they
 *   would add `<yyyy>/<mm>/<dd>/` folders), no CdcPath or PreserveTransactions (DMS refuses them
 *   with AddColumnName; changes are ordered by dms_change_seq instead);
 * - a header in every file (AddColumnName), `Op` first in full-load files too
 *   (IncludeOpForFullLoad), every operation kept (no CdcInsertsOnly / CdcInsertsAndUpdates);
 * - the commit time as `dms_commit_ts` (TimestampColumnName); a full load's rows carry the task's
 *   start time there (UseTaskStartTimeForFullLoadTimestamp), so they sort before its changes;
 * - CSV with `,` between fields and a line feed between rows; Rfc4180 (DMS's default, set here so
 *   it stays): a value holding a quote, a comma or a line break is enclosed in double quotes and
 *   its quotes doubled — what the apply's reader (ingest/csv-reader.ts) parses. A NULL is an empty
 *   field (CsvNullValue unset), which the reader reads as NULL; Oracle stores '' as NULL anyway.
 */
export function dmsS3TargetSettings() {
  return {
    bucketFolder: DMS_BUCKET_FOLDER,
    dataFormat: "csv",
    // Plain CSV: the apply reads `.csv.gz` too (files.ts), should GZIP ever be wanted.
    compressionType: "NONE",
    csvDelimiter: ",",
    // The escape DMS takes for a line feed (also the provider's default).
    csvRowDelimiter: "\\n",
    rfc4180: true,
    addColumnName: true,
    includeOpForFullLoad: true,
    cdcInsertsOnly: false,
    cdcInsertsAndUpdates: false,
    timestampColumnName: DMS_COLUMNS.commitTs,
    useTaskStartTimeForFullLoadTimestamp: true,
    datePartitionEnabled: false,
    preserveTransactions: false,
    // A change file every 5 minutes (or every 32 MB), not DMS's default minute: each file is
    // one Glue run of about a minute on the deployed apply (one table's files in turn), so a
    // busy table would fall behind at one file a minute. The price: up to 5 minutes of lag.
    cdcMaxBatchInterval: 300,
    cdcMinFileSize: 32_000,
    // Full-load files of at most 256 MB (in KB): a file that fails is applied again whole.
    maxFileSize: 262_144,
    encryptionMode: "SSE_S3",
    addTrailingPaddingCharacter: false,
    glueCatalogGeneration: false,
  };
}
export type DmsS3Settings = ReturnType<typeof dmsS3TargetSettings>;

// ── Which tables: the stage's selection ─────────────────────────────────────────────────────

/** One selection: an Oracle schema and a table name, with DMS's wildcards (`%` any, `_` one). */
export interface DmsSelection {
  schema: string;
  table: string;
}

export const DEFAULT_ORACLE_SCHEMAS = "CRM";

/** An Oracle name as DMS's object locator takes it: letters, digits, `_ $ #`, and `%`. */
const LOCATOR = /^[A-Za-z0-9_$#%]{1,128}$/;

/**
 * The tables to replicate, from a list like `CRM, SALES.ORDERS, HR.EMP%`: a schema alone selects
 * all its tables. Oracle keeps unquoted names in upper case, and DMS matches them as written.
 */
export function parseOracleSelection(spec: string | undefined): DmsSelection[] {
  const items = (spec?.trim() ? spec : DEFAULT_ORACLE_SCHEMAS)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const out: DmsSelection[] = [];
  for (const item of items) {
    const [schema = "", table = "%", ...rest] = item.split(".");
    if (rest.length || !LOCATOR.test(schema) || !LOCATOR.test(table)) {
      throw new Error(
        `"${item}" is not SCHEMA or SCHEMA.TABLE (letters, digits, _ $ # and the wildcard %)`,
      );
    }
    if (!out.some((s) => s.schema === schema && s.table === table)) out.push({ schema, table });
  }
  return out;
}

// ── Table mappings ──────────────────────────────────────────────────────────────────────────

export interface SelectionRule {
  "rule-type": "selection";
  "rule-id": string;
  "rule-name": string;
  "object-locator": { "schema-name": string; "table-name": string };
  "rule-action": "include";
}

export interface AddColumnRule {
  "rule-type": "transformation";
  "rule-id": string;
  "rule-name": string;
  "rule-target": "column";
  "object-locator": { "schema-name": string; "table-name": string };
  "rule-action": "add-column";
  value: string;
  expression: string;
  "data-type": { type: "string"; length: number };
}

export interface TableMappings {
  rules: (SelectionRule | AddColumnRule)[];
}

/** The header expression DMS fills with a change's sequence (35 digits: time, change number). */
export const CHANGE_SEQ_EXPRESSION = "$AR_H_CHANGE_SEQ";

/**
 * One selection rule per selected schema/table, then one transformation adding `dms_change_seq` =
 * `$AR_H_CHANGE_SEQ` to every selected table: every row of a transaction shares its commit time,
 * so only this sequence orders a table's changes (model.ts SEQ_WIDTH). Full-load rows have none.
 */
export function dmsTableMappings(selection: DmsSelection[]): TableMappings {
  if (!selection.length) throw new Error("no Oracle table selected");
  const rules: TableMappings["rules"] = selection.map((s, i) => ({
    "rule-type": "selection",
    "rule-id": String(i + 1),
    "rule-name": `include-${s.schema}-${s.table}`.replace(/%/g, "all"),
    "object-locator": { "schema-name": s.schema, "table-name": s.table },
    "rule-action": "include",
  }));
  const id = String(selection.length + 1);
  rules.push({
    "rule-type": "transformation",
    "rule-id": id,
    "rule-name": `add-${DMS_COLUMNS.changeSeq}`,
    "rule-target": "column",
    "object-locator": { "schema-name": "%", "table-name": "%" },
    "rule-action": "add-column",
    value: DMS_COLUMNS.changeSeq,
    expression: CHANGE_SEQ_EXPRESSION,
    "data-type": { type: "string", length: SEQ_WIDTH },
  });
  return { rules };
}

// ── Task (replication) settings ─────────────────────────────────────────────────────────────

/** Redshift's VARCHAR holds 65,535 bytes (and COPY a value of as much): longer LOBs cannot land. */
export const LOB_MAX_KB = 63;

/**
 * The replication's task settings (ReplicationSettings). What matters to the apply:
 * - DMS never deletes files in dms/: the apply moves them once applied. A full load leaves the
 *   table's folder alone (TargetTablePrepMode DO_NOTHING), and a source table's DROP or TRUNCATE
 *   is not turned into deleting its folder (HandleSourceTableDropped/Truncated false; the S3
 *   target's DDL handling would otherwise remove the table's files). ALTERs go on: new columns
 *   show in the next file's header, which the apply adds to the table.
 * - LOBs in limited mode up to LOB_MAX_KB (full LOB mode and batch apply are not supported on an
 *   S3 target). Longer values are cut, not failed: one oversized note must not stop the
 *   replication of every table.
 * - Logging on, to CloudWatch (a serverless replication's own log group).
 */
export function dmsReplicationSettings() {
  return {
    TargetMetadata: {
      SupportLobs: true,
      FullLobMode: false,
      LimitedSizeLobMode: true,
      LobMaxSize: LOB_MAX_KB,
      BatchApplyEnabled: false,
    },
    FullLoadSettings: {
      TargetTablePrepMode: "DO_NOTHING",
    },
    ChangeProcessingDdlHandlingPolicy: {
      HandleSourceTableDropped: false,
      HandleSourceTableTruncated: false,
      HandleSourceTableAltered: true,
    },
    Logging: { EnableLogging: true },
  };
}

// ── The Oracle source ───────────────────────────────────────────────────────────────────────

/**
 * The Oracle source endpoint's settings (`oracleSettings` of `aws.dms.Endpoint`). LogMiner, DMS's
 * default, reads the redo logs (Binary Reader needs more grants and setup: docs/oracle.md).
 * - NUMBER without precision as text (NumberDatatypeScale -2): DMS otherwise writes it as
 *   NUMBER(38,10), rounding past ten decimals; as text the value is Oracle's own digits, and the
 *   apply infers its type from them as for CSV.
 * - TIMESTAMP WITH (LOCAL) TIME ZONE in UTC, so one column never mixes offsets.
 * - Supplemental logging is the database's to set (docs/oracle.md), not DMS's: letting DMS add it
 *   would need ALTER on every replicated table.
 */
export function oracleSourceSettings() {
  return {
    numberDatatypeScale: -2,
    convertTimestampWithZoneToUtc: true,
    addSupplementalLogging: false,
  };
}

/**
 * The Oracle connection in Secrets Manager. DMS reads `host`, `port`, `username` and `password`
 * (its names, lower case; it ignores other members); `service_name` completes the original's five
 * settings (ORACLE_DB_HOST, _PORT, _SERVICE_NAME, _USER, _PASSWORD) and is also the source
 * endpoint's database name.
 */
export const OracleConnection = z.object({
  host: z.string().min(1),
  port: z.string().regex(/^\d{1,5}$/, "a port number"),
  service_name: z.string().min(1),
  username: z.string().min(1),
  // DMS refuses `;` `.` `:` `+` in endpoint passwords (security_iam_secretsmanager).
  password: z.string().refine((p) => !/[;.:+]/.test(p), "DMS refuses ; . : + in a password"),
});
export type OracleConnection = z.infer<typeof OracleConnection>;

/** The secret's JSON, from the five values (checked as DMS will need them). */
export function oracleConnectionSecret(c: OracleConnection): string {
  const parsed = OracleConnection.parse(c);
  return JSON.stringify({
    host: parsed.host,
    port: parsed.port,
    service_name: parsed.service_name,
    username: parsed.username,
    password: parsed.password,
  });
}

// ── The stage's config ──────────────────────────────────────────────────────────────────────

export interface ReplicationConfig {
  selection: DmsSelection[];
  /** Whether the deploy leaves the replication running (CDP_ORACLE_REPLICATION=running). */
  running: boolean;
  /** Whether this stage creates the account-wide `dms-vpc-role` (CDP_DMS_VPC_ROLE=existing: not). */
  createVpcRole: boolean;
}

/**
 * The replication's stage config, from the environment `sst deploy` runs in:
 * CDP_ORACLE_SCHEMAS (`CRM`, `CRM,SALES.ORDERS`), CDP_ORACLE_REPLICATION (`stopped`, the default,
 * or `running`), CDP_DMS_VPC_ROLE (`create`, the default, or `existing`).
 */
export function replicationConfig(env: Record<string, string | undefined>): ReplicationConfig {
  const one = (name: string, values: string[], fallback: string) => {
    const v = (env[name] ?? "").trim().toLowerCase() || fallback;
    if (!values.includes(v))
      throw new Error(`${name}: "${env[name]}" is not ${values.join(" or ")}`);
    return v;
  };
  return {
    selection: parseOracleSelection(env.CDP_ORACLE_SCHEMAS),
    running: one("CDP_ORACLE_REPLICATION", ["stopped", "running"], "stopped") === "running",
    createVpcRole: one("CDP_DMS_VPC_ROLE", ["create", "existing"], "create") === "create",
  };
}
