// The two Data APIs the deployed platform talks SQL through, as stand-ins on PGlite (mocked SDK
// clients; no AWS here), recording every call (aws-record.ts):
// - Redshift Data API → the warehouse. Redshift's own S3 commands are done as Redshift does them,
//   with the role the statement names: COPY lists the key prefix and reads each object; UNLOAD
//   lists its prefix and writes one file (PARALLEL OFF), a header line first when it says HEADER.
//   Those S3 calls are recorded under the role's name, so they are checked against that role's
//   policy. DISTKEY/[COMPOUND] SORTKEY are dropped.
// - RDS Data API → the ops store (Aurora PostgreSQL): drizzle's `:1` parameters, transactions,
//   and the Data API's records and column metadata.

import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  RDSDataClient,
  BatchExecuteStatementCommand as RdsBatchExecuteStatementCommand,
  ExecuteStatementCommand as RdsExecuteStatementCommand,
  RollbackTransactionCommand,
} from "@aws-sdk/client-rds-data";
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  type Field,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import type { PGlite } from "@electric-sql/pglite";
import { mockClient } from "aws-sdk-client-mock";
import { csvLine } from "../../packages/core/src/util/csv";
import { answer, type FakeS3, type Recorder } from "./aws-record";

interface Result {
  columns: string[];
  rows: unknown[][];
}

async function run(db: PGlite, sql: string, params: unknown[] = []): Promise<Result> {
  // No parameters: possibly several statements (a migration file's chunk).
  if (!params.length) {
    const results = await db.exec(sql);
    const last = results.at(-1);
    return {
      columns: (last?.fields ?? []).map((f) => f.name),
      rows: (last?.rows ?? []).map((r) => Object.values(r as object)),
    };
  }
  const out = await db.query(sql, params, { rowMode: "array" });
  return { columns: out.fields.map((f) => f.name), rows: out.rows as unknown[][] };
}

/** A value as a Data API Field. */
function field(v: unknown): Field {
  if (v === null || v === undefined) return { isNull: true };
  if (typeof v === "boolean") return { booleanValue: v };
  if (typeof v === "number") return Number.isInteger(v) ? { longValue: v } : { doubleValue: v };
  if (v instanceof Date) return { stringValue: v.toISOString().replace("T", " ").slice(0, -1) };
  if (typeof v === "object") return { stringValue: JSON.stringify(v) };
  return { stringValue: String(v) };
}

/** `:name` parameters (outside quotes) → `$n`, in order of first use. */
function positional(sql: string, names: string[]): string {
  let out = "";
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      const end = sql.indexOf(ch, i + 1);
      out += sql.slice(i, end + 1);
      i = end;
      continue;
    }
    const m = ch === ":" && sql[i - 1] !== ":" ? /^:([A-Za-z0-9_]+)/.exec(sql.slice(i)) : null;
    if (!m) {
      out += ch;
      continue;
    }
    if (!names.includes(m[1]!)) names.push(m[1]!);
    out += `$${names.indexOf(m[1]!) + 1}`;
    i += m[0].length - 1;
  }
  return out;
}

const S3_URI = /'s3:\/\/([^/']+)\/([^']*)'/;
const ROLE = /IAM_ROLE\s+'([^']+)'/i;

/** The Redshift Data API over PGlite; COPY and UNLOAD reach the S3 stand-in as the named role. */
export function fakeRedshiftData(
  rec: Recorder,
  opts: { db: PGlite; s3: FakeS3; roleNames: Record<string, string> },
) {
  const { db, s3 } = opts;
  const stub = mockClient(RedshiftDataClient);
  const statements = new Map<string, { error?: string; result?: Result }>();
  let n = 0;

  const roleOf = (sql: string) => {
    const arn = ROLE.exec(sql)?.[1] ?? "";
    const name = opts.roleNames[arn];
    if (!name) throw new Error(`Redshift stand-in: no role ${arn} is attached to the namespace`);
    return name;
  };

  async function execute(sql: string, params: unknown[]): Promise<Result> {
    const copy = /^COPY\s+(\S+)\s*\(([^)]*)\)\s+FROM\s/i.exec(sql);
    if (copy) {
      const [, bucket, key] = S3_URI.exec(sql)!;
      const body = await rec.as(roleOf(sql), async () => {
        rec.record("s3", "ListObjectsV2", { Bucket: bucket, Prefix: key });
        const parts = s3.list(key!);
        for (const k of parts) rec.record("s3", "GetObject", { Bucket: bucket, Key: k });
        return Buffer.concat(parts.map((k) => s3.read(k)));
      });
      await db.query(`COPY ${copy[1]} (${copy[2]}) FROM '/dev/blob' WITH (FORMAT csv)`, [], {
        blob: new Blob([body as Uint8Array<ArrayBuffer>]),
      });
      return { columns: [], rows: [] };
    }
    const unload = /^UNLOAD\s*\('((?:[^']|'')*)'\)\s+TO\s/i.exec(sql);
    if (unload) {
      const [, bucket, prefix] = S3_URI.exec(sql.slice(unload[0].length - 1))!;
      const out = await db.query(unload[1]!.replace(/''/g, "'"), [], { rowMode: "array" });
      // A header line only when the statement asks for one (UNLOAD's HEADER option).
      const header = /\)\s+TO\s+'[^']*'.*\bHEADER\b/is.test(sql);
      const csv = [
        ...(header ? [csvLine(out.fields.map((f) => f.name))] : []),
        ...(out.rows as unknown[][]).map((r) => csvLine(r)),
      ].join("");
      await rec.as(roleOf(sql), async () => {
        rec.record("s3", "ListObjectsV2", { Bucket: bucket, Prefix: prefix });
        rec.record("s3", "PutObject", { Bucket: bucket, Key: `${prefix}000` });
        s3.write(`${prefix}000`, Buffer.from(csv));
      });
      return { columns: [], rows: [] };
    }
    return run(
      db,
      sql.replace(/\s+(DISTKEY|(?:COMPOUND\s+|INTERLEAVED\s+)?SORTKEY)\s*\([^)]*\)/gi, ""),
      params,
    );
  }

  const settle = async (id: string, work: () => Promise<Result | undefined>) => {
    try {
      statements.set(id, { result: await work() });
    } catch (err) {
      statements.set(id, { error: err instanceof Error ? err.message : String(err) });
    }
    return { Id: id };
  };

  answer(rec, stub as never, "redshift-data", [
    [
      ExecuteStatementCommand,
      (i: { Sql: string; Parameters?: { name: string; value: string }[] }) => {
        const names: string[] = [];
        const sql = positional(i.Sql, names);
        const values = names.map((name) => i.Parameters?.find((p) => p.name === name)?.value);
        return settle(`st-${++n}`, () => execute(sql, values));
      },
    ],
    [
      BatchExecuteStatementCommand,
      (i: { Sqls: string[] }) => {
        const id = `batch-${++n}`;
        return settle(id, async () => {
          await db.exec("BEGIN");
          try {
            for (const [k, sql] of i.Sqls.entries()) {
              statements.set(`${id}:${k + 1}`, { result: await execute(sql, []) });
            }
            await db.exec("COMMIT");
          } catch (err) {
            await db.exec("ROLLBACK");
            throw err;
          }
          return undefined;
        });
      },
    ],
    [
      DescribeStatementCommand,
      (i: { Id: string }) => {
        const s = statements.get(i.Id);
        if (!s) throw new Error(`no statement ${i.Id}`);
        if (s.error) return { Id: i.Id, Status: "FAILED", Error: s.error };
        return { Id: i.Id, Status: "FINISHED", HasResultSet: (s.result?.columns.length ?? 0) > 0 };
      },
    ],
    [
      GetStatementResultCommand,
      (i: { Id: string }) => {
        const r = statements.get(i.Id)?.result ?? { columns: [], rows: [] };
        return {
          ColumnMetadata: r.columns.map((name) => ({ name, label: name })),
          Records: r.rows.map((row) => row.map(field)),
          TotalNumRows: r.rows.length,
        };
      },
    ],
  ]);
  return stub;
}

type RdsParam = { name: string; value: Record<string, unknown> };

/** The RDS Data API over PGlite (the ops store), as drizzle's aws-data-api driver uses it. */
export function fakeRdsData(rec: Recorder, db: PGlite) {
  const stub = mockClient(RDSDataClient);
  let tx = 0;
  const value = (v: Record<string, unknown>) =>
    v.isNull ? null : (v.stringValue ?? v.longValue ?? v.doubleValue ?? v.booleanValue ?? null);
  const statement = async (i: { sql: string; parameters?: RdsParam[] }) => {
    const names: string[] = [];
    const sql = positional(i.sql, names);
    const params = names.map((n) => value(i.parameters?.find((p) => p.name === n)?.value ?? {}));
    const r = await run(db, sql, params);
    return {
      columnMetadata: r.columns.map((name) => ({ name, label: name })),
      records: r.rows.map((row) => row.map(field)),
      numberOfRecordsUpdated: 0,
    };
  };
  answer(rec, stub as never, "rds-data", [
    [RdsExecuteStatementCommand, statement],
    [
      RdsBatchExecuteStatementCommand,
      async (i: { sql: string; parameterSets?: RdsParam[][] }) => {
        for (const parameters of i.parameterSets ?? [[]])
          await statement({ sql: i.sql, parameters });
        return { updateResults: [] };
      },
    ],
    [
      BeginTransactionCommand,
      async () => {
        await db.exec("BEGIN");
        return { transactionId: `tx-${++tx}` };
      },
    ],
    [
      CommitTransactionCommand,
      async () => {
        await db.exec("COMMIT");
        return { transactionStatus: "Transaction Committed" };
      },
    ],
    [
      RollbackTransactionCommand,
      async () => {
        await db.exec("ROLLBACK");
        return { transactionStatus: "Rollback Complete" };
      },
    ],
  ]);
  return stub;
}
